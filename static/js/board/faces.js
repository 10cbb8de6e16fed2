// The still parts of the board around the dials, drawn into an offscreen canvas and reused
// every frame until the layout, zoom, theme, scales, arrow gains, locks or highlighted layer
// change: group panels, titles and labels. The dial faces themselves are stamped from sprites.js.

import { t } from "../lib/i18n.js";
import { fmtScale } from "../lib/format.js";
import { firstThatFits } from "./labels.js";
import { gainText } from "./arrows.js";

export const SWEEP = (3 * Math.PI) / 4;     // each side of 0: the scale spans 270°
export const R_FACE = 0.4;                 // dial radius in board units (cell = 1)

/** Needle angle (canvas radians, 0 at the top, clockwise) of value v on a ±range scale. */
export function angleOf(v, range) {
  const t = Math.max(-1, Math.min(1, v / range));
  return -Math.PI / 2 + t * SWEEP;
}

/**
 * Group panels, titles and labels, in the board transform; each title and label drawn goes
 * into `words` ({text, px, role, x, y}: CSS px on the stage, at the text's left, centre or
 * right by its role, and its middle). Returns the titles that must go
 * over the dial faces (those on a band: above a panel, or stuck to the stage's top) for
 * drawLate over the dial faces and their moving marks.
 */
export function drawPanels(ctx, p, words = []) {
  const late = [];
  const { layout, palette: c, active, pxPerUnit } = p;
  for (const g of layout.groups) {
    const on = active[g.layer];
    ctx.fillStyle = on ? c.active : c.panel;
    ctx.strokeStyle = on ? c.accent : c.line;
    ctx.lineWidth = (on ? 3 : 1.2) / pxPerUnit;
    roundRect(ctx, g.x - 0.3, g.y - 0.2, g.width + 0.6, g.height + 0.5, 0.35);
    ctx.fill();
    ctx.stroke();
    drawTitle(ctx, g, p, on, late, words);
    drawLabels(ctx, g, p, words);
  }
  return late;
}

/** The banded titles, over whatever was drawn since drawPanels. */
export function drawLate(ctx, p, late) {
  for (const d of late) {
    band(ctx, p, d.x - 4, d.y - d.px * 0.75, measure(ctx, d.title, d.px, 650) + 8, d.px * 1.5, d.bg);
    textAt(ctx, p, d.title, d.x, d.y, d.px, d.ink, "left", 650);
  }
}

const TITLE_MIN_PX = 9;   // below this a title is not read from the back of a room
const LABEL_FROM_PX = 8;  // a label's size at the zoom it appears from

/** A title's size in CSS px at a zoom, at least `least` (the page's, --board-title-px),
 * before it is shrunk to fit its panel's width. */
function titlePx(pxPerUnit, least) { return Math.max(least, Math.min(20, pxPerUnit * 0.42)); }

/** How far down the stage (CSS px) a title stuck to its top edge reaches, band included. */
export function stuckTitleDepth(pxPerUnit, least) {
  const px = titlePx(pxPerUnit, least);
  return px * 0.8 + 2 + px * 0.75 + 2;   // drawTitle's y, half the band, a gap
}

/**
 * A group's title, always with its dial scale and, where the layer has arrows magnified, their
 * gain: the full title, else "Layer 1 · dials ±2 · ↻ ×20", else "Layer 1 · ±2 ↻×20", else
 * "dials ±2 · ↻ ×20", else "±2 ↻×20", else "±2", the first that fits the panel's width at a
 * readable size. When the panel's top has scrolled off the stage, the title sticks to the
 * stage's top edge (on a panel-coloured band), so a zoomed-in view still says what a full turn
 * of its dials means.
 */
function drawTitle(ctx, g, p, on, late, words) {
  const { palette: c, pxPerUnit: u } = p;
  const r = p.ranges[g.layer], gain = gainText([p.gains?.[g.layer] ?? 0]);
  const arrows = gain ? `  ·  ↻ ${gain}` : "";
  const scale = r ? t("board.dial_scale", { r: fmtScale(r) }) : "";
  const now = on ? `  ◀ ${t("board.now")}` : "";
  const mark = on ? " ◀" : "", tight = `±${fmtScale(r)}${gain ? ` ↻${gain}` : ""}`;
  const candidates = scale
    ? [`${g.title}  ·  ${scale}${arrows}${now}`, `${g.short}  ·  ${scale}${arrows}${mark}`,
      ...(gain ? [`${g.short}  ·  ${tight}${mark}`] : []), scale + arrows, tight, `±${fmtScale(r)}`]
    : [g.title + now, g.short + mark];
  // Titles grow with the zoom but stay readable however far out it is: a shorter title
  // rather than one under the page's least size (p.titlePx: larger on a projector).
  const least = p.titlePx, want = titlePx(u, least), room = Math.max((g.width - 0.1) * u, 0);
  let title = candidates[candidates.length - 1], px = TITLE_MIN_PX;
  for (const s of candidates) {
    const fit = fitText(ctx, s, want, room);
    if (fit >= least || (fit >= TITLE_MIN_PX && s === candidates[candidates.length - 1])) { title = s; px = fit; break; }
  }
  const stageW = ctx.canvas.width / p.dpr, stageH = ctx.canvas.height / p.dpr;
  const left = p.ox + g.x * u, top = p.oy + (g.y - 0.2) * u, bottom = p.oy + (g.y + g.height) * u;
  // A panel whose left edge is off the stage (zoomed to a neuron) has its title at the
  // stage's left edge, as far as the panel reaches.
  const x = Math.max(left, Math.min(6, p.ox + (g.x + g.width) * u - measure(ctx, title, px, 650) - 4));
  let y = p.oy + (g.y + 0.42) * u, banded = false;
  // Too little height inside the panel: above its top edge instead, clear of the first row.
  if (px > 0.8 * u) { y = top - px * 0.7; banded = true; }
  if (y - px * 0.7 < 0 && bottom > 2 * px && top < stageH) {
    y = Math.min(px * 0.8 + 2, bottom - px);
    banded = true;
  }
  words.push({ text: title, px, role: "title", x, y });
  if (x >= stageW) return;
  const d = { title, x, y, px, ink: on ? c.ink : c.muted, bg: on ? c.active : c.panel };
  if (banded) late.push(d); else textAt(ctx, p, title, x, y, px, d.ink, "left", 650);
}

function measure(ctx, s, px, weight) {
  ctx.font = `${weight} ${px}px ${FAMILY}`;
  return ctx.measureText(s).width;
}

function band(ctx, p, x, y, w, h, colour) {
  ctx.save();
  ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
  ctx.globalAlpha = 0.92;
  ctx.fillStyle = colour;
  ctx.fillRect(x, y, w, h);
  ctx.restore();
}

/**
 * A group's row, column and tile labels, from the zoom that makes them LABEL_FROM_PX, each
 * at its natural size for the zoom or, if that is smaller, the page's least (p.labelPx:
 * --board-label-px, larger on a projector), and only where that fits the label's room: a row's or column's shortened to the neuron's number
 * if need be, a tile's with its dials' scale where that fits too.
 */
function drawLabels(ctx, g, p, drawn) {
  const { palette: c, pxPerUnit: u } = p;
  const scale = p.ranges[g.layer] ? `   ${t("board.dial_scale", { r: fmtScale(p.ranges[g.layer]) })}` : "";
  for (const lab of g.labels) {
    const tile = lab.role === "tile", weight = tile ? 650 : 500;
    // A tile's header is a whole row high, so its label is readable long before the grid's.
    // Labels show from the zoom they always did (LABEL_FROM_PX), at the page's least size.
    const natural = tile ? Math.min(18, u * 0.62) : Math.min(16, u * 0.3);
    const px = Math.max(p.labelPx, natural);
    if (natural < LABEL_FROM_PX || px > lab.room.height * u) continue;
    const s = firstThatFits([tile && u > 14 ? lab.text + scale : null, lab.text, lab.short],
      (s) => measure(ctx, s, px, weight), lab.room.width * u);
    if (!s) continue;
    const align = lab.role === "row" ? "right" : tile ? "left" : "center";
    // A tile's label stays above its tile's first row (`above`): larger than the header, it
    // rises into the gap over the header.
    const y = tile ? Math.min(lab.y, lab.above - (px / 2 + 1) / u) : lab.y;
    text(ctx, p, s, g.x + lab.x, g.y + y, px, tile ? c.ink : c.muted, align, weight);
    drawn.push({ text: s, px, role: lab.role, x: p.ox + (g.x + lab.x) * u, y: p.oy + (g.y + y) * u });
  }
}

const FAMILY = `system-ui, "Segoe UI", Roboto, sans-serif`;

/** Largest font size ≤ px at which s, in the titles' weight, fits in width CSS px. */
function fitText(ctx, s, px, width) {
  const w = measure(ctx, s, px, 650);
  return w > width ? px * (width / w) : px;
}

/** A padlock glyph centred at (x, y), body width s. */
export function padlock(ctx, x, y, s) {
  ctx.save();
  ctx.lineWidth = s * 0.22;
  ctx.beginPath();
  ctx.arc(x, y - s * 0.35, s * 0.32, Math.PI, 0);
  ctx.stroke();
  ctx.fillRect(x - s * 0.5, y - s * 0.35, s, s * 0.75);
  ctx.restore();
}

/** Text at board point (x, y), `px` CSS pixels high: drawn untransformed so it stays crisp. */
export function text(ctx, p, s, x, y, px, colour, align, weight = 400) {
  textAt(ctx, p, s, p.ox + x * p.pxPerUnit, p.oy + y * p.pxPerUnit, px, colour, align, weight);
}

/** Text at stage point (x, y) in CSS px. */
function textAt(ctx, p, s, x, y, px, colour, align, weight) {
  ctx.save();
  ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
  ctx.font = `${weight} ${px}px ${FAMILY}`;
  ctx.fillStyle = colour;
  ctx.textAlign = align;
  ctx.textBaseline = "middle";
  ctx.fillText(s, x, y);
  ctx.restore();
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}
