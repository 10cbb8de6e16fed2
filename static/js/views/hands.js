// A student's own dials: what the teacher handed this seat (the server's `hands` message),
// drawn large, turned by touch, mouse or keys. Each dial shows its value on its layer's scale
// and, once the server has worked out the next update, backprop's arrow (`{name}.update`),
// beside the screen's cost, so a phone alone plays the game: turn, watch the cost, see how
// backprop would have turned it. The needle follows the finger while it is down; the number
// under it is always the board's own value.

import { fmt, niceCeil, niceFloor, stepDigits } from "../lib/format.js";
import { dialLabel } from "../lib/names.js";
import { angleOf, SWEEP } from "../board/faces.js";
import { nextTurn } from "../board/arrows.js";
import { t, tn } from "../lib/i18n.js";

const FIT = 1.05;       // as the board: the largest value fills at most 1/1.05 of the scale
const KEY_STEPS = 50;   // an arrow key turns a dial by 1/50 of its scale
// An arrow shorter than this share of the scale is magnified to about ARROW of it.
const MIN_ARROW = 0.08, ARROW = 0.3;

/** Index of (name, index) in its parameter's flat (row-major) array. */
function flatIndex(shape, index) {
  return index.length === 2 ? index[0] * shape[1] + index[1] : index[0];
}

/** Value of a needle angle (radians from the top, clockwise) on a ±range scale. */
export function valueAt(angle, range) {
  return Math.max(-1, Math.min(1, angle / SWEEP)) * range;
}

/** Pointer position → needle angle from the top, clockwise, in (−π, π]. */
function angleFrom(el, e) {
  const r = el.getBoundingClientRect();
  return Math.atan2(e.clientX - (r.left + r.width / 2), (r.top + r.height / 2) - e.clientY);
}

export function createHands(root, actions) {
  root.innerHTML = `
    <div class="hands-head">
      <h2>${t("hands.title")}</h2>
      <p class="hands-cost" data-testid="hands-cost"></p>
    </div>
    <p class="hands-note" role="status"></p>
    <div class="hands-dials" data-testid="hands-dials"></div>`;
  const list = root.querySelector(".hands-dials"), note = root.querySelector(".hands-note");
  const cost = root.querySelector(".hands-cost");
  let dials = [];   // {name, index, el, range, held: value while the pointer is down}
  let shownKey = "";

  function build(state) {
    const s = state.session;
    list.replaceChildren();
    list.classList.toggle("is-many", state.hands.dials.length > 4);
    dials = state.hands.dials.map((d) => {
      const el = document.createElement("div");
      el.className = "hand-dial";
      el.innerHTML = `
        <svg viewBox="-50 -50 100 100" role="slider" tabindex="0" data-testid="hand-dial"
             data-name="${d.name}" data-index="${d.index.join(",")}">
          <circle class="hand-face" r="44"></circle>
          <path class="hand-arc"></path>
          <path class="hand-arrow"></path>
          <line class="hand-needle" x1="0" y1="0" x2="0" y2="-38"></line>
          <circle class="hand-hub" r="5"></circle>
        </svg>
        <p class="hand-label">${dialLabel(d.name, d.index, s.sizes, s.dataset?.class_names || [])}</p>
        <p class="hand-value" data-testid="hand-value"></p>
        <p class="hand-next" data-testid="hand-next"></p>`;
      list.append(el);
      const dial = { ...d, el, range: 0, held: null };
      attach(dial, el.querySelector("svg"));
      return dial;
    });
  }

  function attach(dial, svg) {
    const turn = (value) => {
      dial.held = value;
      actions.turnMine(dial.name, dial.index, value);
      paintDial(dial, last);
    };
    svg.addEventListener("pointerdown", (e) => {
      if (!last?.hands?.open) return;
      svg.setPointerCapture(e.pointerId);
      turn(valueAt(angleFrom(svg, e), dial.range));
      e.preventDefault();
    });
    svg.addEventListener("pointermove", (e) => {
      if (svg.hasPointerCapture(e.pointerId)) turn(valueAt(angleFrom(svg, e), dial.range));
    });
    const release = () => { dial.held = null; actions.turnEnd(); paintDial(dial, last); };
    svg.addEventListener("pointerup", release);
    svg.addEventListener("pointercancel", release);
    svg.addEventListener("keydown", (e) => {
      const sign = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1 }[e.key];
      if (!sign || !last?.hands?.open) return;
      e.preventDefault();
      e.stopPropagation();   // the page's own keys step the board; these turn this dial
      const now = valueOf(dial, last.frame) ?? 0;
      actions.turnMine(dial.name, dial.index, Math.max(-dial.range, Math.min(dial.range, now + sign * dial.range / KEY_STEPS)));
    });
  }

  let last = null;
  function update(state) {
    last = state;
    const h = state.hands, f = state.frame;
    root.hidden = !state.ui.readOnly || !h || !h.seat || !h.dials.length || !state.session;
    if (root.hidden) { shownKey = ""; return; }
    const key = `${state.session.id}|${h.seat}|${JSON.stringify(h.dials)}`;
    if (key !== shownKey) { shownKey = key; build(state); }
    cost.textContent = f ? t("hands.cost", { cost: fmt(f.cost, 4) }) : "";
    note.textContent = h.open ? tn("hands.yours", h.dials.length, { seat: h.seat }) : t("hands.frozen");
    root.classList.toggle("is-frozen", !h.open);
    for (const dial of dials) paintDial(dial, state);
  }

  function valueOf(dial, frame) {
    const arr = frame?.params?.[dial.name];
    const p = last.session.parameters.find((q) => q.name === dial.name);
    return arr && p ? arr[flatIndex(p.shape, dial.index)] : null;
  }

  /** The dial's scale: its layer's, as on the board, held still while the finger is down. */
  function scaleOf(dial, frame) {
    if (dial.held !== null && dial.range) return dial.range;
    const layer = dial.name.replace(/\.(weight|bias)$/, "");
    let top = 0;
    for (const kind of ["weight", "bias"]) {
      for (const v of frame.params[`${layer}.${kind}`] || []) top = Math.max(top, Math.abs(v));
    }
    const want = niceCeil(Math.max(0.1, top * FIT));
    if (!dial.range || want > dial.range || want < dial.range / 2) dial.range = want;
    return dial.range;
  }

  function paintDial(dial, state) {
    const f = state?.frame;
    if (!f) return;
    const value = valueOf(dial, f);
    const range = scaleOf(dial, f);
    const shown = dial.held ?? value ?? 0;
    const svg = dial.el.querySelector("svg");
    svg.querySelector(".hand-needle").setAttribute("transform", `rotate(${(angleOf(shown, range) + Math.PI / 2) * 180 / Math.PI})`);
    svg.querySelector(".hand-arc").setAttribute("d", arc(-SWEEP, SWEEP, 44));
    svg.setAttribute("aria-valuemin", String(-range));
    svg.setAttribute("aria-valuemax", String(range));
    svg.setAttribute("aria-valuenow", String(value ?? 0));
    svg.setAttribute("aria-label", dial.el.querySelector(".hand-label").textContent);
    dial.el.querySelector(".hand-value").textContent = `${fmt(value, 4)}  (±${fmt(range, 2)})`;
    paintArrow(dial, f, value, range);
  }

  function paintArrow(dial, f, value, range) {
    const p = last.session.parameters.find((q) => q.name === dial.name);
    const k = flatIndex(p.shape, dial.index);
    const update = f.updates?.[dial.name]?.[k];
    const locked = Boolean(f.locked?.[dial.name]?.[k]);
    const has = update !== undefined && update !== null && !locked;
    const info = { has, update, locked, layer: p.layer, digits: stepDigits(last.session.sizes) };
    const said = nextTurn(f, info, last.session.dataset?.n_train);
    dial.el.querySelector(".hand-next").textContent = `${said.label}: ${said.text}`;
    const path = dial.el.querySelector(".hand-arrow");
    if (!has || !update || value === null) { path.setAttribute("d", ""); return; }
    // Drawn like the board's arrows: a small update magnified by a 1-2-5 gain, said in words.
    const frac = Math.abs(update) / range;
    const gain = frac < MIN_ARROW ? Math.max(1, niceFloor(ARROW / frac)) : 1;
    if (gain > 1) dial.el.querySelector(".hand-next").textContent += ` ${t("hands.magnified", { gain })}`;
    const a0 = angleOf(value, range) + Math.PI / 2, a1 = angleOf(value + update * gain, range) + Math.PI / 2;
    path.setAttribute("d", arc(a0, a1, 34, true));
    path.classList.toggle("is-up", update > 0);
  }

  return { update, get count() { return dials.length; } };
}

/** An SVG arc on radius r between angles (from the top, clockwise); `head`: an arrowhead. */
function arc(from, to, r, head = false) {
  const pt = (a, rr = r) => `${(rr * Math.sin(a)).toFixed(2)} ${(-rr * Math.cos(a)).toFixed(2)}`;
  const large = Math.abs(to - from) > Math.PI ? 1 : 0, sweep = to > from ? 1 : 0;
  let d = `M ${pt(from)} A ${r} ${r} 0 ${large} ${sweep} ${pt(to)}`;
  if (head && Math.abs(to - from) > 1e-6) {
    const back = to - Math.sign(to - from) * 0.18;
    d += ` M ${pt(back, r - 5)} L ${pt(to)} L ${pt(back, r + 5)}`;
  }
  return d;
}
