// Connection state and the server's refusals, said in words: a lost connection says it is
// reconnecting, a rejected command shows the server's own message.

export function createStatus(root) {
  root.innerHTML = `
    <div class="conn" data-testid="connection" role="status"></div>
    <div class="toasts" aria-live="assertive"></div>`;
  const conn = root.querySelector(".conn");
  const toasts = root.querySelector(".toasts");
  let lastKey = "";

  function toast(text, kind = "error") {
    const el = document.createElement("div");
    el.className = `toast ${kind}`;
    el.dataset.testid = kind === "error" ? "error" : "notice";
    el.textContent = text;
    toasts.append(el);
    while (toasts.children.length > 3) toasts.firstElementChild.remove();
    setTimeout(() => el.remove(), kind === "error" ? 7000 : 3500);
  }

  function update(state) {
    const c = state.connection;
    const key = `${c.state}|${c.text}`;
    if (key === lastKey) return;
    lastKey = key;
    conn.className = `conn ${c.state}`;
    conn.textContent = c.text;
    conn.hidden = c.state === "open" && !c.text;
  }

  return { update, toast };
}
