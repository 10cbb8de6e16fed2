// The language menu in the top bar (rendered by the server with every language it offers):
// choosing one remembers it and reloads the page in it (?lang=), keeping the rest of the
// address, so a presenter keeps their board (#session=…) across the switch.

export function createLanguageMenu(select) {
  select.addEventListener("change", () => {
    try { localStorage.setItem("dialboard-lang", select.value); } catch { /* storage may be blocked */ }
    const url = new URL(location.href);
    url.searchParams.set("lang", select.value);
    location.assign(url);
  });
  return { update() {} };
}
