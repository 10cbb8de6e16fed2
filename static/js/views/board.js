// The dial board: every weight and bias as a dial on one canvas, grouped by layer.
// Drawing is the painter's; where dials sit is the layout's; zoom and pan are the camera's.
// This view keeps them in step with the state, owns the local value of a dial being
// dragged, and turns gestures into actions (set, lock, select) or camera moves.

import { layoutBoard } from "../board/layout.js";
import { createPainter, lodOf, LOD_MIN_PX } from "../board/painter.js";
import { createCamera } from "../board/camera.js";
import { createScales, SCALE_STEPS } from "../board/scales.js";
import { createAccess } from "../board/access.js";
import { attachPointer } from "../board/interact.js";
import { R_FACE, stuckTitleDepth } from "../board/faces.js";
import { readPalette, styleKey } from "../lib/palette.js";
import { activeLayers, lockKey, readFrame } from "../board/frame.js";
import { createTip } from "../board/tip.js";
import { pointerBox, watchedAround } from "../board/labels.js";
import { dialRectOf, testHooks } from "../board/hooks.js";
import { createEditor } from "../board/editor.js";
import { gainText, gatherUpdates, nextTurn } from "../board/arrows.js";
import { createLegend } from "../board/legend.js";
import { stepDigits } from "../lib/format.js";
import { t } from "../lib/i18n.js";


// Read on every paint: one query list, not a new one 60 times a second.
const REDUCED_MOTION = matchMedia("(prefers-reduced-motion: reduce)");

/** The least size of the board's titles and of its labels, CSS px: the page's
 * (--board-title-px, --board-label-px). */
function leastPx() {
  const style = getComputedStyle(document.body), px = (name) => parseFloat(style.getPropertyValue(name));
  return { titlePx: px("--board-title-px") || 12, labelPx: px("--board-label-px") || 8 };
}

const PAD = 18;
const ZOOM_STEP = 1.6;

export function createBoard(root, actions) {
  root.innerHTML = `
    <div class="board-bar">
      <div class="board-legend" aria-hidden="true"></div>
      <div class="board-zoom" role="group" aria-label="${t("board.zoom")}">
        <button type="button" data-zoom="out" data-testid="zoom-out" title="${t("board.zoom_out_title")}" aria-label="${t("board.zoom_out")}">−</button>
        <button type="button" data-zoom="in" data-testid="zoom-in" title="${t("board.zoom_in_title")}" aria-label="${t("board.zoom_in")}">+</button>
        <button type="button" data-zoom="fit" data-testid="zoom-fit" title="${t("board.fit_title")}">${t("board.fit")}</button>
      </div>
    </div>
    <div class="board-stage">
      <canvas class="board-canvas"></canvas>
      <div class="board-access" aria-label="${t("board.dials")}"></div>
      <div class="board-tip" hidden></div>
      <input class="board-edit" type="number" step="any" hidden aria-label="${t("board.exact")}">
    </div>`;
  const stage = root.querySelector(".board-stage");
  const canvas = root.querySelector(".board-canvas");
  const legend = createLegend(root.querySelector(".board-legend"));
  const painter = createPainter(canvas);
  const camera = createCamera();
  const scales = createScales();
  const tip = createTip(root.querySelector(".board-tip"));
  const editor = createEditor(root.querySelector(".board-edit"), { apply: (k, v) => turn(k, v), done: (k) => access.focus(k) });
  const b = {
    state: null, sessionKey: "", sessionId: null, layout: null, values: null, updates: null, has: null, arrows: null,
    locked: null, hover: -1, selected: -1, override: null, palette: null, titlePx: 12, labelPx: 8, themeKey: "",
    size: { w: 0, h: 0, dpr: 1 }, lod: "", active: [], paintQueued: false, tickedAt: null, zoomedTo: null,
  };
  const access = createAccess(root.querySelector(".board-access"), {
    focus: (k) => select(k),
    nudge: (k, n) => turn(k, b.values[k] + (n * rangeOf(k)) / 100),
    edit: (k) => openEditor(k),
    toggleLock: (k) => toggleLock(k),
    zoomTo: (k) => zoomToDial(k),
  });
  const pointer = attachPointer(canvas, {
    hit, select, valueOf: (k) => b.values[k], rangeOf, readOnly: () => isReadOnly(),
    set: (k, v) => turn(k, v), toggleLock, edit: openEditor,
    dragStart: (k) => { b.override = { k, value: b.values[k], until: Infinity }; },
    dragEnd: () => { if (b.override) { b.override.until = performance.now() + 700; atEndStop(b.override); } settleLater(); },
    hover: (k) => { b.hover = k; showTip(k); requestPaint(); },
    pan: (dx, dy) => { b.zoomedTo = null; camera.pan(dx, dy); requestPaint(); },
    zoom: (f, x, y) => { b.zoomedTo = null; const r = canvas.getBoundingClientRect(); camera.zoomAt(f, x - r.left, y - r.top); requestPaint(); },
    // A plain wheel turns a dial where dials are drawn: any dial of a small board, only the
    // selected one of a big board (so the wheel keeps zooming past the dials); else it zooms.
    wheelTurns: (k) => k >= 0 && !isReadOnly() && (b.lod === "dials" || b.lod === "full") &&
      (b.layout.count <= 300 || k === b.selected),
    neuron: (x, y) => { const n = neuronAt(x, y); if (n) zoomToNeuron(n.layer, n.i); return Boolean(n); },
  });
  root.querySelector(".board-zoom").addEventListener("click", (e) => {
    const z = e.target.closest("button")?.dataset.zoom;
    if (z) view[z === "fit" ? "fit" : z === "in" ? "zoomIn" : "zoomOut"]();
  });
  new ResizeObserver(() => { resize(); if (b.state) update(b.state); }).observe(stage);

  function isReadOnly() { return !b.state || b.state.ui.readOnly; }
  // A drag reads the scale drawn (mid-glide too), so the needle stays under the pointer.
  function rangeOf(k) { const l = b.layout.layer[k]; return scales.shown[l] || scales.ranges[l] || 1; }

  function toBoard(clientX, clientY) {
    const r = canvas.getBoundingClientRect(), f = camera.fit;
    return [(clientX - r.left - f.ox) / f.ppu, (clientY - r.top - f.oy) / f.ppu];
  }

  function hit(clientX, clientY) { return b.layout ? b.layout.hit(...toBoard(clientX, clientY)) : -1; }
  function neuronAt(clientX, clientY) { return b.layout ? b.layout.neuronAt(...toBoard(clientX, clientY)) : null; }

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
    requestPaint();
    settleLater();
  }

  /** A drag let go at its dial's end stop widens that layer's scale one 1-2-5 step. */
  function atEndStop({ k, value }) { if (Math.abs(value) >= rangeOf(k) * (1 - 1e-6)) scales.widen(b.layout.layer[k]); }

  /** Once a turn has let go of its dial, the board is drawn again as settled (scales may shrink). */
  function settleLater() { clearTimeout(b.settleTimer); b.settleTimer = setTimeout(() => b.state && update(b.state), 750); }

  function toggleLock(k) {
    if (isReadOnly()) return;
    const { name, index } = b.layout.paramOf(k);
    actions.lock(name, index, !b.locked[k]);
  }

  function openEditor(k) {
    if (!isReadOnly()) editor.open(k, dialBox(k), b.values[k]);
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
    b.values = new Float64Array(n);   // the parameters as the frame has them (a presenter's F64)
    b.updates = new Float32Array(n);
    b.has = new Uint8Array(n);
    b.arrows = new Float32Array(n);
    b.locked = new Uint8Array(n);
    const same = b.sessionId === s.id;
    if (!same) { scales.reset(); b.sessionId = s.id; }
    camera.setBoard(b.layout, b.size, same);
    // A neuron zoomed to is shown whole again on a stage of another size (the projector's):
    // the old zoom and pan, kept as they were, cut its tile off.
    if (same && b.zoomedTo) showNeuron(b.zoomedTo.l, b.zoomedTo.i); else b.zoomedTo = null;
    root.dataset.dialCount = String(n);
    access.build({ layout: b.layout, sizes: s.sizes, classNames: s.dataset?.class_names || [], readOnly: state.ui.readOnly, same });
  }

  function gather(state) {
    readFrame(b.layout, state.frame, b.values, b.locked);
    const o = b.override;
    if (o && (pointer.dragging || performance.now() < o.until)) b.values[o.k] = o.value;
    else b.override = null;
    gatherUpdates(b.layout, state.frame, b.locked, b.updates, b.has);
  }

  /** The dragged dial's layer keeps its scale; scales shrink only once the board is still. */
  function scaleHold(state) {
    const k = pointer.dragging && b.override ? b.override.k : -1;
    return { hold: k >= 0 ? b.layout.layer[k] : -1, settled: k < 0 && !b.override && !state.frame.playing };
  }

  function update(state) {
    b.state = state;
    if (!state.session || !state.frame || b.size.w < 10) return;
    const key = `${state.session.id}|${state.session.parameters.length}|${state.ui.readOnly}`;
    if (key !== b.sessionKey) { rebuild(state); b.sessionKey = key; }
    gather(state);
    scales.update(b.layout, b.values, scaleHold(state));
    b.arrowsOn = scales.arrows(b.layout, b.updates, b.has, b.arrows);
    b.drawn = { version: state.frame.version, precision: state.frame.precision, step: state.frame.step, phase: state.frame.phase };
    b.active = activeLayers(state.frame.phase, b.layout.groups.length);
    const sel = state.ui.selected;
    b.selected = sel ? b.layout.indexOf(sel.name, sel.index) : -1;
    const theme = styleKey();
    if (theme !== b.themeKey) { b.palette = readPalette(); Object.assign(b, leastPx()); b.themeKey = theme; }
    paint();
    legend.render(state.frame, { readOnly: state.ui.readOnly, count: b.layout.count, gain: b.arrowsOn ? gainText(scales.gains) : "" });
    if (tip.shown >= 0) showTip(tip.shown);
  }

  /** Gestures repaint at the next animation frame: many pointer or wheel events, one paint. */
  function requestPaint() {
    if (b.paintQueued) return;
    b.paintQueued = true;
    requestAnimationFrame(() => { if (b.paintQueued) paint(); });
  }

  function paint() {
    b.paintQueued = false;
    if (!b.layout || !b.palette) return;
    const t0 = performance.now();
    // While training plays every needle moves anyway: a new scale is taken at once (a glide
    // would redraw the cached faces every paint); between turns it glides.
    const still = !b.state?.frame?.playing && !REDUCED_MOTION.matches;
    const steps = still ? SCALE_STEPS : 0;
    const frame = document.timeline.currentTime;   // the same for every paint of one frame
    const { shown: ranges, moving } = scales.tick(steps, frame !== b.tickedAt);
    const gains = scales.gains;   // each layer's arrow gain, in its title
    b.tickedAt = frame;
    const f = camera.fit;
    const lod = painter.paint({
      layout: b.layout, values: b.values, arrows: b.arrowsOn, locked: b.locked, ranges, gains,
      pxPerUnit: f.ppu, ox: f.ox, oy: f.oy, dpr: b.size.dpr, palette: b.palette,
      titlePx: b.titlePx, labelPx: b.labelPx,
      selected: b.selected, hover: b.hover, active: b.active,
      facesKey: `${b.sessionKey}|${f.ppu}|${f.ox}|${f.oy}|${b.themeKey}|${ranges.join(",")}|${gains.join(",")}|${lockKey(b.locked)}|${b.active.join(",")}`,
    });
    if (view.measureRaster) painter.flush();
    performance.measure("board-render", { start: t0, end: performance.now() });
    if (performance.getEntriesByName("board-render").length > 5000) performance.clearMeasures("board-render");
    if (lod !== b.lod) { b.lod = lod; root.dataset.lod = lod; }
    access.sync(b.values, scales.ranges, b.locked, dialBox);
    followTip(`${f.ppu}|${f.ox}|${f.oy}|${b.size.w}|${b.size.h}`);
    if (moving) requestPaint();   // a scale still gliding to its new number
  }

  /** After a zoom, pan or resize the tip goes with its dial, or away if the dial left the stage. */
  function followTip(viewKey) {
    if (viewKey === b.tipView) return;
    b.tipView = viewKey;
    if (tip.shown >= 0) tip.follow(dialBox(tip.shown), tipAvoid(), tipRather(tip.shown));
  }

  function tipAvoid() { return pointerBox(pointer.dragAt, stage.getBoundingClientRect()); }

  /** While a dial turns the room watches the others answer (their arrows): where its card
   * rather not go (labels.js `watchedAround`). */
  function tipRather(k) {
    const tu = b.state?.ui.turn;
    if (!tu || b.layout.indexOf(tu.name, tu.index) !== k) return [];
    return watchedAround(b.layout, camera.fit, b.size, k, R_FACE);
  }

  function showTip(k) {
    if (k < 0 || !b.layout || !b.state?.frame) { tip.hide(); return; }
    const f = b.state.frame, p = b.layout.paramOf(k), flat = k - b.layout.tensors[b.layout.tensorOf[k]].offset;
    const turnInfo = { has: b.has[k], update: b.updates[k], locked: b.locked[k], layer: p.layer,
      digits: stepDigits(b.state.session.sizes) };
    tip.show(k, dialBox(k), p, {
      value: b.values[k], grad: f.grads[p.name]?.[flat] ?? null, locked: b.locked[k],
      turn: nextTurn(f, turnInfo, b.state.session.dataset?.n_train),
      sizes: b.state.session.sizes, classNames: b.state.session.dataset?.class_names || [],
      zoomHint: b.layout.count > 300, avoid: tipAvoid(), rather: tipRather(k),
    });
  }

  /** The dial's box in CSS px relative to the stage. */
  function dialBox(k) {
    const f = camera.fit, r = R_FACE * f.ppu;
    return { x: f.ox + b.layout.x[k] * f.ppu - r, y: f.oy + b.layout.y[k] * f.ppu - r, width: 2 * r, height: 2 * r };
  }

  /** Test hook: viewport rectangle of one dial, panning and scrolling it into view first. */
  function dialRect(name, index) { return b.layout ? dialRectOf(b, { camera, stage, dialBox, paint }, name, index) : null; }

  /** Neuron i of weight layer l as large as fits, and never smaller than readable dials. */
  function zoomToNeuron(l, i) {
    if (!showNeuron(l, i)) return false;
    b.zoomedTo = { l, i };
    paint();
    return true;
  }

  function showNeuron(l, i) {
    const box = b.layout?.neuronBox(l, i);
    if (!box) return false;
    const m = 0.6;
    camera.show({ x: box.x - m, y: box.y - m, width: box.width + 2 * m, height: box.height + 2 * m },
      (LOD_MIN_PX.dials / R_FACE) * 1.05, (ppu) => stuckTitleDepth(ppu, b.titlePx));
    return true;
  }

  function zoomToDial(k) {
    if (k < 0 || !b.layout) return;
    const { layer, index } = b.layout.paramOf(k);
    zoomToNeuron(layer, index[0]);
  }

  function zoomBy(f) { b.zoomedTo = null; camera.zoomAt(f, b.size.w / 2, b.size.h / 2); paint(); }

  const view = {
    fit: () => { b.zoomedTo = null; camera.reset(); paint(); },
    zoomIn: () => zoomBy(ZOOM_STEP),
    zoomOut: () => zoomBy(1 / ZOOM_STEP),
    zoomToNeuron,
    zoomToSelected: () => zoomToDial(b.selected),
    get lod() { return b.layout ? lodOf(camera.fit.ppu) : ""; },
    // Benchmarks set this so that board-render includes rasterising the canvas (it reads one
    // pixel back); off by default, because a readback can cost a GPU canvas its acceleration.
    measureRaster: false,
    get zoom() { return camera.zoom; },
    get scalesShown() { return Array.from(scales.shown); },   // test hook: the scales drawn now
    get words() { return painter.words(); },   // test hook: the titles and labels drawn, {text, px, role, x, y}
  };
  Object.defineProperties(view, Object.getOwnPropertyDescriptors(testHooks(b, camera)));

  return { update, dialRect, view };
}
