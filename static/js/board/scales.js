// Dial scales and arrow magnifications, per layer and sticky so that the picture does not jump.
// A layer's scale is the 1-2-5 number over its largest |value| × 1.05. It grows as soon as a
// value leaves it, except in the layer of a dial being dragged (`hold`): a drag stops at the
// dial's end (interact.js), and letting go there grows the scale one step (`widen`). It comes
// back down only when the board has settled (no drag, no turn, not playing), to the number a
// fresh board would choose: a value must leave the scale to grow it but come 5% inside the
// smaller one to shrink it, and a step, undo or reset that settles is never mid-gesture, so
// a value near a boundary does not flicker between two scales.
//
// A change of scale is animated: the scale drawn (`shown`) glides from the old number to the
// new one over SCALE_STEPS paints, geometrically, and every needle and the ±R label are drawn on the scale
// of that moment, so each frame still reads true (value = needle's share × the label's R).

import { niceCeil, niceFloor } from "../lib/format.js";

const FIT = 1.05;   // the largest value fills at most 1/1.05 of a scale chosen for it
export const SCALE_STEPS = 27;   // paints a change of scale glides over: 0.45 s at 60 Hz

/** Ease in and out: 0 → 0, 1 → 1, gentle at both ends. */
function ease(x) {
  return x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x);
}

export function createScales() {
  let ranges = new Float64Array(0);
  let shown = new Float64Array(0), from = new Float64Array(0), to = new Float64Array(0);
  let done = new Float64Array(0);   // paints into each layer's glide
  let gain = new Float64Array(0);    // each layer's arrow gain, kept while it still fits
  let gains = new Float64Array(0);   // this frame's: gain where the layer has arrows, else 0

  /** values: every dial; hold: the layer to leave as it is (−1: none); settled: may shrink. */
  function update(layout, values, { hold = -1, settled = true } = {}) {
    const L = layout.groups.length;
    if (ranges.length !== L) {
      ranges = new Float64Array(L);
      [shown, from, to, done] = [1, 2, 3, 4].map(() => new Float64Array(L));
    }
    const max = new Float32Array(L);
    for (let k = 0; k < layout.count; k++) {
      const a = Math.abs(values[k]);
      if (a > max[layout.layer[k]]) max[layout.layer[k]] = a;
    }
    for (let l = 0; l < L; l++) {
      const want = niceCeil(Math.max(0.1, max[l] * FIT));
      if (ranges[l] && l === hold) continue;
      if (!ranges[l] || max[l] > ranges[l] || (settled && want < ranges[l])) ranges[l] = want;
    }
    return ranges;
  }

  /** A drag let go at the end stop: the next 1-2-5 scale, so the next drag reaches further. */
  function widen(layer) {
    if (ranges[layer]) ranges[layer] = niceCeil(ranges[layer] * FIT);
  }

  /**
   * Arrow lengths: the next update of each dial with an arrow (`has`), times its layer's 1-2-5
   * gain, chosen so that layer's largest arrow reaches about half its dial's scale: a shared
   * gain left the first layer's arrows a pixel long in its own backward phase (blame shrinks
   * as it flows back). → out, or null if none. `gains`: each layer's, 0 where no arrow shows.
   */
  function arrows(layout, updates, has, out) {
    const L = layout.groups.length;
    if (gain.length !== L) gain = new Float64Array(L).fill(1);
    if (gains.length !== L) gains = new Float64Array(L);
    const top = new Float64Array(L);
    let any = false;
    gains.fill(0);
    for (let k = 0; k < layout.count; k++) {
      if (!has[k]) continue;
      any = true;
      const l = layout.layer[k], f = Math.abs(updates[k]) / ranges[l];
      if (f > top[l]) top[l] = f;
    }
    if (!any) return null;
    for (let l = 0; l < L; l++) {
      // A layer whose updates are all 0 (trial and error tries one dial) shows no arrow, so
      // it has no gain to say; it keeps the one it had for when its arrows come back.
      if (!top[l]) continue;
      const shown = top[l] * gain[l];
      if (shown < 0.12 || shown > 1.2) gain[l] = Math.max(1, niceFloor(0.45 / top[l]));
      gains[l] = gain[l];
    }
    for (let k = 0; k < layout.count; k++) out[k] = has[k] ? updates[k] * gain[layout.layer[k]] : 0;
    return out;
  }

  /**
   * The scales to draw in this paint → {shown, moving}. A layer whose scale changed glides to
   * it over `steps` paints (0: at once, for reduced motion; about SCALE_STEPS / 60 s at 60 Hz):
   * counted in paints, not in time, so even a slow machine shows the way from one to the other.
   * A layer's first scale is shown at once. `advance`: false for a second paint in the same
   * animation frame, which shows the same scales.
   */
  function tick(steps = SCALE_STEPS, advance = true) {
    let moving = false;
    for (let l = 0; l < ranges.length; l++) {
      const want = ranges[l];
      if (!shown[l] || steps <= 0) { shown[l] = to[l] = want; continue; }
      if (want !== to[l]) { from[l] = shown[l]; to[l] = want; done[l] = 0; }   // glide on from here
      if (shown[l] === to[l]) continue;
      if (advance) done[l] += 1;
      const e = ease(done[l] / steps);
      shown[l] = e >= 1 ? to[l] : from[l] * (to[l] / from[l]) ** e;
      moving ||= e < 1;
    }
    return { shown, moving };
  }

  function reset() {
    [ranges, shown, gain, gains] = [0, 1, 2, 3].map(() => new Float64Array(0));
  }

  return { update, widen, arrows, reset, tick, get gains() { return gains; }, get ranges() { return ranges; },
    get shown() { return shown; } };
}
