// Wires the page: reads the address (?preset, ?projector, ?watch, ?room, a presenter link's
// #session&token), makes or resumes a session and its class room, connects, and hands every new
// state to every view once per frame.

import { createConnection } from "./connection.js";
import { createRenderer } from "./render.js";
import { createTurns } from "./turns.js";
import { createModel } from "./model.js";
import { attachKeys, releaseAfterChange } from "./keys.js";
import { createBoard } from "./views/board.js";
import { createScreen } from "./views/screen.js";
import { createTransport } from "./views/transport.js";
import { createPhasePanel } from "./views/phase.js";
import { createSlice, defaultDial } from "./views/slice.js";
import { createNudges } from "./views/nudges.js";
import { createNetwork } from "./views/network.js";
import { createBoundary } from "./views/boundary.js";
import { createSetup } from "./views/setup.js";
import { createShare } from "./views/share.js";
import { createStatus } from "./views/status.js";
import { createHelp } from "./views/help.js";
import { createBoardFile } from "./views/boardfile.js";
import { createLesson } from "./views/lesson.js";
import { createRace } from "./views/race.js";
import { api, sessionLink } from "./session.js";
import { roomFor, seatId } from "./classroom.js";
import { createHands } from "./views/hands.js";
import { createHandout } from "./views/handout.js";
import { createLanguageMenu } from "./views/language.js";
import { createMidi } from "./midi.js";
import { said, t } from "./lib/i18n.js";
import { collectPoint, loadPoints } from "./lib/points.js";

const query = new URLSearchParams(location.search);
const watchId = query.get("watch");
const roomCode = query.get("room");   // a student who joined a class: follow its room
const store = {
  session: null, frame: null, settings: {}, points: null, divergence: null,
  hands: null,  // the server's `hands`: a student's own dials, or the presenter's count
  race: null,   // the server's `race`, while the board has one (its panel shows it)
  presetId: query.get("preset") || (watchId || roomCode ? null : "xor"),
  room: null,   // the class room: {code, join_url, reachable, watching}, for presenter and student
  meta: null,   // GET /api/meta: the server's option lists, formulas and phase words
  // turn: a dial this presenter is turning (turns.js); null when still.
  ui: { selected: null, readOnly: Boolean(watchId || roomCode), turn: null },
  connection: { state: "connecting", text: t("status.connecting") },
};
let conn = null;
let controlToken = null;   // this page's control token of the board shown, if it has one
let watching = null;   // how many follow this board: the server says it to presenters (`audience`)
let model = null;
let frames = 0;   // frames received, for the benchmark

const $ = (id) => document.getElementById(id);
const actions = {
  set: (name, index, value) => { turns.set(name, index); conn?.send({ type: "set", name, index, value }); },
  turnStart: (name, index) => turns.start(name, index),
  // A student's turn of a dial the teacher handed them (the server checks it is theirs).
  turnMine: (name, index, value) => { turns.set(name, index, true); conn?.send({ type: "set", name, index, value }); },
  turnEnd: () => turns.end(),
  lock: (name, index, locked) => conn?.send({ type: "lock", name, index, locked }),
  select: (sel) => { store.ui.selected = sel; render(); tellSelected(sel); },
  step: () => stepOrPause({ type: "step" }),
  phase: () => stepOrPause({ type: "phase" }),
  undo: () => command({ type: "undo" }),
  reset: () => command({ type: "reset" }),
  travel: (step) => command({ type: "travel", step }),   // the board at an earlier step
  play: (rate) => command({ type: "play", steps_per_second: rate }),
  togglePlay: (rate = transport.rate()) => command(store.frame?.playing ? { type: "pause" } : { type: "play", steps_per_second: rate }),
  configure: (changes) => { Object.assign(store.settings, changes); command({ type: "configure", ...changes }); },
  example: (index) => command({ type: "example", index }),
  create: (config) => createSession(config, null),
  openPreset: (id) => createSession({ preset: id }, id),
  toggleProjector: () => setProjector(!document.body.classList.contains("projector")),
  toggleTheme: () => setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark"),
  help: () => help.toggle(),
  zoomFit: () => board.view.fit(),
  zoomIn: () => board.view.zoomIn(),
  zoomOut: () => board.view.zoomOut(),
  zoomToSelected: () => board.view.zoomToSelected(),
  toast: (text, kind) => status.toast(text, kind),
  controlToken: () => controlToken,
  // Lessons (views/lesson.js): a step sends its setup as plain messages; the clicker's
  // PageDown/PageUp page through an open lesson instead of stepping the board.
  command: (msg) => command(msg),
  state: () => store,
  clickerNext: () => (lesson.isOpen() && !store.ui.readOnly ? lesson.next() : actions.step()),
  clickerBack: () => (lesson.isOpen() && !store.ui.readOnly ? lesson.back() : actions.undo()),
  presenterLink: () => (store.session && controlToken ? sessionLink.presenterLink(store.session.id, controlToken) : ""),
};

// The screen answers this page's turn of a dial (turns.js).
const turns = createTurns(store, $("board"), render);
const status = createStatus($("status"));
const board = createBoard($("board"), actions);
const transport = createTransport($("transport"), actions);
const setup = createSetup($("setup"), actions);
const help = createHelp($("help"));
const slice = createSlice($("slice"));
const nudges = createNudges($("nudges"), actions);
const screen = createScreen($("screen"), actions);
const hands = createHands($("hands"), actions);
const views = [status, board, screen, transport, createPhasePanel($("phase")), slice, nudges,
  createNetwork($("network"), actions), createBoundary($("boundary")), setup, createShare($("share"), actions), help];
views.push(createBoardFile($("boardfile"), actions));
views.push(createMidi($("midi"), actions));   // a MIDI controller's knobs and pads
const lesson = createLesson($("lessons"), actions);
views.push(lesson, hands, createHandout($("handout"), actions));
// The learner race: its own section right below the transport (views/race.js).
const race = createRace($("transport").insertAdjacentElement("afterend", document.createElement("div")), actions);
views.push(race);
// What is read at a glance gets every frame while training plays; the side panels follow.
const renderer = createRenderer(views, [status, board, screen, transport, hands], store);

/** Next (a clicker's PageDown) while the board plays means "stop here", not an error. */
function stepOrPause(msg) {
  if (store.ui.readOnly) return;
  if (store.frame?.playing) {
    command({ type: "pause" });
    status.toast(t("status.paused_for_step"), "notice");
    return;
  }
  command(msg);
}

function command(msg) {
  if (store.ui.readOnly) return;
  conn?.send(msg);
}

function render() { renderer(); }

function setProjector(on) {
  document.body.classList.toggle("projector", on);
  const url = new URL(location.href);
  if (on) url.searchParams.set("projector", "1"); else url.searchParams.delete("projector");
  history.replaceState(null, "", url);
  render();
}

function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem("dialboard-theme", theme);
  render();
}

async function createSession(config, presetId) {
  const res = await api.createSession(config, store.session?.id ?? null);
  if (res.error && !conn) {   // no board to fall back on: say so where the board would be
    store.connection = { state: "gone", text: t("status.no_board", { why: res.error }),
      retry: () => createSession(config, presetId) };
    render();
    return res.error;
  }
  if (res.error) { status.toast(res.error); return res.error; }
  store.presetId = presetId;
  sessionLink.remember(res.id, res.control_token, presetId);
  store.settings = { ...res.config };
  connect(res.id, res.control_token);
  return null;
}

function connect(id, token) {
  conn?.close();
  controlToken = token;
  watching = null;
  model = createModel();
  store.frame = null;
  store.points = null;
  store.ui.selected = null;
  store.ui.turn = null;
  store.hands = null;
  store.race = null;
  conn = createConnection({ sessionId: id, token, seat: token ? null : seatId(), onHello, onFrame, onMessage, onStatus });
  if (token) followWithRoom(id, token);
}

/** The class follows the presenter's board: the room opens on it, or moves to it. */
async function followWithRoom(id, token) {
  const room = await roomFor(id, token);
  if (conn?.sessionId !== id) return;   // a newer board meanwhile: its own call decides
  if (room.error) { status.toast(room.error); return; }
  // The socket's `audience` messages are newer than any REST answer: they win.
  store.room = { ...room, watching: watching ?? room.watching };
  render();
}

function onHello(msg) {
  model.hello(msg);
  store.session = model.session;
  store.settings = { ...msg.config, ...store.settings };
  loadPoints(store, msg.dataset, render);
  render();
}

function onFrame(decoded) {
  const frame = model.frame(decoded);
  if (!frame) return;
  frames += 1;
  if (store.divergence && frame.version !== store.divergence.version) store.divergence = null;
  store.frame = frame;
  collectPoint(store, frame);
  tellSelected(store.ui.selected);
  // A board opens on a dial that matters (the side panels explain it), not a blank corner pixel.
  if (!store.ui.selected) {
    const dial = defaultDial(store.session, frame);
    if (dial) { actions.select(dial); return; }
  }
  render();
}

/** The presenter's dial goes to the class, whose panels then explain the same one. */
let toldSelected = "";
function tellSelected(sel) {
  const key = sel ? `${conn?.sessionId}|${sel.name}|${sel.index}` : "";
  if (!sel || store.ui.readOnly || key === toldSelected) return;
  toldSelected = key;
  conn?.send({ type: "select", name: sel.name, index: sel.index });
}

function onMessage(msg) {
  if (msg.type === "error" && msg.reason === "diverged") {
    // Shown until the next frame, whose `diverged` metadata then says it (undo clears it).
    store.divergence = { message: said(msg), version: store.frame?.version };
    render();
  }
  if (msg.type === "audience") {
    watching = msg.watching;
    if (store.room) { store.room.watching = watching; render(); }
    return;
  }
  if (msg.type === "lesson") { lesson.follow(msg.id, msg.step); return; }
  if (msg.type === "select") { store.ui.selected = { name: msg.name, index: msg.index }; render(); return; }
  if (msg.type === "race") { store.race = msg.race; race.follow(msg.race); render(); return; }
  if (msg.type === "hands") { store.hands = msg; render(); return; }
  if (msg.type === "moved") {   // the teacher switched boards: the class follows
    if (store.room) store.room.session = msg.session;
    connect(msg.session, null);
    status.toast(t("room.followed"), "notice");
    return;
  }
  if (msg.type === "error") status.toast(said(msg) || t("status.refused"));
  else if (msg.type === "control" && !msg.granted) {
    store.ui.readOnly = true;
    document.body.classList.add("is-watching");
    status.toast(t("status.lost_control"), "notice");
    render();
  }
}

const STATUS_TEXT = {
  open: (s) => (s.reconnected ? t("status.reconnected") : ""),
  reconnecting: (s) => t("status.reconnecting", { s: Math.round(s.delay / 100) / 10 }),
  gone: () => t("status.gone"),
  "not-sent": (s) => t("status.not_sent", { type: s.type }),
  "bad-frame": (s) => t("status.bad_frame", { message: s.message }),
};

function onStatus(s) {
  const text = STATUS_TEXT[s.state]?.(s) ?? "";
  if (s.state === "not-sent" || s.state === "bad-frame") { status.toast(text); return; }
  store.connection = { state: s.state, text };
  if (s.state === "open" && s.reconnected) toldSelected = "";   // a restarted server kept none: told again at the next frame
  if (s.state === "open" && s.reconnected) setTimeout(() => { store.connection = { state: "open", text: "" }; render(); }, 2500);
  render();
}

async function start() {
  setTheme(localStorage.getItem("dialboard-theme") ||
    (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  if (query.get("projector") === "1") document.body.classList.add("projector");
  document.body.classList.toggle("is-watching", store.ui.readOnly);
  $("projector-btn").addEventListener("click", actions.toggleProjector);
  $("theme-btn").addEventListener("click", actions.toggleTheme);
  $("help-btn").addEventListener("click", actions.help);
  createLanguageMenu($("lang-menu"));
  attachKeys(actions);
  releaseAfterChange(document.body);
  window.dialboard = {
    dialRect: (name, index) => board.dialRect(name, index),
    state: () => store,
    stats: () => ({ frames }),
    view: board.view,
    slice: () => slice.drawn(),
    nudges: () => nudges.drawn(),
  };
  api.presets().then((p) => setup.setPresets(p, store.presetId)).catch(() => {});
  api.datasets().then((d) => setup.setDatasets(d)).catch(() => {});
  api.meta().then((m) => { store.meta = m; render(); })
    .catch(() => status.toast(t("status.no_meta")));
  if (watchId) { connect(watchId, null); return; }
  if (roomCode) { await joinRoom(roomCode); return; }
  if (query.get("lesson") && (await lesson.open(query.get("lesson")))) return;   // it opens its board
  const saved = sessionLink.resume(store.presetId, query.has("preset"));
  if (saved && (await api.exists(saved.id))) { store.presetId = saved.preset; connect(saved.id, saved.token); return; }
  await createSession(query.has("preset") ? { preset: store.presetId } : { preset: "xor" }, store.presetId);
}

/** A student's page: the room's board, watching. */
async function joinRoom(code) {
  const room = await api.room(code);
  if (room.error) {
    store.connection = { state: "gone", text: room.status === 404 ? t("room.unknown", { code }) : room.error };
    render();
    return;
  }
  store.room = room;
  connect(room.session, null);
}

start();
