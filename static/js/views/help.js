// The shortcut sheet (`?`): what the keys and a presentation clicker do.

const ROWS = [
  ["→ or PageDown", "one whole step"],
  ["Shift + →", "one phase of the step"],
  ["← or PageUp", "undo"],
  ["Space", "play / pause"],
  ["P", "projector mode on / off"],
  ["T", "light / dark theme"],
  ["?", "this list"],
  ["Tab", "move between dials (big boards: [ and ])"],
  ["↑ ↓ on a dial", "turn it a little (Shift: ten times more)"],
  ["Enter on a dial", "type an exact value"],
  ["L on a dial", "lock or unlock it"],
  ["drag", "turn a dial (Shift: ten times finer)"],
  ["wheel on a dial", "turn it, when dials are drawn (Shift: coarser)"],
  ["wheel elsewhere, Ctrl + wheel, pinch", "zoom the board"],
  ["drag empty space", "pan the board"],
  ["double-click a dial", "type an exact value"],
  ["double-click a neuron's block", "zoom to that neuron"],
  ["Z", "zoom to the selected dial's neuron"],
  ["0 / + / −", "the whole board / zoom in / zoom out"],
  ["right-click / Alt+click", "lock or unlock a dial"],
];

export function createHelp(root) {
  root.innerHTML = `
    <dialog class="help-dialog" data-testid="help" aria-labelledby="help-title">
      <h2 id="help-title">Keys and clicker</h2>
      <table>${ROWS.map(([k, v]) => `<tr><th scope="row"><kbd>${k}</kbd></th><td>${v}</td></tr>`).join("")}</table>
      <form method="dialog" class="form-buttons"><button class="primary">Close</button></form>
    </dialog>`;
  const dialog = root.querySelector("dialog");

  function toggle() {
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  return { update() {}, toggle, get open() { return dialog.open; } };
}
