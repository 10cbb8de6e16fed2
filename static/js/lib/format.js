// Number formatting shared by the views: short, stable widths, never "NaN" on screen.

export function fmt(value, digits = 4) {
  if (value === null || value === undefined || value === "") return "—";
  const v = Number(value);
  if (Number.isNaN(v)) return "—";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  let s;
  if (a >= 1e5 || a < 1e-4) s = scientific(v, digits);
  else if (a >= 1) s = v.toFixed(Math.max(0, digits - 1 - Math.floor(Math.log10(a))));
  else s = v.toFixed(Math.min(8, digits - 1 - Math.floor(Math.log10(a))));
  return s.replace("-", "−");
}

const SUPER = { "-": "⁻", "+": "", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** 4.22×10⁵ rather than 4.22e+5: readable from the back of a room. */
function scientific(v, digits) {
  const [mant, exp] = v.toExponential(Math.max(0, digits - 2)).split("e");
  return `${mant}×10${exp.split("").map((ch) => SUPER[ch]).join("")}`;
}

/** A count, from 10 000 its thousands set apart by a narrow space, in every language: the
 * decimals beside it have a point in every language, so German's "1.000" read as one. Four
 * digits stand whole ("1438"), as the counts said in words elsewhere (SI's way). */
export function fmtCount(n) {
  const v = Math.round(Number(n));
  return Math.abs(v) < 10000 ? String(v) : v.toLocaleString("en").replaceAll(",", "\u202f");
}

/** Digits of a step's numbers on a board of these layer sizes. A board small enough to
 * follow by hand (the worked example, XOR) is written as the textbook writes it, to four,
 * so a lesson card's 0.7514 is the panels' too; a larger board's lines stay short with
 * three. */
const HAND_SIZED_PARAMETERS = 50;
export function stepDigits(sizes) {
  const n = (sizes || []).slice(1).reduce((sum, out, l) => sum + (sizes[l] + 1) * out, 0);
  return n <= HAND_SIZED_PARAMETERS ? 4 : 3;
}

/** Signed with an explicit + so columns of gradients line up. */
export function fmtSigned(value, digits = 3) {
  const s = fmt(value, digits);
  return Number(value) > 0 ? `+${s}` : s;
}

export function fmtPercent(value) {
  if (value === null || value === undefined || value === "" || !Number.isFinite(Number(value))) {
    return "—";
  }
  return `${(Number(value) * 100).toFixed(1)}%`;
}

/** Wrap a formatted number in parentheses when negative, for products in formulas. */
export function paren(value, digits = 3) {
  const s = fmt(value, digits);
  return Number(value) < 0 ? `(${s})` : s;
}

/** 1-2-5 "nice" number ≥ x, used for dial scales and the arrow magnification. */
export function niceCeil(x) {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x * (1 - 1e-9)) return m * p;
  return 10 * p;
}

export function niceFloor(x) {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [5, 2, 1]) if (m * p <= x * (1 + 1e-9)) return m * p;
  return p;
}

/**
 * The screen while a dial turns: the cost with enough decimals that its change since the
 * turn began shows (at least 6 significant digits), and that change with the same decimals.
 * turnReading(2.35225, 2.35212) → {value: "2.35225", change: "+0.00013"}.
 */
export function turnReading(cost, base) {
  if (!Number.isFinite(cost)) return { value: fmt(cost), change: "" };
  const a = Math.abs(cost);
  const lead = a > 0 ? Math.floor(Math.log10(a)) : 0;
  let decimals = Math.max(0, 5 - lead);
  const d = Number.isFinite(base) ? cost - base : null;
  // Two significant digits of the change, so "+0.00013" never reads as "+0.0001".
  if (d) decimals = Math.max(decimals, 1 - Math.floor(Math.log10(Math.abs(d))));
  decimals = Math.min(decimals, 12);
  if (a >= 1e6) return { value: fmt(cost, 8), change: d === null ? "" : fmtSigned(d, 3) };
  const value = cost.toFixed(decimals).replace("-", "−");
  if (d === null) return { value, change: "" };
  const change = Math.abs(d) < 0.5 * 10 ** -decimals ? "±0" : d.toFixed(decimals).replace("-", "−");
  return { value, change: d > 0 && change !== "±0" ? `+${change}` : change };
}

/**
 * A dial scale (a 1-2-5 number) short enough to sit under a dial: 2000 → "2k", 5e6 → "5M",
 * 0.2 → "0.2"; tiny ones as powers of ten (2×10⁻⁵). The same numbers niceCeil makes.
 */
export function fmtScale(r) {
  const a = Math.abs(r);
  if (!Number.isFinite(a) || a === 0) return fmt(r);
  const short = (v) => String(Number(v.toPrecision(3)));
  if (a >= 1e9) return fmt(r, 2);
  if (a >= 1e6) return `${short(r / 1e6)}M`;
  if (a >= 1e3) return `${short(r / 1e3)}k`;
  if (a < 1e-3) return fmt(r, 2);
  return short(r);
}
