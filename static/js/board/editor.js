// The exact-value field over a dial (double-click or Enter on a dial): Enter applies a
// finite number, Escape or leaving the field closes it, and focus goes back to the dial.

export function createEditor(input, { apply, done }) {
  let editing = -1;

  function open(k, box, value) {
    editing = k;
    input.hidden = false;
    input.value = String(Number(value.toPrecision(6)));
    input.style.transform = `translate(${box.x + box.width / 2 - 60}px, ${box.y + box.height / 2 - 20}px)`;
    input.focus();
    input.select();
  }

  function close() {
    if (editing < 0) return;
    const k = editing;
    editing = -1;
    input.hidden = true;
    done(k);
  }

  input.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Enter") {
      const v = Number(input.value);
      if (input.value.trim() !== "" && Number.isFinite(v)) apply(editing, v);
      close();
    } else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", close);

  return { open };
}
