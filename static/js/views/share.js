// Sharing: the presenter's share link (copy, or show it large for the room), and for a
// viewer the banner that says this page is watching someone else's board.

export function createShare(root) {
  root.innerHTML = `
    <div class="share-presenter">
      <button type="button" class="share-open" data-testid="share-button" aria-haspopup="dialog">Share</button>
      <dialog class="share-dialog" aria-labelledby="share-title">
        <h2 id="share-title">Let the class follow</h2>
        <p>Students open this link to watch the board live, read-only:</p>
        <p class="share-link"><a data-testid="share-link" target="_blank" rel="noopener"></a></p>
        <div class="form-buttons">
          <button type="button" class="share-copy">Copy link</button>
          <button type="button" class="share-large">Show large</button>
          <button type="button" class="share-close primary">Done</button>
        </div>
      </dialog>
      <div class="share-big" hidden role="dialog" aria-label="Share link, large">
        <p>Watch live at</p><p class="share-big-link"></p><p class="hint">Esc or click to close</p>
      </div>
    </div>
    <div class="watching" data-testid="watching" hidden role="status">
      <span class="dot" aria-hidden="true"></span> Watching live · read-only
    </div>`;
  const dialog = root.querySelector(".share-dialog");
  const link = root.querySelector("[data-testid=share-link]");
  const big = root.querySelector(".share-big");
  const copy = root.querySelector(".share-copy");
  let url = "";

  root.querySelector(".share-open").addEventListener("click", () => dialog.showModal());
  root.querySelector(".share-close").addEventListener("click", () => dialog.close());
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(url); copy.textContent = "Copied"; }
    catch { copy.textContent = "Select the link to copy"; }
    setTimeout(() => { copy.textContent = "Copy link"; }, 1800);
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
