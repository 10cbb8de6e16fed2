// The lesson panel (docs/lessons.md): a menu of lessons, and while one is open a card with the
// step's words, its task (checked on every frame), the highlighted regions, and Back/Next.
// A presenter's page sets each step's board up through the actions and tells the class where
// it is (`lesson` message); a viewer's page shows the step the server relays, read-only.

import { t } from "../lib/i18n.js";
import { escapeHtml } from "../lib/html.js";
import { lessonApi } from "../lib/lessonapi.js";
import { boardToOpen, runShown, setupMessages, taskMet } from "../lib/lesson.js";

export function createLesson(root, actions) {
  root.innerHTML = `
    <select class="lesson-menu presenter-only" data-testid="lesson-menu" aria-label="${escapeHtml(t("lesson.menu_title"))}"
      title="${escapeHtml(t("lesson.menu_title"))}"><option value="">${escapeHtml(t("lesson.menu"))}</option></select>
    <section class="lesson-panel" data-testid="lesson" aria-label="${escapeHtml(t("lesson.region"))}" hidden>
      <header class="lesson-head"><span class="lesson-name"></span><span class="lesson-count"></span>
        <button type="button" class="lesson-fold" data-testid="lesson-fold" aria-expanded="true"
          title="${escapeHtml(t("lesson.fold"))}" aria-label="${escapeHtml(t("lesson.fold"))}">▾</button>
        <button type="button" class="lesson-close" data-testid="lesson-close" title="${escapeHtml(t("lesson.close"))}"
          aria-label="${escapeHtml(t("lesson.close"))}">×</button></header>
      <h2 class="lesson-title" aria-live="polite"></h2>
      <p class="lesson-text"></p>
      <div class="lesson-task" data-testid="lesson-task" hidden><b>${escapeHtml(t("lesson.task"))}</b>
        <span class="lesson-task-text"></span><span class="lesson-task-state"></span></div>
      <footer class="lesson-nav">
        <span class="lesson-following">${escapeHtml(t("lesson.following"))}</span>
        <button type="button" class="lesson-back" data-testid="lesson-back">${escapeHtml(t("lesson.back"))}</button>
        <button type="button" class="lesson-next primary" data-testid="lesson-next">${escapeHtml(t("lesson.next"))}</button>
      </footer>
    </section>`;
  const $ = (sel) => root.querySelector(sel);
  const menu = $(".lesson-menu"), panel = $(".lesson-panel");
  let lesson = null, k = 0, store = actions.state();
  let shownBoard = null;   // {key, session}: the board this lesson opened last
  let ready = false;   // the step is set up: its task may be checked from `base` on
  let base = null, pending = null;   // the frame the task counts from; a wait on the frames
  let sent = "", busy = 0;

  lessonApi.list().then((list) => {
    if (Array.isArray(list)) for (const l of list) menu.add(new Option(l.title, l.id));
  });
  menu.addEventListener("change", () => { if (menu.value) open(menu.value, 0); menu.value = ""; });
  $(".lesson-close").addEventListener("click", () => close());
  $(".lesson-fold").addEventListener("click", () => fold(!panel.classList.contains("is-folded")));
  $(".lesson-back").addEventListener("click", () => back());
  $(".lesson-next").addEventListener("click", () => next());

  const presenting = () => !store.ui.readOnly;

  /** Folded, the card keeps its head, title and buttons: the board under it shows (a
   * student, who cannot close it, had 42% of a phone covered for the whole lesson). */
  function fold(folded) {
    panel.classList.toggle("is-folded", folded);
    const button = $(".lesson-fold"), words = t(folded ? "lesson.unfold" : "lesson.fold");
    button.setAttribute("aria-expanded", String(!folded));
    button.title = words;
    button.setAttribute("aria-label", words);
    button.textContent = folded ? "▴" : "▾";
  }

  async function open(id, step, follow = false) {
    const got = await lessonApi.lesson(id);
    if (got.error) { actions.toast(got.error); return false; }
    lesson = got;
    shownBoard = null;
    fold(false);
    const at = Math.min(step, lesson.steps.length - 1);
    // Opening a lesson enters its first step (its run included); a follower or a presenter
    // resuming mid-lesson only shows where the board already is.
    await show(at, !follow, !follow && at === 0);
    return true;
  }

  function close() {
    lesson = null;
    ready = false;
    highlight([]);
    render();
    if (presenting()) { actions.command({ type: "lesson" }); sent = ""; }
  }

  async function show(step, setUp, entering = false) {
    k = step;
    ready = false;
    base = null;
    const mine = ++busy;
    render();
    if (setUp && presenting()) await setUpStep(entering, mine);
    if (mine !== busy) return;
    ready = true;
    base = store.frame;   // the task counts from here
    const s = lesson.steps[k];
    if (!presenting()) follower(s);
    // Its top: the phase panel, taller than the side column, was shown by its foot, its strip
    // and heading scrolled away.
    document.getElementById(s.highlight?.[0])?.scrollIntoView({ block: "start" });
    announce();
    render();
  }

  /** A follower's page looks where the step looks: its dial selected, its zoom. */
  function follower(s) {
    if (s.select) actions.select({ name: s.select.name, index: s.select.index });
    // After the render the selection schedules, so the board zooms to the dial just chosen.
    if (s.zoom) requestAnimationFrame(() => (s.zoom === "selected" ? actions.zoomToSelected() : actions.zoomFit()));
  }

  /** The presenter's board for step k: opened if needed, then settings, locks, the run. */
  async function setUpStep(entering, mine) {
    const s = lesson.steps[k];
    const opening = boardToOpen(lesson, k, shownBoard, store.session?.id);
    if (opening) {
      const before = store.session?.id;
      const keys = Object.keys(opening.config);
      const error = await (keys.length === 1 && keys[0] === "preset"
        ? actions.openPreset(opening.config.preset) : actions.create(opening.config));
      if (error || mine !== busy) return;
      await frames((st) => st.session && st.session.id !== before && st.frame);
      shownBoard = { key: opening.key, session: store.session.id };
    }
    const before = store.frame;
    const setup = setupMessages(s, entering);
    for (const msg of setup) actions.command(msg);
    if (s.select) actions.select({ name: s.select.name, index: s.select.index });
    if (s.zoom === "selected") actions.zoomToSelected(); else if (s.zoom === "fit") actions.zoomFit();
    if (entering && s.run && before) await frames((st) => st.frame && runShown(s.run, before, st.frame, setup.length));
  }

  /** Resolves on the first state that `pred` accepts (checked on every render). */
  function frames(pred) {
    return new Promise((resolve) => { pending = { pred, resolve }; });
  }

  function next() {
    if (!lesson) return;
    if (k + 1 < lesson.steps.length) show(k + 1, true, true); else close();
  }

  function back() {
    if (lesson && k > 0) show(k - 1, true);
  }

  function highlight(regions) {
    for (const el of document.querySelectorAll(".lesson-focus")) el.classList.remove("lesson-focus");
    for (const id of regions) document.getElementById(id)?.classList.add("lesson-focus");
  }

  function render() {
    panel.hidden = !lesson;
    root.classList.toggle("is-open", Boolean(lesson));
    if (!lesson) return;
    const s = lesson.steps[k];
    $(".lesson-name").textContent = lesson.title;
    $(".lesson-count").textContent = t("lesson.step_of", { n: k + 1, count: lesson.steps.length });
    $(".lesson-title").textContent = s.title;
    $(".lesson-text").textContent = s.text;
    panel.dataset.lesson = lesson.id;
    panel.dataset.step = String(k);
    panel.dataset.ready = String(ready);
    panel.classList.toggle("is-following", !presenting());
    $(".lesson-back").disabled = k === 0;
    $(".lesson-next").textContent = t(k + 1 < lesson.steps.length ? "lesson.next" : "lesson.finish");
    highlight(s.highlight || []);
    renderTask(s.task);
  }

  function renderTask(task) {
    const box = $(".lesson-task");
    box.hidden = !task;
    if (!task) { panel.dataset.task = ""; return; }
    $(".lesson-task-text").textContent = task.text;
    const met = ready && base && taskMet(task.check, store?.frame, base);
    box.classList.toggle("is-met", Boolean(met));
    panel.dataset.task = met ? "met" : "open";
    $(".lesson-task-state").textContent = t(met ? "lesson.task_met" : "lesson.task_open");
  }

  /** The presenter's place goes to the class whenever it or the board changes. */
  function announce() {
    if (!presenting() || !lesson || !store.session || !store.frame) return;
    const key = `${store.session.id}|${lesson.id}|${k}`;
    if (key === sent) return;
    sent = key;
    actions.command({ type: "lesson", id: lesson.id, step: k });
  }

  return {
    update(state) {
      store = state;
      if (pending && pending.pred(state)) { const p = pending; pending = null; p.resolve(); }
      if (ready && !base && state.frame) base = state.frame;
      menu.hidden = state.ui.readOnly;   // the class follows; only the presenter chooses
      announce();
      if (lesson) renderTask(lesson.steps[k].task);
    },
    /** Opens a lesson (`/?lesson=ID`, a presenter) → whether it exists. */
    open: (id) => open(id, 0),
    /** A viewer follows the presenter's `lesson` message. */
    follow(id, step) {
      if (!id) { close(); return; }
      if (lesson?.id === id) show(step, false); else open(id, step, true);
    },
    isOpen: () => Boolean(lesson),
    next, back,
  };
}
