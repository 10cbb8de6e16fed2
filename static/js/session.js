// REST calls, and where a presenter's board and class room live between reloads: this tab's
// sessionStorage, never the address bar (a copied address must not hand over control). A
// presenter link (#session=ID&token=T) is made only when the teacher asks for one; opening it
// moves the token into the tab's storage and clears it from the address bar.

import { lang, said, t } from "./lib/i18n.js";

async function json(res) {
  try { return await res.json(); } catch { return {}; }
}

export const api = {
  /** A new board; `near`: the board on display, so the new one runs beside it, in the same
   * worker process: a teacher's boards stay together (docs/workers.md). */
  async createSession(config, near = null) {
    try {
      const url = near ? `/api/sessions?near=${encodeURIComponent(near)}` : "/api/sessions";
      const res = await fetch(url, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(config),
      });
      const body = await json(res);
      if (!res.ok) return { error: detail(body) || t("error.board_refused", { status: res.status }) };
      return body;
    } catch {
      return { error: t("error.unreachable") };
    }
  },
  async presets() { return (await fetch(`/api/presets?lang=${encodeURIComponent(lang())}`)).json(); },
  async datasets() { return (await fetch(`/api/datasets?lang=${encodeURIComponent(lang())}`)).json(); },
  /** The server's vocabulary (option lists, formulas, phase words) in the page's language,
   * fetched once per page. */
  async meta() { return (await fetch(`/api/meta?lang=${encodeURIComponent(lang())}`)).json(); },
  /** Class rooms (docs/protocol.md, "Rooms"): each → the server's answer, or {error, status}. */
  openRoom(session, token) {
    return call("POST", "/api/rooms", { session }, token);
  },
  room(code) { return call("GET", `/api/rooms/${encodeURIComponent(code)}`); },
  moveRoom(code, roomToken, session, sessionToken) {
    return call("PUT", `/api/rooms/${encodeURIComponent(code)}`,
      { session, session_token: sessionToken }, roomToken);
  },
  async exists(id) {
    try { return (await fetch(`/api/sessions/${encodeURIComponent(id)}`)).ok; } catch { return false; }
  },
  /** GET …/slice: the cost along one dial ({lo, hi} optional) → the answer, or {error: words}. */
  slice(id, name, index, range = {}) {
    return probe(id, "slice", { name, index: index.join(","), ...range });
  },
  /** GET …/nudges: every training example's ∂Cₓ/∂w on one dial → the answer, or {error: words}. */
  nudges(id, name, index) {
    return probe(id, "nudges", { name, index: index.join(",") });
  },
  /** {inputs, targets, test: {inputs, targets}} when the server offers the points. */
  async datasetPoints(url) {
    try {
      const res = await fetch(url);
      if (!res.ok) return null;
      const body = await res.json();
      if (!body.train) return body;
      return { ...body.train, test: body.test || { inputs: [], targets: [] } };
    } catch { return null; }
  },
};

async function call(method, url, body, token) {
  const headers = {};
  if (body) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const answer = await json(res);
    if (!res.ok) return { error: detail(answer) || t("error.no_answer", { status: res.status }), status: res.status };
    return answer;
  } catch {
    return { error: t("error.unreachable"), status: 0 };
  }
}

async function probe(id, what, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) query.set(k, String(v));
  try {
    const res = await fetch(`/api/sessions/${encodeURIComponent(id)}/${what}?${query}`);
    const body = await json(res);
    if (!res.ok) return { error: detail(body) || t("error.no_answer", { status: res.status }), status: res.status };
    // A diverged board has no cost to probe: the answer carries the server's sentence instead.
    if (body.diverged) return { error: t("error.probe_diverged", { why: said({ words: body.diverged_words, detail: body.diverged }) }) };
    return body;
  } catch {
    return { error: t("error.unreachable") };
  }
}

/**
 * Asks the server about what is on display without ever queueing behind it: one request in
 * flight, at most one started per `minGap` ms, and only the newest wish waits. A wish is
 * {subject, key, …}: `subject` says what is asked about (session and dial), `key` which state
 * of it (with the frame's version). An answer is handed to `deliver(answer, wish)` only while
 * its subject is still the one wished for; an answer about another dial is dropped.
 */
export function latestOnly(run, deliver, { minGap = 250, now = () => Date.now(), later = setTimeout } = {}) {
  let waiting = null, current = null, asked = null, busy = false, startedAt = -Infinity, timer = null;

  function want(wish) {
    current = wish;
    if (asked && wish.key === asked.key) { waiting = null; return; }
    waiting = wish;
    pump();
  }

  function pump() {
    if (busy || timer !== null || !waiting) return;
    const wait = startedAt + minGap - now();
    if (wait > 0) { timer = later(() => { timer = null; pump(); }, wait); return; }
    const wish = waiting;
    waiting = null;
    asked = wish;
    busy = true;
    startedAt = now();
    Promise.resolve().then(() => run(wish)).catch((e) => ({ error: String(e?.message || e) })).then((answer) => {
      busy = false;
      if (current && wish.subject === current.subject) deliver(answer, wish);
      pump();
    });
  }

  /** Ask nothing more until the next wish (the board diverged: nothing to ask about). */
  function cancel() { waiting = null; current = null; asked = null; }

  /** Forget the last request, so the same wish is asked again (after a reconnect, say). */
  function again() { asked = null; if (current) want(current); }

  return { want, again, cancel, get busy() { return busy; } };
}

function detail(body) {
  if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  return said(body);
}

function stored(key) {
  try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch { return null; }
}

export const sessionLink = {
  remember(id, token, preset) {
    const url = new URL(location.href);
    url.hash = "";
    if (preset) url.searchParams.set("preset", preset); else url.searchParams.delete("preset");
    history.replaceState(null, "", url);
    sessionStorage.setItem("dialboard-session", JSON.stringify({ id, token, preset }));
  },
  /** The session to resume: a presenter link's (then cleared from the address bar), else this
   * tab's last one if it was the same preset. */
  resume(preset, presetAsked) {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("session") && hash.get("token")) {
      const link = { id: hash.get("session"), token: hash.get("token"), preset };
      this.remember(link.id, link.token, preset);
      return link;
    }
    const saved = stored("dialboard-session");
    return saved && (!presetAsked || saved.preset === preset) ? saved : null;
  },
  /** The link that hands a board's controls to whoever opens it: only shown when asked for. */
  presenterLink(id, token) {
    const url = new URL("/", location.origin);
    url.hash = new URLSearchParams({ session: id, token }).toString();
    return url.href;
  },
  /** This tab's class room: {code, token}, kept across reloads and board switches. */
  room() { return stored("dialboard-room"); },
  rememberRoom(code, token) { sessionStorage.setItem("dialboard-room", JSON.stringify({ code, token })); },
  forgetRoom() { sessionStorage.removeItem("dialboard-room"); },
};
