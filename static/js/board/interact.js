// Pointer, wheel and double-click on the board canvas. Pointer events cover mouse, touch and
// pen alike. A drag turns a dial by (right + up) movement: DRAG_PX pixels sweep one whole
// side of the scale (Shift: ten times finer). Dragging empty space pans; Ctrl+wheel zooms.

const DRAG_PX = 160;
const WHEEL_STEPS = 50;   // wheel notches per side of the scale

export function attachPointer(canvas, h) {
  let drag = null;      // {k, id, x, y, start, moved} or {pan: true, …}

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button === 2) return;
    const k = h.hit(e.clientX, e.clientY);
    canvas.setPointerCapture(e.pointerId);
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

  canvas.addEventListener("pointermove", (e) => {
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
    h.set(drag.k, drag.start + (travel / DRAG_PX) * drag.range * scale);
  });

  const end = (e) => {
    if (!drag || drag.id !== e.pointerId) return;
    if (!drag.pan && !h.readOnly()) h.dragEnd(drag.k);
    drag = null;
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => { if (!drag) h.hover(-1); });

  canvas.addEventListener("wheel", (e) => {
    if (e.ctrlKey) {
      e.preventDefault();
      h.zoom(Math.exp(-e.deltaY * 0.0025), e.clientX, e.clientY);
      return;
    }
    const k = h.hit(e.clientX, e.clientY);
    if (k < 0 || h.readOnly()) return;
    e.preventDefault();
    const notch = Math.sign(e.deltaY || e.deltaX) * (e.shiftKey ? 5 : 1);
    h.select(k);
    h.set(k, h.valueOf(k) - (notch * h.rangeOf(k)) / WHEEL_STEPS);
  }, { passive: false });

  canvas.addEventListener("dblclick", (e) => {
    const k = h.hit(e.clientX, e.clientY);
    if (k >= 0 && !h.readOnly()) h.edit(k);
  });

  canvas.addEventListener("contextmenu", (e) => {
    const k = h.hit(e.clientX, e.clientY);
    if (k < 0 || h.readOnly()) return;
    e.preventDefault();
    h.select(k);
    h.toggleLock(k);
  });

  return { get dragging() { return Boolean(drag && !drag.pan && drag.moved); } };
}
