// Time travel on the cost chart (the protocol's `travel`): the presenter drags along the chart,
// or uses ← → (Shift: 10 steps), Home and End on it, and the board goes to that step. Sends at
// most one travel every SEND_MS while the hand moves, and always the last place it stops.

import { t } from "./i18n.js";

const SEND_MS = 70;

/** The step under x (px from the chart's left edge) on a chart {x0, x1, last}, within range. */
export function stepAt(x, chart, first, last) {
  const f = (x - chart.x0) / Math.max(1, chart.x1 - chart.x0);
  return Math.max(first, Math.min(last, Math.round(f * chart.last)));
}

/**
 * canvas: the chart; chart(): its geometry as last drawn {x0, x1, last}; range(): the steps the
 * timeline can reach {first, last, step} (null: none); travel(step): send it.
 */
export function attachScrub(canvas, { chart, range, travel }) {
  let timer = 0, lastSent = -Infinity, want = null, sent = null;

  function go(step) {
    want = step;
    if (timer) return;
    const wait = Math.max(0, lastSent + SEND_MS - performance.now());
    timer = setTimeout(() => {
      timer = 0;
      lastSent = performance.now();
      if (want !== sent) { sent = want; travel(want); }
    }, wait);
  }

  function fromPointer(e) {
    const r = range();
    if (!r) return;
    go(stepAt(e.clientX - canvas.getBoundingClientRect().left, chart(), r.first, r.last));
  }

  canvas.addEventListener("pointerdown", (e) => {
    if (!range()) return;
    sent = null;   // the board may have moved since the last scrub
    canvas.setPointerCapture(e.pointerId);
    fromPointer(e);
  });
  canvas.addEventListener("pointermove", (e) => { if (canvas.hasPointerCapture(e.pointerId)) fromPointer(e); });
  canvas.addEventListener("keydown", (e) => {
    const r = range();
    const by = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
    if (!r || (!by && e.key !== "Home" && e.key !== "End")) return;
    e.preventDefault();
    e.stopPropagation();   // the page's own keys step the board; these travel
    sent = null;
    const from = want ?? r.step;
    const to = e.key === "Home" ? r.first : e.key === "End" ? r.last : from + by * (e.shiftKey ? 10 : 1);
    go(Math.max(r.first, Math.min(r.last, to)));
  });

  /** Keeps the slider's words in step with the board (its step and the reachable range). */
  function sync(r) {
    canvas.tabIndex = r ? 0 : -1;
    if (r) {
      canvas.setAttribute("role", "slider");
      canvas.setAttribute("aria-label", t("screen.scrub_label"));
      canvas.setAttribute("aria-valuemin", String(r.first));
      canvas.setAttribute("aria-valuemax", String(r.last));
      canvas.setAttribute("aria-valuenow", String(r.step));
      canvas.removeAttribute("aria-hidden");
    } else {
      canvas.removeAttribute("role");
      canvas.setAttribute("aria-hidden", "true");
    }
    if (!timer) want = null;
  }

  return { sync };
}
