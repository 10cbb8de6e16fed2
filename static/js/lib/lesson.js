// A lesson's logic without the page (pure, tested under Node): the task checks, which step
// opened the board a step shows, and what a presenter's page sends to set a step up. The
// format is docs/lessons.md; the server checks every file against the same names
// (app/server/lessons.py: CONDITIONS; a test compares them with CHECKS below).

/** Each check: (wanted, frame, base) → met? `base` is the frame the step began from. */
export const CHECKS = {
  cost_below: (want, f) => Number.isFinite(f.cost) && f.cost < want,
  accuracy_at_least: (want, f) => Number.isFinite(f.accuracy) && f.accuracy >= want,
  steps_taken: (want, f, base) => f.step - (base?.step ?? f.step) >= want,
  phase: (want, f) => f.phase === want,
  cost_changed: (want, f, base) => (base != null && f.cost !== base.cost) === want,
};

/** Every condition of `check` holds on `frame` (since `base`, the step's first frame). */
export function taskMet(check, frame, base) {
  if (!check || !frame) return false;
  return Object.entries(check).every(([name, want]) => CHECKS[name]?.(want, frame, base) ?? false);
}

/** The index of the step whose `board` step k shows: the nearest at or before it. */
export function boardStep(steps, k) {
  for (let i = k; i >= 0; i--) if (steps[i].board) return i;
  return 0;
}

/** The board config to open, or null when the board shown (`shown`: {key, session}) serves.
 * `key` names the lesson's board step; a step marked `fresh` always opens anew. */
export function boardToOpen(lesson, k, shown, sessionId) {
  const b = boardStep(lesson.steps, k);
  const key = `${lesson.id}#${b}`;
  const same = shown && shown.key === key && shown.session === sessionId;
  return same && !lesson.steps[k].fresh ? null : { key, config: lesson.steps[b].board };
}

/** The socket messages that set step k up once its board is shown, in order; `entering`
 * is true when Next brought the presenter here (only then does the step's `run` run). */
export function setupMessages(step, entering) {
  const out = [];
  if (step.settings && Object.keys(step.settings).length) out.push({ type: "configure", ...step.settings });
  for (const lock of step.locks || []) out.push({ type: "lock", ...lock });
  if (entering && step.run?.phases) for (let i = 0; i < step.run.phases; i++) out.push({ type: "phase" });
  if (entering && step.run?.steps) out.push({ type: "step", count: step.run.steps });
  return out;
}

/** When the step's run has shown on the board: a frame `version` past every one of the
 * `sent` setup messages (each one the board takes is one version: its settings and locks
 * come before the phases, and their frame is not the run's), or the `steps` done and
 * training settled. */
export function runShown(run, before, frame, sent) {
  if (!run) return true;
  if (run.phases) return frame.version >= before.version + sent;
  return frame.step >= before.step + run.steps && frame.running !== "true";
}
