// The dial this page is turning, for the screen's answer to it: `store.ui.turn` is
// {name, index, baseCost, holding} (the cost the turn began from), or null when still.
// A turn settles TURN_SETTLE_MS after its last change, or after the drag lets go; a pointer
// held on the board keeps it open while the hand pauses mid-turn.

export const TURN_SETTLE_MS = 1500;

/** board: the element whose pointer-down holds a turn open; render(): draw the new state. */
export function createTurns(store, board, render) {
  let timer = 0, held = false;

  function turning(name, index, holding, mine = false) {
    if (store.ui.readOnly && !mine) return;
    clearTimeout(timer);
    const t = store.ui.turn;
    if (!t || t.name !== name || String(t.index) !== String(index)) {
      store.ui.turn = { name, index, baseCost: store.frame?.cost ?? null, holding: Boolean(holding) };
    } else if (holding !== undefined) t.holding = holding;
    if (!store.ui.turn.holding) timer = setTimeout(() => { store.ui.turn = null; render(); }, TURN_SETTLE_MS);
    render();
  }

  function end() {
    const t = store.ui.turn;
    if (!t) return;
    t.holding = false;
    turning(t.name, t.index);
  }

  board.addEventListener("pointerdown", () => { held = true; });
  for (const type of ["pointerup", "pointercancel"]) {
    window.addEventListener(type, () => { if (held) { held = false; end(); } });
  }

  return {
    /** A turn of a dial by the presenter (a student's own handed dial: mine). */
    set: (name, index, mine = false) => turning(name, index, held || undefined, mine),
    start: (name, index) => turning(name, index, true),
    end,
  };
}
