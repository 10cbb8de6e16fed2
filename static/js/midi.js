// Real knobs: with Web MIDI, a controller's knobs and faders turn the selected neuron's dials
// (its incoming weights, then its bias) and three pads step, phase and play. A "Knobs" button
// asks for MIDI access and says how it went; a small panel lists each knob's dial and whether
// the knob has taken it over yet (lib/midimap.js: the mapping and soft takeover).

import { t, tn } from "./lib/i18n.js";
import { escapeHtml } from "./lib/html.js";
import { dialLabel, parseName } from "./lib/names.js";
import { fmt, fmtScale } from "./lib/format.js";
import {
  checkKnob, createKnob, dialValue, knobCue, layerScale, moveKnob, neuronDials, parseMidi,
} from "./lib/midimap.js";

const ICON = `<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"><circle cx="12" cy="13" r="7"/><path d="M12 13l3-4M12 3v3"/></svg>`;
const CUE = { live: "midi.live", up: "midi.turn_up", down: "midi.turn_down", unknown: "midi.turn" };
const STATUS = { connecting: "midi.connecting", no_device: "midi.no_device", blocked: "midi.blocked" };

/** → {update(state)}; nothing shows where the browser has no Web MIDI, or for a viewer. */
export function createMidi(root, actions) {
  if (typeof navigator === "undefined" || !navigator.requestMIDIAccess) return { update() {} };
  root.innerHTML = `
    <button type="button" class="midi-btn" data-testid="midi" data-status="off" aria-pressed="false" title="${t("midi.title")}">${ICON} <span class="label">${t("midi.knobs")}</span></button>
    <section class="midi-panel" data-testid="midi-panel" aria-label="${t("midi.panel")}" aria-live="polite" hidden></section>`;
  const button = root.querySelector(".midi-btn");
  const panel = root.querySelector(".midi-panel");
  const m = { access: null, on: false, status: "off", dials: [], knobs: [], R: 1, key: "", state: null, shown: "" };

  button.addEventListener("click", () => (m.on ? stop() : start()));

  async function start() {
    m.on = true;
    setStatus("connecting");
    try {
      m.access ??= await navigator.requestMIDIAccess();
    } catch {
      m.on = false;
      setStatus("blocked");
      return;
    }
    m.access.onstatechange = () => listen();
    listen();
  }

  function stop() {
    m.on = false;
    for (const input of m.access?.inputs.values() ?? []) input.onmidimessage = null;
    setStatus("off");
  }

  /** Every input, including ones plugged in later, feeds the same handler. */
  function listen() {
    if (!m.on) return;
    let n = 0;
    for (const input of m.access.inputs.values()) {
      input.onmidimessage = (e) => receive(e.data);
      n += 1;
    }
    setStatus(n ? "connected" : "no_device", n);
  }

  function setStatus(status, n = 0) {
    m.status = status;
    button.setAttribute("aria-pressed", String(m.on));
    root.classList.toggle("is-on", m.on);
    button.dataset.status = status;
    m.statusText = status === "off" ? t("midi.knobs") : status === "connected" ? tn("midi.connected", n) : t(STATUS[status]);
    button.querySelector(".label").textContent = m.statusText;
    render();
  }

  function receive(data) {
    const s = m.state, msg = parseMidi(data);
    if (!msg || !s?.session || !s.frame || s.ui.readOnly) return;
    if (msg.kind === "note") {
      if (msg.action === "step") actions.step();
      else if (msg.action === "phase") actions.phase();
      else actions.togglePlay();
      return;
    }
    render();   // maps the knobs onto the selected neuron
    const dial = m.dials[msg.knob];
    if (!dial) return;
    const value = moveKnob(m.knobs[msg.knob], msg.value, dialValue(s.session, s.frame.params, dial), m.R, performance.now());
    if (value !== null) actions.set(dial.name, dial.index, value);
    render();
  }

  /** A new neuron (or board) gets fresh knobs: each must take over its new dial. */
  function remap(s) {
    const sel = s.ui.selected, key = `${s.session.id}|${sel?.name}|${sel?.index?.[0]}`;
    if (key !== m.key) {
      m.key = key;
      m.dials = neuronDials(s.session, sel);
      m.knobs = m.dials.map(() => createKnob());
    }
    m.R = m.dials[0] ? layerScale(s.frame.params, parseName(m.dials[0].name).layer) : 1;
  }

  function update(state) {
    m.state = state;
    root.hidden = state.ui.readOnly;
    if (!m.on || !state.session || !state.frame) return render();
    remap(state);
    const now = performance.now();
    m.dials.forEach((d, k) => checkKnob(m.knobs[k], dialValue(state.session, state.frame.params, d), now));
    render();
  }

  function render() {
    const s = m.state;
    if (!m.on || !s?.session || !s.frame) { panel.hidden = true; return; }
    remap(s);
    const rows = m.dials.map((d, k) => {
      const v = dialValue(s.session, s.frame.params, d), cue = knobCue(m.knobs[k], v, m.R);
      const name = dialLabel(d.name, d.index, s.session.sizes, s.session.dataset?.class_names || []);
      return `<li class="midi-knob is-${cue}" data-knob="${k}" data-cue="${cue}">
        <span class="midi-no">${k + 1}</span> <span class="midi-dial">${escapeHtml(name)}</span>
        <span class="midi-value">${v === null ? "" : fmt(v, 3)}</span> <span class="midi-cue">${t(CUE[cue])}</span></li>`;
    }).join("");
    const html = `<p class="midi-status">${m.statusText}</p><p class="midi-head">${t("midi.head", { r: fmtScale(m.R) })}</p>
      ${rows ? `<ol class="midi-knobs">${rows}</ol>` : `<p class="midi-none">${t("midi.none")}</p>`}
      <p class="midi-pads">${t("midi.pads")}</p>`;
    if (html !== m.shown) { panel.innerHTML = html; m.shown = html; }
    panel.hidden = false;
  }

  return { update };
}
