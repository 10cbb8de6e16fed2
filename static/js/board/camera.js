// Zoom and pan of the board. The view is {zoom, panX, panY}: zoom 1 fits the whole board in
// the stage, pan is in CSS px from the centred position. `fit` is what the painter needs:
// px per board unit and where board (0, 0) lands on the stage.

import { fitScale } from "./layout.js";

const PAD = 18;
const MAX_PPU = 180;   // px per unit at the deepest zoom: a dial 144 px across

export function createCamera() {
  let view = { zoom: 1, panX: 0, panY: 0 };
  let fit = { ppu: 1, ox: 0, oy: 0 };
  let base = 1;
  let layout = null;
  let size = { w: 1, h: 1 };

  function setBoard(nextLayout, nextSize, keepView) {
    layout = nextLayout;
    size = nextSize;
    // One extra unit each way leaves room for the group panels' margins.
    base = fitScale({ width: layout.width + 1, height: layout.height + 1 }, { width: size.w - 2 * PAD, height: size.h - 2 * PAD });
    if (!keepView) view = { zoom: 1, panX: 0, panY: 0 };
    apply();
  }

  function maxZoom() { return Math.max(1, MAX_PPU / base); }

  function apply() {
    view.zoom = Math.max(1, Math.min(maxZoom(), view.zoom));
    if (view.zoom === 1) view.panX = view.panY = 0;
    const ppu = base * view.zoom;
    fit = {
      ppu,
      ox: (size.w - layout.width * ppu) / 2 + view.panX,
      oy: (size.h - layout.height * ppu) / 2 + view.panY,
    };
  }

  /** Zoom by `factor` keeping stage point (px, py) still. */
  function zoomAt(factor, px, py) {
    const z = Math.max(1, Math.min(maxZoom(), view.zoom * factor));
    const f = z / view.zoom;
    view.zoom = z;
    view.panX = (view.panX - (px - size.w / 2)) * f + (px - size.w / 2);
    view.panY = (view.panY - (py - size.h / 2)) * f + (py - size.h / 2);
    apply();
  }

  function pan(dx, dy) {
    view.panX += dx;
    view.panY += dy;
    apply();
  }

  /**
   * Show board box {x, y, width, height} as large as fits, at least at `minPpu`, below the
   * top `topFor(ppu)` CSS px of the stage (where a title stuck to the top edge goes). A box
   * taller or wider than the room shows its top or left edge, not its middle: a neuron's
   * name is at its top left.
   */
  function show(box, minPpu = 0, topFor = () => 0) {
    const room = (top) => ({ width: size.w - 2 * PAD, height: size.h - 2 * PAD - top });
    const top = topFor(Math.max(minPpu, fitScale(box, room(0))));
    const ppu = Math.max(minPpu, fitScale(box, room(top)));
    view.zoom = Math.max(1, Math.min(maxZoom(), ppu / base));
    const p = base * view.zoom;
    // Centre of the box to the centre of the room: solve ox + cx·p = (top + h) / 2 for the pan.
    view.panX = (layout.width / 2 - (box.x + box.width / 2)) * p;
    view.panY = (layout.height / 2 - (box.y + box.height / 2)) * p + top / 2;
    // Too wide or too tall: solve ox + box.x·p = PAD or oy + box.y·p = top + PAD instead.
    if (box.width * p > room(top).width) view.panX = PAD - box.x * p - (size.w - layout.width * p) / 2;
    if (box.height * p > room(top).height) view.panY = top + PAD - box.y * p - (size.h - layout.height * p) / 2;
    apply();
  }

  function reset() { view = { zoom: 1, panX: 0, panY: 0 }; if (layout) apply(); }

  return {
    setBoard, zoomAt, pan, show, reset, apply,
    get fit() { return fit; }, get zoom() { return view.zoom; }, get maxZoom() { return maxZoom(); },
  };
}
