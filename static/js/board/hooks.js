// What the browser tests and benchmarks ask the board (window.dialboard.view, dialRect): kept
// apart from views/board.js, which reads the board's state object `b` and its camera.

/** Viewport rectangle of dial (name, index), panning it onto the stage and scrolling it into view first. */
export function dialRectOf(b, { camera, stage, dialBox, paint }, name, index) {
  const k = b.layout.indexOf(name, index);
  if (k < 0) return null;
  let box = dialBox(k);
  if (box.x < 0 || box.y < 0 || box.x + box.width > b.size.w || box.y + box.height > b.size.h) {
    camera.pan(b.size.w / 2 - (box.x + box.width / 2), b.size.h / 2 - (box.y + box.height / 2));
    paint();
    box = dialBox(k);
  }
  stage.scrollIntoView({ block: "nearest", inline: "nearest" });
  const s = stage.getBoundingClientRect();
  return { x: s.left + box.x, y: s.top + box.y, width: box.width, height: box.height };
}

export function testHooks(b, camera) {
  /** Dial (name, flat index)'s entry of `arr`, or null if it has no arrow. */
  const entry = (name, flat, arr) => {
    const t = b.layout?.tensors.find((x) => x.name === name);
    if (!t || flat < 0 || flat >= t.count) return null;
    return b.has[t.offset + flat] ? arr[t.offset + flat] : null;
  };
  return {
    /** The weight layers with at least one dial centre on the stage. */
    get visibleLayers() {
      const f = camera.fit, at = (px, o) => (px - o) / f.ppu;
      return b.layout ? b.layout.layersIn(at(0, f.ox), at(0, f.oy), at(b.size.w, f.ox), at(b.size.h, f.oy)) : [];
    },
    /** The update the arrow of dial (name, flat index) stands for, unmagnified; null without an arrow. */
    arrow(name, flat) { return entry(name, flat, b.updates); },
    /** The same arrow as drawn: the update times its layer's gain, on the dial's scale. */
    arrowDrawn(name, flat) { return entry(name, flat, b.arrows); },
    /** Where neuron i of weight layer l is on the stage now (CSS px), as it is. */
    neuronRect(l, i) {
      const box = b.layout?.neuronBox(l, i), f = camera.fit;
      return box && { x: f.ox + box.x * f.ppu, y: f.oy + box.y * f.ppu, width: box.width * f.ppu, height: box.height * f.ppu, stageW: b.size.w, stageH: b.size.h };
    },
    /** {version, precision, step, phase} of the frame the board last drew (a socket made a
     * presenter gets its state again, the same version at F32). */
    get drawn() { return b.drawn || null; },
  };
}
