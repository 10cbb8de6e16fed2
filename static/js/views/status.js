// Connection state and the server's refusals, said in words: a lost connection says it is
// reconnecting, a rejected command shows the server's own message.

import { t } from "../lib/i18n.js";

export function createStatus(root) {
  root.innerHTML = `
    <div class="conn" data-testid="connection" role="status"><span class="conn-text"></span>
      <button type="button" class="conn-retry" data-testid="retry" hidden>${t("status.retry")}</button></div>
    <div class="toasts" aria-live="assertive"></div>`;
  const conn = root.querySelector(".conn");
  const connText = conn.querySelector(".conn-text"), retry = conn.querySelector(".conn-retry");
  let onRetry = null;   // a way out the page offers with its message (a refused board: try again)
  retry.addEventListener("click", () => onRetry?.());
  const toasts = root.querySelector(".toasts");
  let lastKey = "";

  function toast(text, kind = "error") {
    // The same message again (a clicker pressed three times at a refused step) is one toast,
    // shown longer and counted, not a stack of copies.
    const same = [...toasts.children].find((t) => t.dataset.text === text);
    const el = same || document.createElement("div");
    if (same) {
      clearTimeout(Number(same.dataset.timer));
      same.dataset.count = String(Number(same.dataset.count) + 1);
      same.textContent = t("status.repeated", { text, n: same.dataset.count });
    } else {
      el.className = `toast ${kind}`;
      el.dataset.testid = kind === "error" ? "error" : "notice";
      el.dataset.text = text;
      el.dataset.count = "1";
      el.textContent = text;
      toasts.append(el);
      while (toasts.children.length > 3) toasts.firstElementChild.remove();
    }
    el.dataset.timer = String(setTimeout(() => el.remove(), kind === "error" ? 7000 : 3500));
  }

  function update(state) {
    const c = state.connection;
    const key = `${c.state}|${c.text}|${Boolean(c.retry)}`;
    onRetry = c.retry || null;
    if (key === lastKey) return;
    lastKey = key;
    conn.className = `conn ${c.state}`;
    connText.textContent = c.text;
    retry.hidden = !c.retry;
    conn.hidden = c.state === "open" && !c.text;
  }

  return { update, toast };
}
