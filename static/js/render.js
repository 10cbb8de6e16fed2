// Hands the newest state to the views once per animation frame. While training plays, the
// board and the few views read at a glance (`live`) get every frame; the side panels at most
// SIDE_HZ times a second, and always the newest state, so that their text, layout and
// canvases never take the board's frames. Still, every view gets every state at once.

export const SIDE_HZ = 15;

/** views: every view; live: the ones drawn for every frame; store: the state they read. */
export function createRenderer(views, live, store) {
  const liveSet = new Set(live);
  let scheduled = false, sideAt = -Infinity, sideTimer = 0;

  function frame(now) {
    scheduled = false;
    const side = !store.frame?.playing || now - sideAt >= 1000 / SIDE_HZ;
    if (side) { sideAt = now; clearTimeout(sideTimer); sideTimer = 0; }
    for (const view of views) if (side || liveSet.has(view)) view.update(store);
    // A state the side panels skipped reaches them when their next turn comes.
    if (!side && !sideTimer) sideTimer = setTimeout(() => { sideTimer = 0; render(); }, 1000 / SIDE_HZ - (now - sideAt));
  }

  function render() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(frame);
  }

  return render;
}
