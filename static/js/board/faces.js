// The still parts of the board around the dials, drawn into an offscreen canvas and reused
// every frame until the layout, zoom, theme, scales, locks or highlighted layer change: group
// panels, titles and labels. The dial faces themselves are stamped from sprites.js.

import { t } from "../lib/i18n.js";

export const SWEEP = (3 * Math.PI) / 4;     // each side of 0: the scale spans 270°
export const R_FACE = 0.4;                 // dial radius in board units (cell = 1)

/** Needle angle (canvas radians, 0 at the top, clockwise) of value v on a ±range scale. */
export function angleOf(v, range) {
  const t = Math.max(-1, Math.min(1, v / range));
  return -Math.PI / 2 + t * SWEEP;
}

export function fmtRange(r) {
  return String(Number(r.toPrecision(3)));
}

/** Group panels, titles and labels, in the board transform. */
export function drawPanels(ctx, p) {
  const { layout, palette: c, active, pxPerUnit } = p;
  for (const g of layout.groups) {
    const on = active[g.layer];
    ctx.fillStyle = on ? c.active : c.panel;
    ctx.strokeStyle = on ? c.accent : c.line;
    ctx.lineWidth = (on ? 3 : 1.2) / pxPerUnit;
    roundRect(ctx, g.x - 0.3, g.y - 0.2, g.width + 0.6, g.height + 0.5, 0.35);
    ctx.fill();
    ctx.stroke();
    const scale = p.ranges[g.layer] ? `  ·  ${t("board.dial_scale", { r: fmtRange(p.ranges[g.layer]) })}` : "";
    const full = g.title + scale + (on ? `  ◀ ${t("board.now")}` : "");
    const short = g.short + (on ? " ◀" : "");
    const want = Math.min(20, pxPerUnit * 0.42), room = (g.width - 0.1) * pxPerUnit;
    let title = full, titlePx = fitText(ctx, full, want, room);
    if (titlePx < Math.min(12, want)) { title = short; titlePx = fitText(ctx, short, want, room); }
    if (titlePx >= 8) text(ctx, p, title, g.x, g.y + 0.42, titlePx, on ? c.ink : c.muted, "left", 650);
    drawLabels(ctx, g, p);
  }
}

function drawLabels(ctx, g, p) {
  const { palette: c, pxPerUnit } = p;
  const px = Math.min(16, pxPerUnit * 0.3);
  // A tile's header is a whole row high, so its label is readable long before the grid's.
  const tilePx = Math.min(18, pxPerUnit * 0.62);
  const scale = p.ranges[g.layer] ? `   ${t("board.dial_scale", { r: fmtRange(p.ranges[g.layer]) })}` : "";
  for (const lab of g.labels) {
    const tile = lab.role === "tile";
    if ((tile ? tilePx : px) < 8) continue;
    const align = lab.role === "row" ? "right" : tile ? "left" : "center";
    const s = tile && pxPerUnit > 14 ? lab.text + scale : lab.text;
    text(ctx, p, s, g.x + lab.x, g.y + lab.y, tile ? tilePx : px, tile ? c.ink : c.muted, align, tile ? 650 : 500);
  }
}

/** Largest font size ≤ px at which s fits in width CSS px. */
function fitText(ctx, s, px, width) {
  ctx.font = `600 ${px}px system-ui, sans-serif`;
  const w = ctx.measureText(s).width;
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
  ctx.save();
  ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
  ctx.font = `${weight} ${px}px system-ui, "Segoe UI", Roboto, sans-serif`;
  ctx.fillStyle = colour;
  ctx.textAlign = align;
  ctx.textBaseline = "middle";
  ctx.fillText(s, p.ox + x * p.pxPerUnit, p.oy + y * p.pxPerUnit);
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
