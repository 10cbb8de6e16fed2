// The dial board: every weight and bias as a dial on one canvas, grouped by layer.
// Drawing is the painter's; where dials sit is the layout's; this view keeps them in step
// with the state, owns zoom/pan and the local value of a dial being dragged, and turns
// gestures into actions (set, lock, select).

import { layoutBoard, fitScale } from "../board/layout.js";
import { createPainter } from "../board/painter.js";
import { createScales } from "../board/scales.js";
import { createAccess } from "../board/access.js";
import { attachPointer } from "../board/interact.js";
import { R_FACE } from "../board/faces.js";
import { readPalette } from "../lib/palette.js";
import { parsePhase } from "../lib/names.js";
import { createTip } from "../board/tip.js";

const PAD = 18;

export function createBoard(root, actions) {
  root.innerHTML = `
    <div class="board-legend" aria-hidden="true"></div>
    <div class="board-stage">
      <canvas class="board-canvas"></canvas>
      <div class="board-access" aria-label="Dials"></div>
      <div class="board-tip" hidden></div>
      <input class="board-edit" type="number" step="any" hidden aria-label="Exact value">
    </div>`;
  const stage = root.querySelector(".board-stage");
  const canvas = root.querySelector(".board-canvas");
  const legend = root.querySelector(".board-legend");
  const editor = root.querySelector(".board-edit");
  const painter = createPainter(canvas);
  const scales = createScales();
  const tip = createTip(root.querySelector(".board-tip"));
  const b = {
    state: null, sessionKey: "", layout: null, values: null, grads: null, arrows: null,
    locked: null, view: { zoom: 1, panX: 0, panY: 0 }, fit: null, hover: -1, selected: -1,
    override: null, palette: null, themeKey: "", size: { w: 0, h: 0, dpr: 1 }, editing: -1,
  };
  const access = createAccess(root.querySelector(".board-access"), {
    focus: (k) => select(k),
    nudge: (k, n) => turn(k, b.values[k] + (n * rangeOf(k)) / 100),
    edit: (k) => openEditor(k),
    toggleLock: (k) => toggleLock(k),
  });
  const pointer = attachPointer(canvas, {
    hit, select, valueOf: (k) => b.values[k], rangeOf, readOnly: () => isReadOnly(),
    set: (k, v) => turn(k, v), toggleLock, edit: openEditor,
    dragStart: (k) => { b.override = { k, value: b.values[k], until: Infinity }; },
    dragEnd: () => { if (b.override) b.override.until = performance.now() + 700; },
    hover: (k) => { b.hover = k; showTip(k); paint(); },
    pan: (dx, dy) => { b.view.panX += dx; b.view.panY += dy; fitView(); paint(); },
    zoom: zoomAt,
  });
  new ResizeObserver(() => { resize(); if (b.state) update(b.state); }).observe(stage);

  function isReadOnly() { return !b.state || b.state.ui.readOnly; }
  function rangeOf(k) { return scales.ranges[b.layout.layer[k]] || 1; }

  function hit(clientX, clientY) {
    if (!b.layout) return -1;
    const r = canvas.getBoundingClientRect();
    return b.layout.hit((clientX - r.left - b.fit.ox) / b.fit.ppu, (clientY - r.top - b.fit.oy) / b.fit.ppu);
  }

  function select(k) {
    if (k < 0 || !b.layout) return;
    const { name, index } = b.layout.paramOf(k);
    if (b.selected !== k) actions.select({ name, index });
    b.selected = k;
    access.focus(k);
    showTip(k);
  }

  function turn(k, value) {
    if (isReadOnly() || !Number.isFinite(value)) return;
    const { name, index } = b.layout.paramOf(k);
    const until = b.override && b.override.k === k ? b.override.until : performance.now() + 700;
    b.override = { k, value, until };
    b.values[k] = value;
    actions.set(name, index, value);
    showTip(k);
    paint();
  }

  function toggleLock(k) {
    if (isReadOnly()) return;
    const { name, index } = b.layout.paramOf(k);
    actions.lock(name, index, !b.locked[k]);
  }

  function openEditor(k) {
    if (isReadOnly()) return;
    const r = dialBox(k);
    b.editing = k;
    editor.hidden = false;
    editor.value = String(Number(b.values[k].toPrecision(6)));
    editor.style.transform = `translate(${r.x + r.width / 2 - 60}px, ${r.y + r.height / 2 - 20}px)`;
    editor.focus();
    editor.select();
  }

  editor.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Enter") {
      const v = Number(editor.value);
      if (editor.value.trim() !== "" && Number.isFinite(v)) turn(b.editing, v);
      closeEditor();
    } else if (e.key === "Escape") closeEditor();
  });
  editor.addEventListener("blur", () => closeEditor());

  function closeEditor() {
    if (b.editing < 0) return;
    const k = b.editing;
    b.editing = -1;
    editor.hidden = true;
    access.focus(k);
  }

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = stage.clientWidth, h = stage.clientHeight;
    if (w === b.size.w && h === b.size.h && dpr === b.size.dpr) return;
    b.size = { w, h, dpr };
    canvas.width = Math.max(1, Math.round(w * dpr));
    canvas.height = Math.max(1, Math.round(h * dpr));
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    b.sessionKey = "";   // re-choose row or column arrangement for the new shape
  }

  function rebuild(state) {
    const s = state.session;
    b.layout = layoutBoard({
      parameters: s.parameters, sizes: s.sizes, inputShape: s.dataset?.input_shape,
      classNames: s.dataset?.class_names || [], box: { width: b.size.w - 2 * PAD, height: b.size.h - 2 * PAD },
    });
    const n = b.layout.count;
    b.values = new Float32Array(n);
    b.grads = new Float32Array(n);
    b.arrows = new Float32Array(n);
    b.locked = new Uint8Array(n);
    if (b.sessionId !== s.id) { scales.reset(); b.view = { zoom: 1, panX: 0, panY: 0 }; b.sessionId = s.id; }
    root.dataset.dialCount = String(n);
    access.build({ layout: b.layout, sizes: s.sizes, classNames: s.dataset?.class_names || [], readOnly: state.ui.readOnly });
    fitView();
  }

  function fitView() {
    const L = b.layout;
    // One extra unit each way leaves room for the group panels' margins.
    const base = fitScale({ width: L.width + 1, height: L.height + 1 }, { width: b.size.w - 2 * PAD, height: b.size.h - 2 * PAD });
    const ppu = base * b.view.zoom;
    b.fit = {
      ppu,
      ox: (b.size.w - L.width * ppu) / 2 + b.view.panX,
      oy: (b.size.h - L.height * ppu) / 2 + b.view.panY,
    };
  }

  function zoomAt(factor, clientX, clientY) {
    if (!b.layout) return;
    const r = canvas.getBoundingClientRect();
    const z = Math.max(1, Math.min(40, b.view.zoom * factor));
    const f = z / b.view.zoom;
    const px = clientX - r.left, py = clientY - r.top;
    b.view.zoom = z;
    b.view.panX = (b.view.panX - (px - b.size.w / 2)) * f + (px - b.size.w / 2);
    b.view.panY = (b.view.panY - (py - b.size.h / 2)) * f + (py - b.size.h / 2);
    if (z === 1) b.view.panX = b.view.panY = 0;
    fitView();
    paint();
  }

  function gather(state) {
    const { params, grads, locked } = state.frame;
    for (const t of b.layout.tensors) {
      if (params[t.name]) b.values.set(params[t.name], t.offset);
      if (grads[t.name]) b.grads.set(grads[t.name], t.offset);
      if (locked[t.name]) b.locked.set(locked[t.name], t.offset);
      else b.locked.fill(0, t.offset, t.offset + t.count);
    }
    const o = b.override;
    if (o && (pointer.dragging || performance.now() < o.until)) b.values[o.k] = o.value;
    else b.override = null;
  }

  function activeLayers(state) {
    const L = b.layout.groups.length;
    const { kind, layer } = parsePhase(state.frame.phase);
    const on = new Array(L).fill(false);
    if (layer !== null && layer < L) on[layer] = true;
    if (kind === "update" || kind === "nudge" || kind === "keep") on.fill(true);
    return on;
  }

  function update(state) {
    b.state = state;
    if (!state.session || !state.frame || b.size.w < 10) return;
    const key = `${state.session.id}|${state.session.parameters.length}|${state.ui.readOnly}`;
    if (key !== b.sessionKey) { rebuild(state); b.sessionKey = key; }
    gather(state);
    scales.update(b.layout, b.values);
    b.arrowsOn = scales.arrows(b.layout, b.grads, b.locked, state.frame.learningRate, b.arrows);
    b.active = activeLayers(state);
    const sel = state.ui.selected;
    b.selected = sel ? b.layout.indexOf(sel.name, sel.index) : -1;
    const theme = `${document.documentElement.dataset.theme}|${document.body.className}`;
    if (theme !== b.themeKey) { b.palette = readPalette(); b.themeKey = theme; }
    paint();
    renderLegend(state);
    if (tip.shown >= 0) showTip(tip.shown);
  }

  function paint() {
    if (!b.layout || !b.palette) return;
    const t0 = performance.now();
    const ranges = scales.ranges;
    painter.paint({
      layout: b.layout, values: b.values, arrows: b.arrowsOn, locked: b.locked, ranges,
      pxPerUnit: b.fit.ppu, ox: b.fit.ox, oy: b.fit.oy, dpr: b.size.dpr, palette: b.palette,
      selected: b.selected, hover: b.hover, active: b.active,
      facesKey: [b.sessionKey, b.fit.ppu, b.fit.ox, b.fit.oy, b.themeKey, Array.from(ranges).join(","),
        lockKey(), b.active.join(",")].join("|"),
    });
    performance.measure("board-render", { start: t0, end: performance.now() });
    if (performance.getEntriesByName("board-render").length > 5000) performance.clearMeasures("board-render");
    access.sync(b.values, ranges, b.locked, dialBox);
  }

  function lockKey() {
    let h = 0;
    for (let k = 0; k < b.locked.length; k++) if (b.locked[k]) h = (h * 31 + k + 1) | 0;
    return h;
  }

  function renderLegend(state) {
    const learner = state.frame.learner || "gradient_descent";
    const who = learner === "gradient_descent" ? "the next step" : "gradient descent’s next step";
    const gain = scales.gain;
    legend.innerHTML = `
      <span class="key"><i class="swatch pos"></i>positive</span>
      <span class="key"><i class="swatch neg"></i>negative</span>
      <span class="key"><i class="arrow-glyph">↻</i>arrow: ${who}${gain > 1 ? ` <b>×${gain}</b>` : ""}</span>
      <span class="key hint">${state.ui.readOnly ? "watching: dials are read-only" :
        "drag · wheel · arrows to turn; double-click to type; right-click or L to lock"}</span>`;
  }

  function showTip(k) {
    if (k < 0 || !b.layout || !b.state?.frame) { tip.hide(); return; }
    tip.show(k, dialBox(k), b.layout.paramOf(k), {
      value: b.values[k], grad: b.grads[k], locked: b.locked[k], lr: b.state.frame.learningRate,
      sizes: b.state.session.sizes, classNames: b.state.session.dataset?.class_names || [],
    });
  }

  /** The dial's box in CSS px relative to the stage. */
  function dialBox(k) {
    const r = R_FACE * b.fit.ppu;
    return { x: b.fit.ox + b.layout.x[k] * b.fit.ppu - r, y: b.fit.oy + b.layout.y[k] * b.fit.ppu - r, width: 2 * r, height: 2 * r };
  }

  /** Test hook: viewport rectangle of one dial, panning and scrolling it into view first. */
  function dialRect(name, index) {
    if (!b.layout) return null;
    const k = b.layout.indexOf(name, index);
    if (k < 0) return null;
    let box = dialBox(k);
    if (box.x < 0 || box.y < 0 || box.x + box.width > b.size.w || box.y + box.height > b.size.h) {
      b.view.panX += b.size.w / 2 - (box.x + box.width / 2);
      b.view.panY += b.size.h / 2 - (box.y + box.height / 2);
      fitView();
      paint();
      box = dialBox(k);
    }
    stage.scrollIntoView({ block: "nearest", inline: "nearest" });
    const s = stage.getBoundingClientRect();
    return { x: s.left + box.x, y: s.top + box.y, width: box.width, height: box.height };
  }

  function resetView() { b.view = { zoom: 1, panX: 0, panY: 0 }; if (b.layout) { fitView(); paint(); } }

  return { update, dialRect, resetView };
}
