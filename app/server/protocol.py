"""The websocket protocol's message types, declared once (documented in docs/protocol.md).

Each client message type has its fields (name → kind, required?) and a handler. `dispatch`
validates a decoded message against the table before any handler runs, so a handler only
sees well-typed fields; engine refusals (ConfigError, DivergedError) become error replies.
"""

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from dialboard.engine import LEARNER_NAMES, ConfigError, DivergedError, Words
from dialboard.engine.errors import count
from dialboard.server import handout, i18n
from dialboard.server.hands import HandsError
from dialboard.server.history import Inverse
from dialboard.server.refusals import Refused, said, words_of
from dialboard.server.session import Session
from dialboard.server.timeline import TimelineError

PROTOCOL_VERSION = 1
MAX_STEP_COUNT = 1_000_000
SERVER_MESSAGES: tuple[str, ...] = ("hello", "control", "error", "audience", "moved", "lesson",
                                    "select", "hands", "race")


class Rejected(Exception):
    """A client message that cannot be carried out; its words go back to the client.
    `key` is a ``refusal.*`` key with its parameters, or Words (a sentence with no key yet is
    sent as said). `reason` is "diverged" when training diverged, else "rejected"."""

    def __init__(self, key: str, reason: str = "rejected", **params: object) -> None:
        keyed = isinstance(key, Words) or key.startswith("refusal.")
        self.words = said(key, **params) if keyed else said("refusal.as_said", text=key)
        super().__init__(self.words)
        self.reason = reason


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> bool:
    if not isinstance(v, int | float) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int too large for a float
        return False


KINDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "int": (_is_int, "a whole number"),
    "number": (_is_number, "a finite number"),
    "number?": (lambda v: v is None or _is_number(v), "a finite number or null"),
    "int?": (lambda v: v is None or _is_int(v), "a whole number or null"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "index": (lambda v: isinstance(v, list) and 1 <= len(v) <= 2 and all(map(_is_int, v)),
              "a list of one or two whole numbers"),
    "dials": (lambda v: isinstance(v, list) and all(
        isinstance(d, dict) and set(d) == {"name", "index"} and isinstance(d["name"], str)
        and KINDS["index"][0](d["index"]) for d in v), 'a list of {"name", "index"} dials'),
}

Handler = Callable[[Session, Any, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Message:
    fields: dict[str, tuple[str, bool]]  # name → (kind, required)
    handler: Handler
    needs_control: bool = True
    by_students: bool = False  # a student may send it for a dial handed to them (handout.py)


async def _control(s: Session, peer: Any, m: dict[str, Any]) -> None:
    peer.grant(m["token"])


async def _step(s: Session, peer: Any, m: dict[str, Any]) -> None:
    n = m.get("count", 1)
    if not 1 <= n <= MAX_STEP_COUNT:
        raise Rejected("refusal.step.count", limit=count(MAX_STEP_COUNT), count=n)
    _can_train(s)
    if n == 1:  # one step answers at once; more run in slices between yields
        with s.action("step"):
            s.trainer.step(n)
    else:
        s.start(n, None)


async def _phase(s: Session, peer: Any, m: dict[str, Any]) -> None:
    _can_train(s)
    with s.action("phase"):
        s.trainer.run_phase()


async def _play(s: Session, peer: Any, m: dict[str, Any]) -> None:
    rate = m.get("steps_per_second")
    if rate is not None and not 0 < rate <= 1e6:
        raise Rejected("refusal.play.rate", rate=rate)
    s.start(None, rate)


async def _pause(s: Session, peer: Any, m: dict[str, Any]) -> None:
    version = s.version
    await s.stop()
    # A run's end is already a new version (runner.run): a heavy board's quick, its slope
    # following. Another here would make the pause's frame wait for that slope.
    if s.version == version:
        s.changed()


# While training runs, each change records its inverse for undo (see Session.action).

async def _set(s: Session, peer: Any, m: dict[str, Any]) -> None:
    if not peer.controls:
        handout.student_turn(s, m)
        return
    _not_busy_unless_playing(s)
    t, name = s.trainer, m["name"]
    idx = t.index_of(name, m["index"])
    old = t.value(name, idx)
    with s.action("set", (name, idx), Inverse("set", name, idx, old)):
        t.set_value(name, m["index"], m["value"])


async def _lock(s: Session, peer: Any, m: dict[str, Any]) -> None:
    t, name = s.trainer, m["name"]
    t.arch.shape(name)  # an unknown name is refused before anything is recorded
    old = t.locks[name]
    with s.action("lock", None, Inverse("lock", name, mask=old)):
        t.set_locked(name, m.get("index"), m["locked"])


async def _configure(s: Session, peer: Any, m: dict[str, Any]) -> None:
    changes = {k: v for k, v in m.items() if k != "type"}
    if not changes:
        raise Rejected("refusal.configure.empty")
    t = s.trainer
    old = {k: getattr(t.config, k) for k in changes if hasattr(t.config, k)}
    with s.action("configure", None, Inverse("configure", settings=old)):
        t.configure(**changes)


async def _undo(s: Session, peer: Any, m: dict[str, Any]) -> None:
    _not_busy(s)
    s.undo()


async def _reset(s: Session, peer: Any, m: dict[str, Any]) -> None:
    seed = m.get("seed")
    if seed is not None and not 0 <= seed < 2**63:
        raise Rejected("refusal.reset.seed", seed=seed)
    await s.stop()
    with s.action("reset"):
        s.trainer.reset(seed)
    s.clear_history()


async def _example(s: Session, peer: Any, m: dict[str, Any]) -> None:
    s.set_example(m["index"])


async def _lesson(s: Session, peer: Any, m: dict[str, Any]) -> None:
    # Imported here: the lessons module reads this module's tables (the settings' kinds).
    from dialboard.server.lessons import lessons

    lesson_id, step = m.get("id"), m.get("step", 0)
    if lesson_id is None:
        s.show_lesson(None, 0)
        return
    known = lessons()
    if lesson_id not in known:
        raise Rejected("refusal.lesson.id", name=repr(lesson_id), known=", ".join(known))
    n_steps = len(known[lesson_id]["steps"])
    if not 0 <= step < n_steps:
        raise Rejected("refusal.lesson.step", last=n_steps - 1, name=lesson_id, step=step)
    s.show_lesson(lesson_id, step)


async def _race(s: Session, peer: Any, m: dict[str, Any]) -> None:
    from dialboard.server import race  # here: race imports the runner, which needs a session

    if m["type"] == "race_stop":
        await race.stop(s)
    else:
        await race.start(s, m)


async def _select(s: Session, peer: Any, m: dict[str, Any]) -> None:
    """The dial the presenter's panels explain, for the class's panels; the board is as it was."""
    idx = s.trainer.index_of(m["name"], m["index"])  # an unknown dial is refused
    s.show_selected(m["name"], [int(i) for i in idx])


async def _travel(s: Session, peer: Any, m: dict[str, Any]) -> None:
    """The board as it was at an earlier step (timeline.py); a scrub is one undo level."""
    _not_busy(s)
    with s.action("travel", "travel"):
        s.timeline.state_at(s.trainer, m["step"])


def _not_busy(s: Session) -> None:
    if s.busy:
        raise Rejected("refusal.busy")


def _can_train(s: Session) -> None:
    _not_busy(s)
    if s.trainer.diverged:  # refused before anything is recorded: no empty undo level
        raise Rejected(s.trainer.diverged, "diverged")


def _not_busy_unless_playing(s: Session) -> None:
    if s.busy and not s.playing:
        raise Rejected("refusal.long_step")


CLIENT_MESSAGES: dict[str, Message] = {
    "control": Message({"token": ("str", True)}, _control, needs_control=False),
    "step": Message({"count": ("int", False)}, _step),
    "phase": Message({}, _phase),
    "play": Message({"steps_per_second": ("number?", False)}, _play),
    "pause": Message({}, _pause),
    "set": Message({"name": ("str", True), "index": ("index", True), "value": ("number", True)},
                   _set, by_students=True),
    "lock": Message({"name": ("str", True), "index": ("index", False), "locked": ("bool", True)},
                    _lock),
    "configure": Message({"learning_rate": ("number", False), "batch_size": ("int?", False),
                          "learner": ("str", False), "momentum": ("number", False),
                          "weight_decay": ("number", False), "step_size": ("number", False)},
                         _configure),
    "undo": Message({}, _undo),
    "reset": Message({"seed": ("int", False)}, _reset),
    "example": Message({"index": ("int", True)}, _example),
    "lesson": Message({"id": ("str", False), "step": ("int", False)}, _lesson),
    "race": Message({"budget": ("int", False), "population": ("int", False),
                     "seed": ("int", False), **{n: ("number", False) for n in LEARNER_NAMES}},
                    _race),
    "race_stop": Message({}, _race),
    "seat": Message({"seat": ("str", True)}, handout.take_seat, needs_control=False),
    "hands": Message({"mode": ("str", False), "layer": ("int", False), "dials": ("dials", False),
                      "open": ("bool", False)}, handout.hand_out),
    "travel": Message({"step": ("int", True)}, _travel),
    "select": Message({"name": ("str", True), "index": ("index", True)}, _select),
}


def _kind_words(kind: str, english: str) -> Words:
    """What a field must be, in words: its ``refusal.kind.*`` key (a kind with no key yet is
    said in English)."""
    key = "refusal.kind." + kind.replace("?", "_or_null")
    return said(key) if key in i18n.table(i18n.DEFAULT) else said("refusal.as_said", text=english)


def validate(message: object) -> tuple[str, Message, dict[str, Any]]:
    if not isinstance(message, dict):
        raise Rejected("refusal.message.not_object")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in CLIENT_MESSAGES:
        raise Rejected("refusal.message.type", kind=repr(kind), known=", ".join(CLIENT_MESSAGES))
    spec = CLIENT_MESSAGES[kind]
    for name in message:
        if name != "type" and name not in spec.fields:
            raise Rejected("refusal.message.unknown_field", kind=kind, name=repr(name))
    for name, (field_kind, required) in spec.fields.items():
        if name not in message:
            if required:
                raise Rejected("refusal.message.needs_field", kind=kind, name=repr(name))
            continue
        check, words = KINDS[field_kind]
        if not check(message[name]):
            raise Rejected("refusal.message.field_kind", kind=kind, name=name,
                           rule=_kind_words(field_kind, words), value=repr(message[name]))
    return kind, spec, message


async def dispatch(session: Session, peer: Any, message: object) -> None:
    """Carry out one message; raises Rejected with words for the client."""
    _kind, spec, fields = validate(message)
    try:
        if spec.needs_control and not peer.controls:
            if not (spec.by_students and getattr(peer, "seat", None)):
                raise Rejected("refusal.watching")
            handout.check_turn(session, peer, fields)
        await spec.handler(session, peer, fields)
    except DivergedError as exc:
        raise Rejected(exc.words, "diverged") from None
    except (ConfigError, HandsError, TimelineError, Refused) as exc:
        raise Rejected(words_of(exc)) from None
