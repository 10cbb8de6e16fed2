"""The JavaScript that browser_bench.py runs in the page: what it reads and how it drives it."""

RENDERS = """() => {
  const d = performance.getEntriesByName('board-render').map((e) => e.duration);
  return { durations: d, frames: window.dialboard.stats().frames, now: performance.now() };
}"""
# Every animation frame's timestamp, kept from page load: the frames actually produced, so a
# redraw whose raster runs past the frame shows as a longer interval here.
FRAME_CLOCK = """() => {
  const t = window.__frameTimes = [];
  const tick = (now) => {
    t.push(now);
    if (t.length > 20000) t.splice(0, 10000);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
FRAME_TIMES = "since => window.__frameTimes.filter((t) => t >= since)"
# One ctrl+wheel notch per animation frame over the middle of the stage, in then out: the
# zoom of a trackpad pinch, measured as the frames it takes.
ZOOM_GESTURE = """async ([steps, dy]) => {
  const canvas = document.querySelector('.board-canvas');
  const r = canvas.getBoundingClientRect();
  const x = r.left + r.width * 0.3, y = r.top + r.height * 0.45;
  const frame = () => new Promise((done) => requestAnimationFrame(done));
  const t0 = performance.now();
  for (const sign of [1, -1]) {
    for (let i = 0; i < steps; i++) {
      canvas.dispatchEvent(new WheelEvent('wheel',
        { deltaY: sign * dy, clientX: x, clientY: y, ctrlKey: true, cancelable: true }));
      await frame();
    }
  }
  await frame();
  return { t0, t1: performance.now(), zoom: window.dialboard.view.zoom };
}"""
HEAP = "() => { window.gc(); return performance.memory.usedJSHeapSize; }"
WATCH_COST = """() => {
  const lat = { t: 0, out: [] };
  window.__lat = lat;
  const canvas = document.querySelector('.board-canvas');
  canvas.addEventListener('pointermove', () => { lat.t = performance.now(); }, true);
  new MutationObserver(() => {
    if (lat.t) { lat.out.push(performance.now() - lat.t); lat.t = 0; }
  }).observe(document.querySelector('[data-testid=cost]'),
    { childList: true, characterData: true, subtree: true });
}"""
