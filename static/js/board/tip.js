// The hover/focus card of one dial: its name in words, its value, the next update (what the
// arrow shows) and the screen's slope ∂C/∂w over the whole training set.

import { dialId, dialLabel } from "../lib/names.js";
import { fmtSigned } from "../lib/format.js";
import { escapeHtml } from "../lib/html.js";
import { t } from "../lib/i18n.js";


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
        <dt>${t("tip.slope")}</dt><dd>${fmtSigned(info.grad, 3)} <small>${t("tip.whole_set")}</small></dd>`}
      </dl>${info.zoomHint ? `<div class="tip-hint">${t("tip.zoom_hint")}</div>` : ""}`;
    el.hidden = false;
    const stage = el.parentElement;
    const right = box.x + box.width + 12;
    const x = right + el.offsetWidth > stage.clientWidth ? box.x - el.offsetWidth - 12 : right;
    const y = Math.max(4, Math.min(stage.clientHeight - el.offsetHeight - 4, box.y));
    el.style.transform = `translate(${Math.max(4, x)}px, ${y}px)`;
  }

  function hide() {
    shown = -1;
    el.hidden = true;
  }

  return { show, hide, get shown() { return shown; } };
}
