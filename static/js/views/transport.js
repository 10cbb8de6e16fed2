// Transport: Undo, Step, Phase, Play/Pause with speed, Reset, and the live settings
// (learner, and only the settings it reads: learning rate and batch size, or step size).
// Buttons only raise actions; the state they show (playing, settings, learner) always comes
// back from the server's frames. Learner names and setting labels come from GET /api/meta.

import { ICONS } from "../lib/icons.js";
import { escapeHtml as escape } from "../lib/html.js";
import { t } from "../lib/i18n.js";

const SPEEDS = [1, 2, 5, 10, 30, 60, null];   // steps per second; null = as fast as possible

export function createTransport(root, actions) {
  root.innerHTML = `
    <div class="transport-buttons">
      <button type="button" data-testid="undo" data-act="undo" title="${t("transport.undo_title")}">${ICONS.undo} ${t("transport.undo")}</button>
      <button type="button" data-testid="phase" data-act="phase" title="${t("transport.phase_title")}">${ICONS.phase} ${t("transport.phase")}</button>
      <button type="button" class="primary" data-testid="step" data-act="step" title="${t("transport.step_title")}">${ICONS.step} ${t("transport.step")}</button>
      <button type="button" class="primary play" data-testid="play" data-act="play" aria-pressed="false" title="${t("transport.play_title")}"><span class="play-icon">${ICONS.play}</span> <span class="play-text"><span class="when-still">${t("transport.play")}</span><span class="when-playing">${t("transport.pause")}</span></span></button>
      <label class="speed">${t("transport.speed")} <input type="range" min="0" max="${SPEEDS.length - 1}" step="1" value="3" aria-label="${t("transport.speed_label")}"><output></output></label>
      <button type="button" data-testid="reset" data-act="reset" title="${t("transport.reset_title")}">${ICONS.reset} ${t("transport.reset")}</button>
    </div>
    <div class="transport-settings">
      <label>${t("transport.learner")} <select name="learner" data-testid="learner"></select></label>
      <label data-setting="learning_rate"><span>${t("meta.setting.learning_rate")}</span> <input type="number" name="learning_rate" data-testid="learning-rate" min="0" step="any" inputmode="decimal"></label>
      <label data-setting="batch_size"><span>${t("meta.setting.batch_size")}</span> <select name="batch_size"></select></label>
      <label data-setting="step_size" hidden><span>${t("meta.setting.step_size")}</span> <input type="number" name="step_size" data-testid="step-size" min="0" step="any" inputmode="decimal"></label>
    </div>`;
  const playBtn = root.querySelector('[data-act="play"]');
  const speed = root.querySelector(".speed input");
  const speedOut = root.querySelector(".speed output");
  const lr = root.querySelector('[name="learning_rate"]');
  const batch = root.querySelector('[name="batch_size"]');
  const learner = root.querySelector('[name="learner"]');
  const stepSize = root.querySelector('[name="step_size"]');
  let metaSeen = null;
  let playing = false;
  let nTrain = 0;

  const rate = () => SPEEDS[Number(speed.value)];
  const showSpeed = () => { speedOut.textContent = rate() === null ? t("transport.speed_max") : t("transport.speed_rate", { n: rate() }); };
  showSpeed();

  root.addEventListener("click", (e) => {
    const act = e.target.closest("button[data-act]")?.dataset.act;
    if (!act) return;
    if (act === "play") actions.togglePlay(rate());
    else actions[act]();
  });
  speed.addEventListener("input", () => {
    showSpeed();
    if (playing) actions.play(rate());
  });
  lr.addEventListener("change", () => {
    const v = Number(lr.value);
    if (v > 0) actions.configure({ learning_rate: v });
  });
  batch.addEventListener("change", () => {
    actions.configure({ batch_size: batch.value === "full" ? null : Number(batch.value) });
  });
  learner.addEventListener("change", () => actions.configure({ learner: learner.value }));
  stepSize.addEventListener("change", () => {
    const v = Number(stepSize.value);
    if (v > 0) actions.configure({ step_size: v });
  });

  /** Learner names and setting labels, once meta has arrived. */
  function useMeta(meta) {
    if (!meta || meta === metaSeen) return;
    metaSeen = meta;
    learner.innerHTML = meta.learners.map((l) => `<option value="${l.name}" title="${escape(l.description)}">${escape(l.title)}</option>`).join("");
    for (const label of root.querySelectorAll("[data-setting]")) {
      const m = meta.settings.find((x) => x.name === label.dataset.setting);
      if (m) label.querySelector("span").textContent = m.label;
    }
  }

  /** Only the settings the current learner reads are offered. */
  function showSettings(meta, name) {
    const reads = meta?.learners.find((l) => l.name === name)?.settings;
    for (const label of root.querySelectorAll("[data-setting]")) {
      label.hidden = reads ? !reads.includes(label.dataset.setting) : label.dataset.setting === "step_size";
    }
  }

  function fillBatch(n, current) {
    const sizes = [1, 4, 8, 16, 32, 64, 128, 256].filter((s) => s < n);
    if (current && current < n && !sizes.includes(current)) sizes.push(current);
    sizes.sort((a, b) => a - b);
    batch.innerHTML = sizes.map((s) => `<option value="${s}">${s}</option>`).join("") +
      `<option value="full">${t("transport.batch_full", { n })}</option>`;
  }

  function update(state) {
    const f = state.frame, s = state.session;
    root.hidden = state.ui.readOnly;
    // No board shown (none yet, or the server refused one): nothing here would do anything.
    const live = Boolean(f && s && state.connection.state !== "gone");
    for (const b of root.querySelectorAll("button")) if (!live) b.disabled = true;
    if (!live) return;
    for (const b of root.querySelectorAll("button:not([data-act=undo])")) b.disabled = false;
    useMeta(state.meta);
    showSettings(state.meta, f.learner);
    playing = f.playing;
    playBtn.setAttribute("aria-pressed", String(playing));
    const icon = playBtn.querySelector(".play-icon");
    if (icon.dataset.playing !== String(playing)) { icon.innerHTML = playing ? ICONS.pause : ICONS.play; icon.dataset.playing = String(playing); }
    root.classList.toggle("is-playing", playing);
    root.querySelector('[data-act="undo"]').disabled = f.undoLevels === 0;
    const configBatch = batchSetting(f, state.settings);
    const want = configBatch === null || configBatch >= (s.dataset?.n_train ?? Infinity) ? "full" : String(configBatch);
    if (s.dataset && (s.dataset.n_train !== nTrain || !batch.querySelector(`option[value="${want}"]`))) {
      nTrain = s.dataset.n_train;
      fillBatch(nTrain, configBatch);
    }
    if (document.activeElement !== lr && f.learningRate !== null) lr.value = String(f.learningRate);
    if (document.activeElement !== batch && batch.value !== want) batch.value = want;
    if (document.activeElement !== learner && f.learner) learner.value = f.learner;
    if (document.activeElement !== stepSize && f.stepSize) stepSize.value = String(Number(f.stepSize));
  }

  return { update, rate };
}

/** The server's batch size (frame metadata, "" = full batch); the config's before any frame says. */
function batchSetting(f, settings) {
  const b = f.batchSizeSetting;
  if (b === undefined) return settings.batch_size ?? null;
  return b === "" ? null : Number(b);
}
