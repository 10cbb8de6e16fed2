// The race's data on the page (docs/protocol.md, server message `race`): the series each
// lane has so far, the sentence naming the leader and the margin, and the chart's scales.
// Pure functions: the view draws, these decide (tests/js/race.test.mjs).

/** Points of each lane after a `race` message: a lane's series only grows, and a message
 * carries its points from index `from` on (all of them for a page that just joined). */
export function followRace(series, race) {
  if (!race) return {};
  const out = {};
  for (const lane of race.lanes) {
    const had = series[lane.learner] || [];
    out[lane.learner] = had.slice(0, lane.from).concat(lane.points);
  }
  return out;
}

/** "Gradient descent reached 0.050 after 1,200 forward passes; trial and error is at 0.21
 * after 2,000. Gradient descent was already below 0.21 after 40 forward passes."
 * `title(learner)` names a learner, `t` is the strings table, `count` formats passes. */
export function raceSentence(race, title, t, count, cost) {
  const rows = race?.standings || [];
  if (!rows.length) return "";
  const [lead, ...rest] = rows;
  const said = (row, key) => (row.diverged
    ? t("race.diverged", { learner: title(row.learner), passes: count(row.passes) })
    : t(key, { learner: title(row.learner), cost: cost(row.cost), passes: count(row.passes) }));
  const parts = [said(lead, "race.lead"), ...rest.map((row) => said(row, "race.behind"))];
  let text = upper(t("race.sentence", { parts: parts.join(t("race.separator")) }));
  const m = race.margin;
  if (m && !lead.diverged && rest.length && m.passes < lead.passes) {
    text += " " + upper(t("race.margin", { leader: title(lead.learner), cost: cost(m.cost), passes: count(m.passes) }));
  }
  return text;
}

/** Forward passes said as a reader counts them: whole from 100 on (479.62 of 1,000 read as
 * noise, and beside a lane's whole 533 as a different kind of number), a tenth from 10, a
 * hundredth below (a mini-batch step is a fraction of a pass). `format`: a whole count's
 * (format.js's fmtCount); a fraction takes a point, as every cost beside it does (German
 * read "0.015 nach 62,3"). */
export function passesText(n, format) {
  const places = n >= 100 ? 0 : n >= 10 ? 1 : 2;
  const v = Math.round(n * 10 ** places) / 10 ** places;
  return Number.isInteger(v) ? format(v) : String(v);
}

/** A sentence starts with a capital, whichever name comes first. */
function upper(s) {
  return s.charAt(0).toLocaleUpperCase() + s.slice(1);
}

const CLEAR = 0.04;   // of the cost axis's span, above and below the lanes

/** Where the chart's axes run: x is forward passes (log, from the first point above 0) or
 * wall seconds (linear); y is the cost (log when every cost is above 0). */
export function raceScales(series, axis) {
  const xs = [], ys = [];
  const col = axis === "seconds" ? 2 : 0;
  for (const points of Object.values(series)) {
    for (const p of points) {
      if (p[1] !== null) ys.push(p[1]);
      if (axis === "seconds" || p[0] > 0) xs.push(p[col]);
    }
  }
  if (!xs.length || !ys.length) return null;
  const logX = axis !== "seconds";
  const logY = Math.min(...ys) > 0;
  const range = (values, log, fromZero) => {
    let lo = fromZero ? 0 : Math.min(...values), hi = Math.max(...values);
    if (log) { lo = Math.log10(lo); hi = Math.log10(hi); }
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    return [lo, hi];
  };
  // The highest and lowest costs a little inside the frame: on it, a flat lane (trial and
  // error barely moving) was hidden under the border.
  const [y0, y1] = range(ys, logY, false), clear = (y1 - y0) * CLEAR;
  return { col, logX, logY, x: range(xs, logX, !logX), y: [y0 - clear, y1 + clear] };
}

/** A point of a lane at (x, y) in [0, 1]² of the plot, or null (log of 0). */
export function place(scales, p) {
  const xv = p[scales.col], yv = p[1];
  if (yv === null || (scales.logX && !(xv > 0)) || (scales.logY && !(yv > 0))) return null;
  const fx = scales.logX ? Math.log10(xv) : xv;
  const fy = scales.logY ? Math.log10(yv) : yv;
  const [x0, x1] = scales.x, [y0, y1] = scales.y;
  return [(fx - x0) / (x1 - x0), (fy - y0) / (y1 - y0)];
}
