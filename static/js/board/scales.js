// Dial scales and arrow magnification, both sticky so that the picture does not
// jump: a scale grows as soon as a value leaves it and shrinks only when every value of the
// layer fits in well under half of it.

import { niceCeil, niceFloor } from "../lib/format.js";

export function createScales() {
  let ranges = new Float64Array(0);
  let gain = 1;

  function update(layout, values) {
    const L = layout.groups.length;
    if (ranges.length !== L) ranges = new Float64Array(L);
    const max = new Float32Array(L);
    for (let k = 0; k < layout.count; k++) {
      const a = Math.abs(values[k]);
      if (a > max[layout.layer[k]]) max[layout.layer[k]] = a;
    }
    for (let l = 0; l < L; l++) {
      const want = niceCeil(Math.max(0.1, max[l] * 1.05));
      if (!ranges[l] || want > ranges[l] || max[l] * 1.05 < ranges[l] * 0.3) ranges[l] = want;
    }
    return ranges;
  }

  /**
   * Arrow lengths: the next update of each dial with an arrow (`has`), times one shared 1-2-5
   * gain chosen so the largest reaches about half its dial's scale. → out, or null if none.
   */
  function arrows(layout, updates, has, out) {
    let top = 0, any = false;
    for (let k = 0; k < layout.count; k++) {
      if (!has[k]) continue;
      any = true;
      const f = Math.abs(updates[k]) / ranges[layout.layer[k]];
      if (f > top) top = f;
    }
    if (!any) return null;
    if (top > 0) {
      const shown = top * gain;
      if (shown < 0.12 || shown > 1.2) gain = Math.max(1, niceFloor(0.45 / top));
    }
    for (let k = 0; k < layout.count; k++) out[k] = has[k] ? updates[k] * gain : 0;
    return out;
  }

  function reset() { ranges = new Float64Array(0); gain = 1; }

  return { update, arrows, reset, get gain() { return gain; }, get ranges() { return ranges; } };
}
