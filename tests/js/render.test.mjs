import { test } from "node:test";
import assert from "node:assert/strict";
import { createRenderer, SIDE_HZ } from "../../static/js/render.js";

// A page's clock: animation frames and timers run only when the test says so.
function fakePage() {
  let now = 0, frames = [], timers = [];
  globalThis.requestAnimationFrame = (fn) => frames.push(fn);
  globalThis.setTimeout = (fn, ms) => { const t = { fn, at: now + ms }; timers.push(t); return t; };
  globalThis.clearTimeout = (t) => { timers = timers.filter((x) => x !== t); };
  return {
    /** Advance to `t` ms, firing due timers, then run one animation frame if one was asked for. */
    frame(t) {
      now = t;
      for (const x of timers.filter((x) => x.at <= now)) { timers = timers.filter((y) => y !== x); x.fn(); }
      const due = frames; frames = [];
      for (const fn of due) fn(now);
    },
    get pending() { return frames.length + timers.length; },
  };
}

function view() {
  const v = { seen: [], update: (s) => v.seen.push(s.frame.version) };
  return v;
}

test("while playing: live views get every frame, side panels at most SIDE_HZ and the newest", () => {
  const page = fakePage();
  const store = { frame: { version: 0, playing: true } };
  const board = view(), side = view();
  const render = createRenderer([board, side], [board], store);
  const gap = 1000 / 60;
  for (let k = 1; k <= 30; k++) {   // half a second of 60 frames a second
    store.frame = { version: k, playing: true };
    render();
    page.frame(k * gap);
  }
  assert.deepEqual(board.seen, Array.from({ length: 30 }, (_, i) => i + 1));
  assert.ok(side.seen.length <= Math.ceil(0.5 * SIDE_HZ) + 1, `side drew ${side.seen.length} times`);
  assert.ok(side.seen.length >= Math.floor(0.5 * SIDE_HZ) - 1, `side drew ${side.seen.length} times`);
  // The last state reaches the side panel once its turn comes, with no new frame needed.
  while (page.pending) page.frame(30 * gap + 1000 / SIDE_HZ);
  assert.equal(side.seen.at(-1), 30);
});

test("still: every view gets every state at once", () => {
  const page = fakePage();
  const store = { frame: { version: 0, playing: false } };
  const board = view(), side = view();
  const render = createRenderer([board, side], [board], store);
  for (let k = 1; k <= 5; k++) {
    store.frame = { version: k, playing: false };
    render();
    page.frame(k);   // a millisecond apart: no time limit applies
  }
  assert.deepEqual(side.seen, [1, 2, 3, 4, 5]);
  assert.deepEqual(board.seen, [1, 2, 3, 4, 5]);
});

test("a pause reaches the side panels in the same frame", () => {
  const page = fakePage();
  const store = { frame: { version: 1, playing: true } };
  const board = view(), side = view();
  const render = createRenderer([board, side], [board], store);
  render(); page.frame(1000);
  store.frame = { version: 2, playing: true };
  render(); page.frame(1001);
  store.frame = { version: 3, playing: false };
  render(); page.frame(1002);
  assert.deepEqual(side.seen, [1, 3]);
});
