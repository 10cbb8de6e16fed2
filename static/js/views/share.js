// Sharing: the presenter's share link (copy, or show it large for the room), and for a
// viewer the banner that says this page is watching someone else's board.

import { t } from "../lib/i18n.js";

export function createShare(root) {
  root.innerHTML = `
    <div class="share-presenter">
      <button type="button" class="share-open" data-testid="share-button" aria-haspopup="dialog">${t("share.open")}</button>
      <dialog class="share-dialog" aria-labelledby="share-title">
        <h2 id="share-title">${t("share.title")}</h2>
        <p>${t("share.explain")}</p>
        <p class="share-link"><a data-testid="share-link" target="_blank" rel="noopener"></a></p>
        <div class="form-buttons">
          <button type="button" class="share-copy">${t("share.copy")}</button>
          <button type="button" class="share-large">${t("share.large")}</button>
          <button type="button" class="share-close primary">${t("share.done")}</button>
        </div>
      </dialog>
      <div class="share-big" hidden role="dialog" aria-label="${t("share.large_label")}">
        <p>${t("share.watch_at")}</p><p class="share-big-link"></p><p class="hint">${t("share.close_hint")}</p>
      </div>
    </div>
    <div class="watching" data-testid="watching" hidden role="status">
      <span class="dot" aria-hidden="true"></span> ${t("share.watching")}
    </div>`;
  const dialog = root.querySelector(".share-dialog");
  const link = root.querySelector("[data-testid=share-link]");
  const big = root.querySelector(".share-big");
  const copy = root.querySelector(".share-copy");
  let url = "";

  root.querySelector(".share-open").addEventListener("click", () => dialog.showModal());
  root.querySelector(".share-close").addEventListener("click", () => dialog.close());
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(url); copy.textContent = t("share.copied"); }
    catch { copy.textContent = t("share.copy_failed"); }
    setTimeout(() => { copy.textContent = t("share.copy"); }, 1800);
  });
  root.querySelector(".share-large").addEventListener("click", () => { dialog.close(); big.hidden = false; });
  big.addEventListener("click", () => { big.hidden = true; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") big.hidden = true; });

  function update(state) {
    const watching = state.ui.readOnly;
    root.querySelector(".share-presenter").hidden = watching;
    root.querySelector(".watching").hidden = !watching;
    if (!state.session) return;
    const next = `${location.origin}/?watch=${encodeURIComponent(state.session.id)}`;
    if (next !== url) {
      url = next;
      link.href = url;
      link.textContent = url;
      root.querySelector(".share-big-link").textContent = url.replace(/^https?:\/\//, "");
    }
  }

  return { update };
}
