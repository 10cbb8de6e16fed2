// Pure geometry for text and cards that must not run into each other: the first wording that
// fits a room, box overlap, and where the dial tip goes so it never covers the dial it is
// about. No DOM here, so Node tests it (tests/js/labels.test.mjs).

/** The first of `candidates` whose measured width fits `room` (px); null when none does. */
export function firstThatFits(candidates, measure, room) {
  for (const s of candidates) if (s && measure(s) <= room) return s;
  return null;
}

/** Do boxes {x, y, width, height} overlap (closer than `gap` px)? */
export function overlaps(a, b, gap = 0) {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap &&
    a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

const MARGIN = 4;   // from the stage's edge
const GAP = 12;     // from the dial and what else it avoids
const CLEAR = 2;    // the least room a card leaves beside what it must not cover

/**
 * Top-left corner for a card of `size` {width, height} beside `box` (the dial, stage px) in a
 * stage {width, height}: on the stage, never over the box nor the `avoid` boxes (a finger or
 * pointer on a drag), and as near the dial as that allows: right of it first, then left,
 * below, above, or slid past what it avoids. null when the stage has no such spot (a dial
 * zoomed as large as a phone's stage): the card then stays away rather than cover its dial.
 * `watched` (the dials around one being turned): of the spots, one over the fewest of them,
 * each counted by its `weight` (1 if none).
 */
export function placeTip(box, size, stage, avoid = [], watched = []) {
  const clampX = (x) => Math.max(MARGIN, Math.min(stage.width - size.width - MARGIN, x));
  const clampY = (y) => Math.max(MARGIN, Math.min(stage.height - size.height - MARGIN, y));
  const around = [box, ...avoid];
  // With dials the room watches, the stage's edges too: the card may go far to leave them be.
  const edges = watched.length ? [0, Infinity] : [];
  const xs = [box.x + box.width + GAP, box.x - GAP - size.width, box.x + box.width / 2 - size.width / 2,
    ...around.flatMap((a) => [a.x + a.width + GAP, a.x - GAP - size.width]), ...edges];
  const ys = [box.y, box.y + box.height + GAP, box.y - GAP - size.height,
    ...around.flatMap((a) => [a.y + a.height + GAP, a.y - GAP - size.height]), ...edges];
  let best = null, bestScore = [Infinity, Infinity];
  for (const x0 of xs) {
    for (const y0 of ys) {
      const s = { x: clampX(x0), y: clampY(y0), ...size };
      // CLEAR px at least: the card is put on whole pixels, the stage may sit on a fraction.
      if (around.some((a) => overlaps(s, a, CLEAR))) continue;
      const covers = watched.reduce((n, w) => n + (overlaps(s, w, CLEAR) ? w.weight ?? 1 : 0), 0);
      const d = Math.max(0, s.x - box.x - box.width, box.x - s.x - s.width) + Math.max(0, s.y - box.y - box.height, box.y - s.y - s.height);
      if (covers < bestScore[0] || (covers === bestScore[0] && d < bestScore[1] - 0.5)) {
        best = { x: s.x, y: s.y }; bestScore = [covers, d];
      }
    }
  }
  return best;
}

/** The box (stage px) a drag's pointer covers, a finger's larger; [] without a drag. */
export function pointerBox(at, stageRect) {
  if (!at) return [];
  const half = at.touch ? 30 : 14;
  return [{ x: at.x - stageRect.left - half, y: at.y - stageRect.top - half, width: 2 * half, height: 2 * half }];
}

const WATCHED_MAX = 200;   // dials on the stage a turned dial's card weighs where it goes

/**
 * The dials a turned dial k's card keeps off (stage px), for placeTip's `watched`: the ring of
 * its neighbours above all (the card covered them on the projector), then the other dials on
 * the stage, where they are few enough to count. fit: {ppu, ox, oy}; size: the stage {w, h};
 * r: a dial's radius in board units (a cell is 1).
 */
export function watchedAround(layout, fit, size, k, r) {
  const at = (j, half) => ({ x: fit.ox + layout.x[j] * fit.ppu - half, y: fit.oy + layout.y[j] * fit.ppu - half, width: 2 * half, height: 2 * half });
  const ring = { ...at(k, (1 + r) * fit.ppu), weight: WATCHED_MAX + 1 };
  const boxes = [];
  const half = r * fit.ppu;
  // Every dial of the board is looked at each time the card moves: a box only for those on it.
  for (let j = 0; j < layout.count && boxes.length <= WATCHED_MAX; j++) {
    const x = fit.ox + layout.x[j] * fit.ppu, y = fit.oy + layout.y[j] * fit.ppu;
    if (j !== k && x + half > 0 && y + half > 0 && x - half < size.w && y - half < size.h) boxes.push(at(j, half));
  }
  return boxes.length <= WATCHED_MAX ? [ring, ...boxes] : [ring];
}
