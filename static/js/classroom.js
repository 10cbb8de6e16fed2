// The class room from the page's side: a presenter's room goes wherever its boards go (opened
// on the first board, moved to each next one, so students follow); a student's page finds the
// room's board. The server owns rooms (docs/protocol.md, "Rooms"); this only calls it.

import { api, sessionLink } from "./session.js";

/** Presenter: this tab's room, on board `id` (opening one, or moving it here). → the room, or
 * {error}. */
export async function roomFor(id, token) {
  const saved = sessionLink.room();
  if (saved) {
    const found = await api.room(saved.code);
    if (!found.error && found.session === id) return { ...found, token: saved.token };
    if (!found.error) {
      const moved = await api.moveRoom(saved.code, saved.token, id, token);
      if (!moved.error) return { ...moved, token: saved.token };
    }
    // Gone (a server without storage restarted) or taken over by another tab: a room of its own.
  }
  const opened = await api.openRoom(id, token);
  if (opened.error) return opened;
  sessionLink.rememberRoom(opened.code, opened.token);
  return opened;
}

/** A class code as people read it: two groups of three. */
export function spaced(code) {
  return code ? `${code.slice(0, 3)} ${code.slice(3)}` : "";
}

/** This tab's seat: a random id kept for the tab's life (sessionStorage), sent by a student's
 * socket so the dials the teacher handed it survive a reconnect and a board switch. It names
 * nobody: the server shows only seat numbers. */
export function seatId() {
  const key = "dialboard-seat";
  let seat = null;
  try { seat = sessionStorage.getItem(key); } catch { /* storage blocked: a seat per page */ }
  if (!seat || !/^[A-Za-z0-9_-]{16,64}$/.test(seat)) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    seat = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
    try { sessionStorage.setItem(key, seat); } catch { /* as above */ }
  }
  return seat;
}
