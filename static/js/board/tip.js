// The hover/focus card of one dial: its name in words, its value, the next update (what the
// arrow shows) and the screen's slope ∂C/∂w over the whole training set.

import { dialId, dialLabel } from "../lib/names.js";
import { fmtSigned, stepDigits } from "../lib/format.js";
import { escapeHtml } from "../lib/html.js";
import { t } from "../lib/i18n.js";
import { placeTip } from "./labels.js";


export function createTip(el) {
  let shown = -1;

  function show(k, box, param, info) {
    shown = k;
    const { name, index } = param;
    el.innerHTML = `
      <div class="tip-title">${escapeHtml(dialLabel(name, index, info.sizes, info.classNames))}</div>
      <div class="tip-id">${dialId(name, index)}${info.locked ? ` · ${t("tip.locked")}` : ""}</div>
      <dl>
        <dt>${t("tip.value")}</dt><dd>${fmtSigned(info.value, 4)}</dd>
        <dt>${info.turn.label}</dt><dd>${escapeHtml(info.turn.text)}</dd>${info.grad === null ? "" : `
        <dt>${t("tip.slope")}</dt><dd>${fmtSigned(info.grad, stepDigits(info.sizes))} <small>${t("tip.whole_set")}</small></dd>`}
      </dl>${info.zoomHint ? `<div class="tip-hint">${t("tip.zoom_hint")}</div>` : ""}`;
    el.hidden = false;
    place(box, info.avoid, info.rather);
  }

  /**
   * Beside the dial's box (stage px) and never over it, nor over `avoid` (the pointer of a
   * drag), and over as few of `rather` as it can; called again whenever the view moves, so
   * the card follows its dial.
   */
  function place(box, avoid = [], rather = []) {
    const stage = el.parentElement;
    const size = { width: el.offsetWidth, height: el.offsetHeight };
    const room = { width: stage.clientWidth, height: stage.clientHeight };
    const at = placeTip(box, size, room, avoid, rather);
    el.style.visibility = at ? "" : "hidden";
    if (at) el.style.transform = `translate(${Math.round(at.x)}px, ${Math.round(at.y)}px)`;
  }

  /** The dial's box after the view moved: beside it again, or hidden once it left the stage. */
  function follow(box, avoid, rather) {
    const stage = el.parentElement;
    const off = box.x + box.width < 0 || box.y + box.height < 0 || box.x > stage.clientWidth || box.y > stage.clientHeight;
    if (off) hide(); else place(box, avoid, rather);
  }

  function hide() {
    shown = -1;
    el.hidden = true;
  }

  return { show, place, follow, hide, get shown() { return shown; } };
}
