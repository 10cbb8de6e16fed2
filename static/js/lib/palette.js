// Canvas colours come from the CSS custom properties, so the themes live in one place.

const KEYS = ["bg", "panel", "ink", "muted", "line", "pos", "neg", "pos-soft", "neg-soft",
  "arrow", "accent", "active", "face", "lock", "screen-bg", "screen-ink", "screen-muted", "screen-grid"];

/** What the page's look depends on (theme, projector mode): the palette changes only with it. */
export function styleKey() {
  return `${document.documentElement.dataset.theme}|${document.body.className}`;
}

export function readPalette(el = document.body) {
  const style = getComputedStyle(el);
  const out = {};
  for (const key of KEYS) out[key.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = style.getPropertyValue(`--${key}`).trim();
  return out;
}

/** "#rrggbb" → [r, g, b] (0–255), for writing pixels into ImageData. */
export function rgb(hex) {
  const h = hex.replace("#", "");
  const full = h.length === 3 ? h.split("").map((c) => c + c).join("") : h;
  const n = parseInt(full, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Mix two "#rrggbb" colours: t = 0 → a, t = 1 → b. */
export function mix(a, b, t) {
  const [r1, g1, b1] = rgb(a), [r2, g2, b2] = rgb(b);
  const c = (x, y) => Math.round(x + (y - x) * t);
  return `rgb(${c(r1, r2)}, ${c(g1, g2)}, ${c(b1, b2)})`;
}

const ramps = new Map();

/** 256 steps from colour `from` to `to` as ABGR words, for a Uint32Array view of ImageData. */
export function ramp(from, to) {
  const key = `${from}>${to}`;
  if (ramps.has(key)) return ramps.get(key);
  const [r1, g1, b1] = rgb(from), [r2, g2, b2] = rgb(to);
  const table = new Uint32Array(256);
  for (let t = 0; t < 256; t++) {
    const f = t / 255;
    const ch = (u, v) => Math.round(u + (v - u) * f);
    table[t] = ((255 << 24) | (ch(b1, b2) << 16) | (ch(g1, g2) << 8) | ch(r1, r2)) >>> 0;
  }
  ramps.set(key, table);
  return table;
}
