// Sharing: the presenter's class room (its code, QR code and join link, how many watch, shown
// large for the projector), a presenter link only on request, and for a student the banner
// that says this page is watching the teacher's board.

import { t, tn } from "../lib/i18n.js";
import { escapeHtml } from "../lib/html.js";
import { GLYPHS } from "../lib/icons.js";
import { spaced } from "../classroom.js";

export function createShare(root, actions) {
  root.innerHTML = `
    <div class="share-presenter presenter-only">
      <button type="button" class="room-badge" data-testid="room-badge" hidden></button>
      <button type="button" class="share-open" data-testid="share-button" aria-haspopup="dialog">${t("share.open")}</button>
      <dialog class="share-dialog" aria-labelledby="share-title">
        <h2 id="share-title">${t("share.title")}</h2>
        <div class="room-card">
          <img class="room-qr" data-testid="share-qr" alt="${t("room.qr_alt")}" width="180" height="180">
          <div>
            <p class="room-code-label">${t("room.code_label")}</p>
            <p class="room-code" data-testid="join-code"></p>
            <p class="room-watching" role="status"></p>
          </div>
        </div>
        <p class="room-join"></p>
        <p class="share-link"><a data-testid="share-link" target="_blank" rel="noopener"></a></p>
        <p class="room-unreachable" data-testid="room-unreachable" role="note" hidden>${t("room.unreachable")}</p>
        <details class="presenter-link">
          <summary>${t("room.presenter_link")}</summary>
          <p class="warn">${t("room.presenter_warning")}</p>
          <p class="share-link"><a data-testid="presenter-link" target="_blank" rel="noopener"></a></p>
        </details>
        <div class="form-buttons">
          <button type="button" class="share-copy">${t("share.copy")}</button>
          <button type="button" class="share-large">${t("share.large")}</button>
          <button type="button" class="share-close primary">${t("share.done")}</button>
        </div>
      </dialog>
      <div class="share-big" data-testid="share-big" hidden role="dialog" aria-label="${t("share.large_label")}">
        <p>${t("room.big_join")}</p>
        <p class="share-big-link"></p>
        <p class="room-code room-code-big"></p>
        <img class="room-qr room-qr-big" alt="${t("room.qr_alt")}">
        <p class="room-watching"></p>
        <p class="hint">${t("share.close_hint")}</p>
      </div>
    </div>
    <div class="watching" data-testid="watching" hidden role="status">
      <span class="dot" aria-hidden="true"></span> <span class="watching-text">${t("share.watching")}</span>
    </div>`;
  const $ = (sel) => root.querySelector(sel);
  const $$ = (sel) => root.querySelectorAll(sel);
  const dialog = $(".share-dialog");
  const big = $(".share-big");
  const copy = $(".share-copy");
  let url = "";
  let shown = "";   // the room (code and board) the dialog was last filled for

  $(".share-open").addEventListener("click", () => dialog.showModal());
  $(".room-badge").addEventListener("click", () => { big.hidden = false; });
  $(".share-close").addEventListener("click", () => dialog.close());
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(url); copy.textContent = t("share.copied"); }
    catch { copy.textContent = t("share.copy_failed"); }
    setTimeout(() => { copy.textContent = t("share.copy"); }, 1800);
  });
  $(".share-large").addEventListener("click", () => { dialog.close(); big.hidden = false; });
  big.addEventListener("click", () => { big.hidden = true; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") big.hidden = true; });
  $(".presenter-link").addEventListener("toggle", () => {
    showLink($("[data-testid=presenter-link]"), actions.presenterLink());
  });

  /** A link that breaks after its slashes, not inside the class code ("E7CN / PF"). */
  function showLink(link, address) {
    link.href = address;
    link.innerHTML = escapeHtml(address).replaceAll("/", "/<wbr>");
  }

  function fill(room, session) {
    const key = `${room?.code}|${session.id}|${room?.join_url}`;
    if (key === shown) return;
    shown = key;
    url = room ? room.join_url : `${location.origin}/?watch=${encodeURIComponent(session.id)}`;
    showLink($("[data-testid=share-link]"), url);
    const address = url.replace(/^https?:\/\//, "");
    $(".share-big-link").textContent = room ? address.replace(/\/join\/\w+$/, "/join") : address;
    const join = escapeHtml(address.replace(/\/join\/\w+$/, "/join"));   // the server's words
    $(".room-join").innerHTML = room ? t("room.join_at", { url: join }) : "";
    for (const el of $$(".room-code")) setCode(el, room?.code);
    for (const img of $$(".room-qr")) {
      img.hidden = !room;
      if (room) img.src = `/api/rooms/${encodeURIComponent(room.code)}/qr.svg`;
    }
    $(".room-card").hidden = !room;
    $("[data-testid=room-unreachable]").hidden = !room || room.reachable;
  }

  /** The code in two groups of three, read aloud and copied as one word (its text is the code). */
  function setCode(el, code) {
    if (el.textContent === (code || "")) return;
    el.replaceChildren(...(code ? [code.slice(0, 3), code.slice(3)] : []).map((part) => {
      const span = document.createElement("span");
      span.textContent = part;
      return span;
    }));
  }

  let shownKey = "";   // what update last showed: frames come 60 times a second, rooms rarely change
  function update(state) {
    const room = state.room;
    const watching = state.ui.readOnly;
    // A student the teacher handed dials to turns them: "read-only" would say otherwise.
    const hands = watching && state.hands?.seat != null && state.hands.open ? state.hands.dials.length : 0;
    const key = [watching, hands, state.session?.id, room?.code, room?.watching, room?.join_url, room?.reachable].join("|");
    if (key === shownKey) return;
    shownKey = key;
    $(".share-presenter").hidden = watching;
    $(".watching").hidden = !watching;
    $(".watching-text").textContent = !watching || !room ? t("share.watching")
      : hands ? tn("room.student_hands", hands, { code: spaced(room.code) }) : t("room.student", { code: spaced(room.code) });
    if (!state.session) return;
    fill(watching ? null : room, state.session);
    const badge = $(".room-badge");
    badge.hidden = watching || !room;
    if (!room || watching) return;
    const count = tn("room.watching", room.watching ?? 0);
    for (const el of $$(".room-watching")) el.textContent = count;
    if (!badge.firstChild) {
      badge.innerHTML = `<span class="room-code"></span> · <span class="room-count" data-testid="viewers"></span>`
        + `<span class="room-n" aria-hidden="true">${GLYPHS.viewers}<span></span></span>`;
    }
    setCode(badge.querySelector(".room-code"), room.code);
    badge.querySelector(".room-count").textContent = count;
    badge.querySelector(".room-n span").textContent = String(room.watching ?? 0);
    badge.setAttribute("aria-label", t("room.badge_label", { code: spaced(room.code), watching: count }));
    badge.title = badge.getAttribute("aria-label");
  }

  return { update };
}
