// Pointer, wheel and double-click on the board canvas. Pointer events cover mouse, touch and
// pen alike. A drag turns a dial by (right + up) movement: DRAG_PX pixels sweep one whole
// side of the scale (Shift: ten times finer). Dragging empty space pans; two fingers pinch
// to zoom and pan. The wheel turns the dial under it where the board says so (h.wheelTurns)
// and zooms everywhere else; Ctrl + wheel (a trackpad pinch arrives as one) always zooms.

const DRAG_PX = 160;
const WHEEL_STEPS = 50;   // wheel notches per side of the scale

export function attachPointer(canvas, h) {
  let drag = null;      // {k, id, x, y, start, moved} or {pan: true, …}
  const touches = new Map();   // pointerId → {x, y} of fingers down, for the pinch
  let pinch = null;            // {d, x, y}: last finger distance and midpoint

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button === 2) return;
    canvas.setPointerCapture(e.pointerId);
    if (e.pointerType === "touch") {
      touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (touches.size === 2) { startPinch(); return; }
    }
    const k = h.hit(e.clientX, e.clientY);
    if (k < 0) {
      drag = { pan: true, id: e.pointerId, x: e.clientX, y: e.clientY };
      return;
    }
    h.select(k);
    if (e.altKey && !h.readOnly()) { h.toggleLock(k); return; }
    drag = { k, id: e.pointerId, x: e.clientX, y: e.clientY, start: h.valueOf(k), range: h.rangeOf(k), moved: false };
    if (!h.readOnly()) h.dragStart(k);
    e.preventDefault();
  });

  /** A second finger turns whatever the first one did into a pinch. */
  function startPinch() {
    if (drag && !drag.pan && !h.readOnly()) h.dragEnd(drag.k);
    drag = null;
    pinch = fingers();
  }

  function fingers() {
    const [a, b] = [...touches.values()];
    return { d: Math.hypot(a.x - b.x, a.y - b.y) || 1, x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  }

  function movePinch(e) {
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const now = fingers();
    h.pan(now.x - pinch.x, now.y - pinch.y);
    h.zoom(now.d / pinch.d, now.x, now.y);
    pinch = now;
  }

  canvas.addEventListener("pointermove", (e) => {
    if (pinch && touches.has(e.pointerId)) { movePinch(e); return; }
    if (!drag || drag.id !== e.pointerId) {
      if (e.pointerType === "mouse") h.hover(h.hit(e.clientX, e.clientY), e);
      return;
    }
    if (drag.pan) {
      h.pan(e.clientX - drag.x, e.clientY - drag.y);
      drag.x = e.clientX;
      drag.y = e.clientY;
      return;
    }
    if (h.readOnly()) return;
    const travel = (e.clientX - drag.x) - (e.clientY - drag.y);
    if (Math.abs(travel) < 2 && !drag.moved) return;
    drag.moved = true;
    const scale = e.shiftKey ? 0.1 : 1;
    drag.at = { x: e.clientX, y: e.clientY, touch: e.pointerType === "touch" };
    // A dial has end stops: a drag never leaves its layer's scale, so that scale (and every
    // needle of the layer) holds still under the teacher's hand. Let go at an end and the scale
    // grows to the next 1-2-5 number (board.js, scales.widen), so the next drag reaches further; typing a
    // value (double-click) goes anywhere at once.
    const v = drag.start + (travel / DRAG_PX) * drag.range * scale;
    h.set(drag.k, Math.max(-drag.range, Math.min(drag.range, v)));
  });

  const end = (e) => {
    touches.delete(e.pointerId);
    if (touches.size < 2) pinch = null;
    if (!drag || drag.id !== e.pointerId) return;
    if (!drag.pan && !h.readOnly()) h.dragEnd(drag.k);
    drag = null;
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => { if (!drag) h.hover(-1); });

  let zoomedAt = -Infinity;   // a wheel gesture that began zooming keeps zooming
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const k = e.ctrlKey || e.timeStamp - zoomedAt < 350 ? -1 : h.hit(e.clientX, e.clientY);
    if (!h.wheelTurns(k)) {
      zoomedAt = e.timeStamp;
      // Lines and pages (some mice) are scaled to pixels, so every wheel zooms alike.
      const dy = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
      h.zoom(Math.exp(-dy * 0.0025), e.clientX, e.clientY);
      return;
    }
    const notch = Math.sign(e.deltaY || e.deltaX) * (e.shiftKey ? 5 : 1);
    h.select(k);
    h.set(k, h.valueOf(k) - (notch * h.rangeOf(k)) / WHEEL_STEPS);
  }, { passive: false });

  canvas.addEventListener("dblclick", (e) => {
    const k = h.hit(e.clientX, e.clientY);
    if (k >= 0 && !h.readOnly()) h.edit(k);
    else h.neuron(e.clientX, e.clientY);
  });

  canvas.addEventListener("contextmenu", (e) => {
    const k = h.hit(e.clientX, e.clientY);
    if (k < 0 || h.readOnly()) return;
    e.preventDefault();
    h.select(k);
    h.toggleLock(k);
  });

  return {
    get dragging() { return Boolean(drag && !drag.pan && drag.moved); },
    /** Where the pointer of a dial drag is now (client px, and whether a finger), else null. */
    get dragAt() { return drag && !drag.pan && drag.moved ? drag.at : null; },
  };
}
