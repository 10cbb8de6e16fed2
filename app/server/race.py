"""The race on a board (issue 9, part 3): the presenter starts it, every viewer watches it.

The race runs on copies of the board (`dialboard.engine.race`), in slices between yields like
Play: it is the session's runner while it runs, so Play, steps and undo wait for it and Pause
stops it. Progress goes to every socket as the server's `race` message, only the points each
lane added since the last one (a lane's series only grows); a socket that joins gets the
whole race so far. When the race ends (its budget spent, or stopped), the board takes the
dials of the leader (the lowest training-set cost), as one undo level: undo returns the board
to the dials it started from, exactly.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from dialboard.engine import LEARNER_NAMES
from dialboard.engine.errors import count
from dialboard.engine.race import Lane, Race, Start
from dialboard.server.refusals import Refused
from dialboard.server.runner import IO_TURNS, SLICE_SECONDS
from dialboard.server.session import Session

logger = logging.getLogger(__name__)
BROADCAST_SECONDS = 0.2  # progress to the sockets at most this often
# Limits of the settings, served by /api/meta (`meta_entry`) so the page keeps no copy.
LIMITS: dict[str, tuple[int, int]] = {"budget": (1, 1_000_000), "population": (1, 100),
                                      "seed": (0, 2**63 - 1)}
DEFAULTS: dict[str, int] = {"budget": 1_000, "population": 10, "seed": 0}
RATE_MAX = 1e6  # a learning rate or step size above this is a typo, not a race
# The board's own setting each learner's rate stands for (its label and default).
RATE_SETTING: dict[str, str] = {"gradient_descent": "learning_rate",
                                "trial_and_error": "step_size", "evolution": "step_size"}
assert tuple(RATE_SETTING) == LEARNER_NAMES


@dataclass
class RaceRun:
    race: Race
    rates: dict[str, float]
    sent: dict[str, int] = field(default_factory=dict)  # points each lane has broadcast
    running: bool = True
    adopted: str | None = None  # the learner whose dials the board took


_RUNS: weakref.WeakKeyDictionary[Session, RaceRun] = weakref.WeakKeyDictionary()


def meta_entry() -> dict[str, Any]:
    """What the page needs to offer a race: the learners' settings, limits and defaults."""
    return {"learners": [{"name": n, "setting": RATE_SETTING[n]} for n in LEARNER_NAMES],
            "limits": {k: {"min": lo, "max": hi} for k, (lo, hi) in LIMITS.items()},
            "defaults": DEFAULTS, "rate_max": RATE_MAX}


def settings(m: dict[str, Any]) -> tuple[dict[str, float], int, int, int]:
    """(rates, budget, population, seed) of a `race` message; refused with words."""
    rates = {n: float(m[n]) for n in LEARNER_NAMES if n in m}
    if not rates:
        raise Refused("refusal.race.no_learner", known=", ".join(LEARNER_NAMES))
    for name, rate in rates.items():
        if not 0 < rate <= RATE_MAX:
            raise Refused("refusal.race.rate", name=name, most=f"{RATE_MAX:,.0f}",
                          rate=f"{rate:g}")
    values = {k: m.get(k, DEFAULTS[k]) for k in LIMITS}
    for key, (lo, hi) in LIMITS.items():
        if not lo <= values[key] <= hi:
            raise Refused("refusal.race.range", name=key, lo=count(lo), hi=count(hi),
                          value=count(values[key]))
    return rates, values["budget"], values["population"], values["seed"]


async def start(s: Session, m: dict[str, Any]) -> None:
    """Start a race from the board's dials; refused (nothing changed) while training runs."""
    rates, budget, population, seed = settings(m)
    if s.busy:
        raise Refused("refusal.race.busy")
    if s.trainer.diverged:
        raise Refused("refusal.race.diverged", why=s.trainer.diverged)
    run = RaceRun(Race(Start.of(s.trainer), rates, budget, population, seed), rates)
    _RUNS[s] = run
    # The race is the session's runner: Play, steps and undo wait for it; Pause stops it.
    s._runner = asyncio.get_running_loop().create_task(_run(s, run))
    s.changed()
    _broadcast(s, run)


async def stop(s: Session) -> None:
    """Stop the race running (the board takes its leader's dials), or forget the last one."""
    run = _RUNS.get(s)
    if run is None:
        raise Refused("refusal.race.none")
    if run.running:
        await s.stop()
        _finish(s, run)  # a task cancelled before it began never ran its own `finally`
        return
    del _RUNS[s]
    for peer in list(s.peers):
        peer.send_json({"type": "race", "race": None})


async def _run(s: Session, run: RaceRun) -> None:
    last = time.monotonic()
    try:
        while not run.race.done:
            run.race.advance(SLICE_SECONDS)
            if time.monotonic() - last >= BROADCAST_SECONDS:
                last = time.monotonic()
                _broadcast(s, run)
            for _ in range(IO_TURNS if s.peers else 1):
                await asyncio.sleep(0)
    except Exception:  # a defect of ours: the race ends where it is, the server goes on
        logger.exception("the race on board %s failed", s.id)
    finally:  # the budget spent, or stopped (Pause, reset, the board closing)
        _finish(s, run)


def _finish(s: Session, run: RaceRun) -> None:
    """Once: the lanes end where they are and the board takes the leader's dials, one undo
    level back to where the race began."""
    if not run.running:
        return
    run.race.stop()
    run.running = False
    lane = run.race.winner()
    run.adopted = lane.learner
    with s.action("race"):
        s.trainer.replace_params(dict[str, object](lane.params))
        s.origin = {"learner": lane.learner, "passes": _num(lane.passes),
                    "step": s.trainer.step_count}
    _broadcast(s, run)


def joined(s: Session) -> dict[str, Any] | None:
    """The whole race so far, for a socket that joins (None when there is none)."""
    run = _RUNS.get(s)
    return None if run is None else message(run, {})


def _broadcast(s: Session, run: RaceRun) -> None:
    msg = message(run, run.sent)
    run.sent = {x.learner: len(x.points) for x in run.race.lanes}
    for peer in list(s.peers):
        peer.send_json(msg)


def _num(x: float, digits: int = 6) -> float | None:
    return float(f"{x:.{digits}g}") if math.isfinite(x) else None


def _lane(x: Lane, rate: float, sent: int) -> dict[str, Any]:
    return {"learner": x.learner, "rate": rate, "from": sent, "done": x.done,
            "points": [[_num(p), _num(c), round(t, 4)] for p, c, t in x.points[sent:]],
            "passes": _num(x.passes), "seconds": round(x.seconds, 4),
            "diverged": x.diverged}


def message(run: RaceRun, sent: dict[str, int]) -> dict[str, Any]:
    """The server's `race`: the points each lane added after the `sent` first ones."""
    r = run.race
    margin = r.margin()
    return {"type": "race", "race": {
        "running": run.running, "done": not run.running, "budget": r.budget,
        "population": r.population, "seed": r.seed, "adopted": run.adopted,
        "lanes": [_lane(x, run.rates[x.learner], sent.get(x.learner, 0)) for x in r.lanes],
        "standings": [{"learner": st.learner, "cost": _num(st.cost), "passes": _num(st.passes),
                       "diverged": st.diverged} for st in r.standings()],
        "margin": None if margin is None else {"cost": _num(margin[0]),
                                               "passes": _num(margin[1])}}}
