"""Hypothesis against a real websocket of a real server: odd, hostile and valid client messages.

Properties, for every message:
- the server keeps the connection open and answers the next message;
- every refusal is an `error` in words (a non-empty `message`, its `request_type` and a
  `reason`), never the server's "could not carry out" (that is a defect of ours);
- after a refusal (`reason: "rejected"`) the state is byte-identical and no undo level appeared.

"Byte-identical state" is taken as what the server would keep of the session: the storage
codec's bytes of the trainer's snapshot (parameters, locks, settings, step and phase, the
learner's momentum and random state, a step in progress, the diverged sentence: exactly what a
restart restores), plus the session's `version` (no frame for a refusal), the example on
display, and the undo levels (kind, key and time of each, so a level pushed past the limit of
200 is seen too) — and, from outside, `GET state.safetensors?grads=true`, byte for byte.
A `reason: "diverged"` refusal is excluded: by the protocol the board did change then.

One server, one session and one socket per test, all the examples on it, so the state the
messages meet grows with the run (locked dials, a diverged board, a step in progress…).
The socket lives on an event loop thread of its own: a Playwright test may hold the main
thread's loop, and the socket must outlive a single `run()`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialboard.server.protocol import CLIENT_MESSAGES, Rejected, validate
from dialboard.server.storage.codec import encode_snapshot
from tests.server.live import DEADLINE, Client, Live, live_server

T = TypeVar("T")
EXAMPLES = 400  # messages from the presenter
VIEWER_EXAMPLES = 80  # messages from a watching socket
MIN_GAP = 0.011  # seconds between fuzzed messages: under the 120 per second rate limit, so
# no valid message is refused (or a set coalesced) for speed, and the run is the same each time
DEFECT = "the server could not carry out this message"
# How many watch, who holds dials, how a race goes (to every socket): news, not replies.
NEWS = ("audience", "hands", "race")
PARAMS = {"layers.0.weight": [2, 2], "layers.0.bias": [2], "layers.1.weight": [1, 2],
          "layers.1.bias": [1]}  # the xor board


class LoopThread:
    """An event loop on a thread of its own, for a socket that lives across examples."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Awaitable[T]) -> T:
        async def wrap() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(DEADLINE)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(DEADLINE)
        self.loop.close()


class Board:
    """The live server, its xor session, and the presenter's socket on it."""

    def __init__(self, live: Live, loop: LoopThread, client: Client,
                 created: dict[str, Any]) -> None:
        self.live, self.loop, self.client, self.created = live, loop, client, created
        self.sid, self.token = created["id"], created["control_token"]
        self.http = httpx.Client(base_url=live.base, timeout=DEADLINE)
        self.last_sent = 0.0
        self.counts: dict[str, int] = {"sent": 0, "refused": 0, "diverged": 0, "accepted": 0}

    def state(self) -> tuple[bytes, tuple[Any, ...]]:
        """(the REST export with gradients and arrows, the server's own image of the session)."""
        r = self.http.get(f"/api/sessions/{self.sid}/state.safetensors", params={"grads": "true"})
        assert r.status_code == 200, r.text

        def image() -> tuple[Any, ...]:
            s = self.live.session(self.sid)
            meta, blob = encode_snapshot(s.trainer.snapshot())
            levels = tuple((lv.kind, repr(lv.key), lv.at) for lv in s.history.levels)
            return meta, blob, s.version, s.example, levels

        return r.content, self.live.call(image)

    def busy(self) -> bool:
        return bool(self.live.call(lambda: self.live.session(self.sid).busy))

    def exchange(self, wire: str | bytes, via: Client | None = None) -> list[dict[str, Any]]:
        """Send `wire` (on the presenter, or `via` another socket), then `control` with the
        token on the presenter (never rate limited, always answered, after everything sent
        before it); returns the JSON replies that came before that answer."""
        gap = self.last_sent + MIN_GAP - time.monotonic()
        if gap > 0:
            time.sleep(gap)
        self.last_sent = time.monotonic()

        async def go() -> list[dict[str, Any]]:
            await (via or self.client).send(wire)
            if via is not None:  # the other socket's reply comes first: wait for it
                await via.send({"type": "control", "token": "-"})
                await _until_denied(via, _is_control(wire))
            await self.client.send({"type": "control", "token": self.token})
            replies = []
            while True:
                m = await self.client.json()
                if m == {"type": "control", "granted": True}:
                    return replies
                if m.get("type") not in NEWS:
                    replies.append(m)

        return self.loop.call(go())

    def settle(self) -> None:
        """Stop a run the last message started (a long step or play): the next example
        meets a still board, so a refusal can be compared before and after."""
        if self.busy():
            replies = self.exchange(json.dumps({"type": "pause"}))
            # A run's own errors (it diverged) arrive in between; they are in words too.
            for m in replies:
                in_words(m)
            assert not self.busy()


def in_words(m: dict[str, Any]) -> None:
    assert m.get("type") == "error", f"an unexpected reply: {m!r}"
    text = m.get("message")
    assert isinstance(text, str) and text.strip(), f"a refusal without words: {m!r}"
    assert text != DEFECT, f"a defect of the server, not a refusal: {m!r}"
    assert m.get("reason") in ("rejected", "diverged"), m
    assert m.get("request_type") is None or isinstance(m["request_type"], str), m


# -- strategies ---------------------------------------------------------------------------------

ODD_STRINGS = ["NaN", "Infinity", "-Infinity", "1e309", "nan", "", " ", "0", "true", "null",
               "layers.0.weight", "\u0000", "é∂σ", "😀" * 3]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**400), 10**400),
    st.sampled_from([2**31, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**30]),
    st.floats(),  # NaN and ±Infinity too: json.dumps writes them as bare tokens
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_STRINGS), st.text(max_size=30), st.text(min_size=200, max_size=400),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def odd_or(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the field's own kind of value (to reach the handler), else anything."""
    return st.one_of(valid, valid, json_values)


names = st.sampled_from([*PARAMS, "layers.2.weight", "layers.0.weights", "layers.-1.bias",
                         "layers.01.bias", "cost", "", "layers.0.weight.grad"])
indices = st.one_of(st.lists(st.integers(-2, 3), max_size=3),
                    st.lists(st.sampled_from([2**31, 2**63, 10**20, -(2**63)]), min_size=1,
                             max_size=2),
                    st.lists(st.floats(0, 2), min_size=1, max_size=2),
                    st.lists(st.booleans(), min_size=1, max_size=2),
                    st.lists(st.lists(st.integers(0, 1), max_size=2), min_size=1, max_size=2))
small = st.floats(-10, 10)
FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "control": {"token": odd_or(st.text(max_size=40))},
    "step": {"count": odd_or(st.one_of(st.integers(-2, 4),
                                       st.sampled_from([0, 10**6, 10**6 + 1, 2**63])))},
    "phase": {},
    "play": {"steps_per_second": odd_or(st.one_of(st.none(), st.floats(-1, 2000),
                                                  st.sampled_from([0, 1e6, 1e6 + 1])))},
    "pause": {},
    "set": {"name": odd_or(names), "index": odd_or(indices),
            "value": odd_or(st.one_of(small, st.sampled_from([1e8, 1e9, -1e300, 0.0])))},
    "lock": {"name": odd_or(names), "index": odd_or(indices), "locked": odd_or(st.booleans())},
    "configure": {"learning_rate": odd_or(st.one_of(st.floats(-1, 10),
                                                    st.sampled_from([0, 1e300, 1e-300]))),
                  "batch_size": odd_or(st.one_of(st.none(), st.integers(-1, 6))),
                  "learner": odd_or(st.sampled_from(["gradient_descent", "trial_and_error",
                                                     "evolution", "adam", ""])),
                  "momentum": odd_or(st.floats(-1, 2)),
                  "weight_decay": odd_or(st.floats(-1, 2)),
                  "step_size": odd_or(st.floats(-1, 2))},
    "undo": {},
    "reset": {"seed": odd_or(st.one_of(st.integers(-3, 2**64), st.just(2**63 - 1)))},
    "example": {"index": odd_or(st.integers(-2, 6))},
}


@st.composite
def typed_messages(draw: st.DrawFn) -> dict[str, Any]:
    """A known type, any subset of its fields (missing ones too), sometimes a field too many."""
    kind = draw(st.sampled_from(sorted(FIELDS)))
    fields = FIELDS[kind]
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), unique=True)) if fields else []
    message: dict[str, Any] = {"type": kind}
    for name in chosen:
        message[name] = draw(fields[name])
    if draw(st.integers(0, 9)) == 0:
        message[draw(st.sampled_from(["extra", "Type", "value", "index", "count", ""]))] = draw(
            json_values)
    return message


@st.composite
def valid_messages(draw: st.DrawFn) -> dict[str, Any]:
    """Messages the server should carry out (on a board that allows them): they move the
    board into the states the odd ones then meet (locked, diverged, in a step, undone…)."""
    kind = draw(st.sampled_from(["step", "phase", "play", "set", "set", "set", "lock",
                                 "configure", "undo", "reset", "example"]))
    m: dict[str, Any] = {"type": kind}
    name = draw(st.sampled_from(sorted(PARAMS)))
    index = [draw(st.integers(0, n - 1)) for n in PARAMS[name]]
    if kind == "step":
        m["count"] = draw(st.sampled_from([1, 1, 2, 50]))
    elif kind == "play":
        m["steps_per_second"] = draw(st.sampled_from([None, 5.0, 1000.0]))
    elif kind == "set":
        m.update(name=name, index=index, value=draw(st.one_of(small, st.just(1e7))))
    elif kind == "lock":
        m.update(name=name, locked=draw(st.booleans()))
        if draw(st.booleans()):
            m["index"] = index
    elif kind == "configure":
        options = {"learning_rate": st.sampled_from([0.1, 1.0, 5.0, 1e3]),
                   "batch_size": st.sampled_from([None, 1, 2]),
                   "learner": st.sampled_from(["gradient_descent", "trial_and_error",
                                               "evolution"]),
                   "momentum": st.sampled_from([0.0, 0.9]),
                   "weight_decay": st.sampled_from([0.0, 0.01]),
                   "step_size": st.sampled_from([0.05, 0.5])}
        for key in draw(st.lists(st.sampled_from(sorted(options)), min_size=1, unique=True)):
            m[key] = draw(options[key])
    elif kind == "reset":
        if draw(st.booleans()):
            m["seed"] = draw(st.integers(0, 2**63 - 1))
    elif kind == "example":
        m["index"] = draw(st.integers(0, 3))
    return m


ints = st.one_of(st.integers(-3, 10),
                 st.sampled_from([2**63, -(2**63), 10**6, 10**6 + 1, 2**31, 10**30]))
numbers = st.one_of(st.floats(-2, 2), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0.0, -1.0, 1.0, 1e300, 1e-300, 1e8, 1e9, 2**53 + 1]))
WELL_TYPED: dict[str, st.SearchStrategy[Any]] = {
    "int": ints, "int?": st.one_of(st.none(), ints), "number": numbers,
    "number?": st.one_of(st.none(), numbers), "bool": st.booleans(),
    "index": st.one_of(st.lists(st.integers(-2, 3), min_size=1, max_size=2),
                       st.lists(ints, min_size=1, max_size=2)),
    "dials": st.lists(st.fixed_dictionaries({"name": names, "index": st.lists(
        st.integers(-2, 3), min_size=1, max_size=2)}), max_size=4),
}
STRINGS: dict[str, st.SearchStrategy[str]] = {
    "name": names, "token": st.text(max_size=40),
    "learner": st.sampled_from(["gradient_descent", "trial_and_error", "evolution", "adam",
                                "", "Evolution"]),
    # lesson ids: real ones (their steps then in and out of range), near misses, anything
    "id": st.sampled_from(["worked-example", "dial-board", "Worked-Example", ""])
    | st.text(max_size=30),
    "seat": st.sampled_from(["s" * 16, "s" * 15, "s" * 65, "seat with spaces!!"])
    | st.text(max_size=70),
    "mode": st.sampled_from(["none", "neuron", "chosen", "everyone", "all", ""]),
}


@st.composite
def well_typed_messages(draw: st.DrawFn) -> dict[str, Any]:
    """Every field of the right JSON kind (from the protocol's own table), the required ones
    all there: past validation, into the handlers, where values out of range, unknown names,
    wrong index lengths and impossible settings are refused."""
    kind = draw(st.sampled_from(sorted(CLIENT_MESSAGES)))
    m: dict[str, Any] = {"type": kind}
    for name, (field_kind, required) in sorted(CLIENT_MESSAGES[kind].fields.items()):
        if required or draw(st.booleans()):
            m[name] = draw(STRINGS[name] if field_kind == "str" else WELL_TYPED[field_kind])
    return m


other_json = st.one_of(
    st.fixed_dictionaries({"type": json_values}),  # unknown or odd types
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),  # no type at all
    json_values,  # not an object
)
wires: st.SearchStrategy[str | bytes] = st.one_of(
    valid_messages().map(json.dumps), valid_messages().map(json.dumps),
    valid_messages().map(json.dumps), valid_messages().map(json.dumps),
    well_typed_messages().map(json.dumps), well_typed_messages().map(json.dumps),
    well_typed_messages().map(json.dumps), well_typed_messages().map(json.dumps),
    typed_messages().map(json.dumps), typed_messages().map(json.dumps),
    other_json.map(json.dumps),
    st.sampled_from(["", "{", "[" * 5000, "{\"type\": \"step\"", "nul", "{'type': 'step'}",
                     json.dumps({"type": "set", "name": "layers.0.bias", "index": [0],
                                 "value": "x" * 5000})]),  # not JSON, too deep, too large
    st.text(max_size=50),
    st.binary(max_size=64),  # binary messages are refused, not read
)


# -- fixtures -----------------------------------------------------------------------------------

# Websocket pings draw their payload from the `random` module, and Hypothesis refuses a run
# in which `random` moved while it drew an example (another thread's ping did): no pings here.
QUIET = {"ping_interval": None}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Live, LoopThread]]:
    loop = LoopThread()
    try:
        with live_server(uvicorn_options={"ws_ping_interval": None}) as live:
            yield live, loop
    finally:
        loop.close()


async def _opened(live: Live) -> tuple[Client, dict[str, Any]]:
    """The xor board, its presenter's socket (without pings), in control."""
    created = live.create(preset="xor")
    client = await Client.connect(live, created["id"], **QUIET)
    assert (await client.json())["type"] == "hello"
    await client.frame()
    await client.control(created["control_token"])
    await client.frame()
    return client, created


@pytest.fixture(scope="module")
def presenter(server: tuple[Live, LoopThread]) -> Iterator[Board]:
    live, loop = server
    client, created = loop.call(_opened(live))
    board = Board(live, loop, client, created)
    yield board
    print(f"websocket fuzz, presenter: {board.counts}")
    loop.call(client.close())
    board.http.close()


# -- properties ---------------------------------------------------------------------------------

def check(board: Board, wire: str | bytes) -> None:
    board.settle()
    before = board.state()
    replies = board.exchange(wire)
    board.counts["sent"] += 1
    if _is_control(wire):  # a wrong token: denied, not refused (the sentinel grants again)
        assert replies == [{"type": "control", "granted": False}], replies
    else:
        for m in replies:
            in_words(m)
    reasons = {m.get("reason") for m in replies}
    if "diverged" in reasons:
        board.counts["diverged"] += 1
    elif "rejected" in reasons:
        board.counts["refused"] += 1
        assert not board.busy(), f"refused, yet training runs: {replies!r}"
        after = board.state()
        assert after[0] == before[0], f"the exported state changed after {replies!r}"
        assert after[1] == before[1], f"the session changed after {replies!r}"
    else:
        board.counts["accepted"] += 1


@given(wire=wires)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_presenter_messages_are_done_or_refused_in_words(presenter: Board,
                                                         wire: str | bytes) -> None:
    check(presenter, wire)


@given(wire=wires)
@settings(max_examples=VIEWER_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_a_watching_socket_changes_nothing(presenter: Board, viewer: Viewer,
                                           wire: str | bytes) -> None:
    """A viewer's messages: `control` with a wrong token is answered `granted: false`, every
    other is refused in words, and the state stays byte-identical."""
    presenter.settle()
    before = presenter.state()
    viewer.replies.clear()
    assert presenter.exchange(wire, via=viewer.client) == []  # nothing for the presenter
    presenter.counts["viewer"] = presenter.counts.get("viewer", 0) + 1
    for m in viewer.replies:
        if m.get("type") == "control":
            assert m == {"type": "control", "granted": False}
        else:
            in_words(m)
            assert m["reason"] == "rejected", m
    assert presenter.state() == before


class Viewer:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.replies: list[dict[str, Any]] = []


@pytest.fixture(scope="module")
def viewer(presenter: Board) -> Iterator[Viewer]:
    async def connect() -> Client:
        c = await Client.connect(presenter.live, presenter.sid, **QUIET)
        assert (await c.json())["type"] == "hello"
        return c

    v = Viewer(presenter.loop.call(connect()))
    _VIEWERS[id(v.client)] = v
    yield v
    presenter.loop.call(v.client.close())


_VIEWERS: dict[int, Viewer] = {}


def _is_control(wire: str | bytes) -> bool:
    """Whether the server takes `wire` as a valid `control` (answered, never an error)."""
    if not isinstance(wire, str):
        return False
    try:
        kind, _spec, _m = validate(json.loads(wire))
    except (Rejected, ValueError, RecursionError):
        return False
    return kind == "control"


async def _until_denied(client: Client, also_control: bool) -> None:
    """Read the viewer's replies up to the answer to its own `control` (the last of one or,
    when the fuzzed message was a `control` too, two `granted: false`)."""
    replies = _VIEWERS[id(client)].replies
    denied, wanted = 0, 2 if also_control else 1
    while denied < wanted:
        m = await client.json()
        if m == {"type": "control", "granted": False}:
            denied += 1
            if denied == wanted:
                return
        if m.get("type") not in NEWS:
            replies.append(m)
