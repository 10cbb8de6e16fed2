"""A playing board's screen figures, made beside training: by a real helper process, the very
numbers the trainer's own screens give (bit for bit); and how a session's Watch uses them
(asked while playing, dropped after a change, made here when they cannot come)."""

import asyncio
import fcntl
import math
import os
import signal
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dialboard.engine import Dataset, Trainer, cores
from dialboard.server import frames, idle
from dialboard.server.child import pack
from dialboard.server.figurer import GIVE_UP_SECONDS, Done, Inline, Job, Measure, Watch, measure
from dialboard.server.figures_proc import (
    HELD_DATASETS,
    MADE_HERE_WORK,
    Helper,
    answer,
    figures_work,
)
from dialboard.server.session_config import build, resolve
from tests.server.live import run

F_GETPIPE_SZ = 1032  # Linux's fcntl for a pipe's size


def trainer(preset: str, steps: int = 5, **more: object) -> Trainer:
    t = build(resolve({"preset": preset, **more}), max_parameters=10**7)
    for _ in range(steps):
        t.step()
    return t


def job(t: Trainer) -> Job:
    return Job(t.arch, dict(t.net.params), t.data)


def same(m: Measure, fig: frames.Figures) -> bool:
    """Equal to the last bit (None where the board has none)."""
    theirs = (fig.cost, fig.test_cost, fig.accuracy, fig.test_accuracy)
    return all((a is None and b is None) or (a is not None and b is not None and
                                               np.float64(a).tobytes() == np.float64(b).tobytes())
               for a, b in zip(m, theirs, strict=True))


@pytest.mark.parametrize("preset", ["digits-625", "sine", "xor"])  # tests; regression; no tests
def test_measure_is_the_trainers_own_figures(preset: str) -> None:
    t = trainer(preset)
    m = measure(job(t))
    assert same(m, frames.figures(t))
    assert (m[2] is None) == (preset == "sine") and (m[1] is None) == (t.test_screen.n == 0)


def asked(helper: Helper, j: Job) -> "asyncio.Future[Measure | None]":
    out: asyncio.Future[Measure | None] = asyncio.get_running_loop().create_future()
    assert helper.ask(j, out.set_result)
    return out


def test_the_helper_process_gives_the_same_figures_to_the_last_bit() -> None:
    boards = [trainer(p, steps=k) for p, k in (("digits-625", 3), ("sine", 7), ("xor", 2))]

    async def go() -> None:
        helper = Helper(judge=False)
        try:
            assert not helper.ask(job(boards[0]), lambda m: None)  # starting: made here
            assert await helper.ready()
            answers = await asyncio.gather(*(asked(helper, job(t)) for t in boards))
            for m, t in zip(answers, boards, strict=True):
                assert m is not None and same(m, frames.figures(t))
        finally:
            await helper.close()

    run(go())


def test_the_helper_process_gives_way_to_the_boards_own_work() -> None:
    """Its figures refresh a playing board's screen, beside training: when the cores are
    busy, another board's step and the web process's sockets go first."""
    async def go() -> None:
        helper = Helper(judge=False)
        try:
            assert await helper.ready()
            assert await asked(helper, job(trainer("xor"))) is not None  # its main runs
            assert helper._proc is not None
            assert os.getpriority(os.PRIO_PROCESS, helper._proc.pid) == max(
                cores.HELPER_NICE, os.getpriority(os.PRIO_PROCESS, 0))
        finally:
            await helper.close()

    run(go())


def test_the_helper_s_pipes_hold_a_whole_job() -> None:
    """A job (one step's parameters, 105 KB on the 625 board) is written at once, not in
    pieces each a turn of the training process's event loop."""
    t = trainer("digits-625", steps=1)

    async def go() -> None:
        helper = Helper(judge=False)
        try:
            assert await helper.ready()
            assert await asked(helper, job(t)) is not None  # its main has run
            assert helper._proc is not None
            whole = len(pack(("job", 1, 1, t.arch, job(t).params)))
            for n in (0, 1):  # its input and output, as the child holds them
                fd = os.open(f"/proc/{helper._proc.pid}/fd/{n}", os.O_RDONLY | os.O_NONBLOCK)
                try:
                    assert fcntl.fcntl(fd, F_GETPIPE_SZ) >= whole
                finally:
                    os.close(fd)
        finally:
            await helper.close()

    run(go())


@pytest.mark.parametrize(("idle_share", "cores_", "pays"), [
    (None, 2, True), (0.1, 2, False), (0.2, 2, True), (0.05, 8, True)])
def test_the_helper_is_asked_only_with_a_core_to_spare(
        monkeypatch: pytest.MonkeyPatch, idle_share: float | None, cores_: int,
        pays: bool) -> None:
    """On a full machine (other boards training) the figures cost the training less made in
    its own process than carried to a helper; unknown (no /proc, no window yet): asked."""
    monkeypatch.setattr(idle, "CORES", cores_)
    helper, light = Helper(), job(trainer("digits-625", steps=0))
    helper._idle = lambda: idle_share  # type: ignore[assignment]
    assert figures_work(light) <= MADE_HERE_WORK
    assert helper.pays(light) is pays
    assert Helper(judge=False).pays(light) is True


def test_a_long_job_goes_to_the_helper_however_full_the_machine() -> None:
    """Issue 12's heavy board ([625, 380, 10] on digits-25x25): its figures, some 25 ms,
    made in the training process would hold up the other boards and sockets there."""
    heavy = job(trainer("digits-625", steps=0, layers=[625, 380, 10]))
    assert figures_work(heavy) > MADE_HERE_WORK
    helper = Helper()
    helper._idle = lambda: 0.0  # type: ignore[assignment]
    assert helper.pays(heavy) is True


def test_a_helper_on_a_full_machine_is_sent_nothing() -> None:
    """Refused, the job never crosses: the Watch makes the figures here
    (test_figures_that_cannot_come_are_made_here), and no answer comes later."""
    t = trainer("digits-625", steps=1)

    async def go() -> None:
        helper = Helper()
        try:
            assert await helper.ready()
            helper._idle = lambda: 0.0  # type: ignore[assignment]
            sent: list[object] = []
            helper.write = lambda *message: sent.append(message)  # type: ignore[method-assign]
            assert not helper.ask(job(t), lambda m: sent.append(m))
            assert not sent and not helper._asked
            helper._idle = lambda: 1.0  # type: ignore[assignment]
            del helper.write  # its own again
            assert await asked(helper, job(t)) is not None
        finally:
            await helper.close()

    run(go())


def test_a_dataset_the_helper_let_go_is_sent_again() -> None:
    sizes = [trainer("circle", steps=0, seed=s) for s in range(HELD_DATASETS + 1)]

    async def go() -> None:
        helper = Helper(judge=False)
        try:
            assert await helper.ready()
            for t in [*sizes, sizes[0]]:  # the first was dropped for the last
                m = await asked(helper, job(t))
                assert m is not None and same(m, frames.figures(t))
        finally:
            await helper.close()

    run(go())
    held: OrderedDict[int, Dataset] = OrderedDict()
    for key in range(HELD_DATASETS + 1):
        assert answer(("data", key, sizes[0].data), held) is None
    assert list(held) == list(range(1, HELD_DATASETS + 1))
    assert answer(("job", 7, 0, sizes[0].arch, {}), held) == ("unknown", 7)


def test_a_helper_that_dies_is_replaced_and_its_jobs_come_back_empty() -> None:
    t = trainer("digits-625", steps=1)

    async def go() -> None:
        helper = Helper(judge=False)
        helper.restart_after = 0.0
        try:
            assert await helper.ready()
            assert helper._proc is not None
            os.kill(helper._proc.pid, signal.SIGKILL)
            assert await asked(helper, job(t)) is None  # lost with it: made here instead
            assert not helper.ask(job(t), lambda m: None)  # gone: made here, restarting
            assert await helper.ready()
            m = await asked(helper, job(t))
            assert m is not None and same(m, frames.figures(t))
        finally:
            await helper.close()

    run(go())


class Held:
    """A figurer that answers when told."""

    def __init__(self, takes: bool = True) -> None:
        self.takes, self.jobs = takes, list[tuple[Job, Done]]()

    def ask(self, job: Job, done: Done) -> bool:
        if self.takes:
            self.jobs.append((job, done))
        return self.takes

    async def close(self) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


Watched = tuple[Trainer, Held, Watch, Clock, list[frames.Figures]]


@pytest.fixture
def watched() -> Iterator[Watched]:
    t, held, clock = trainer("digits", steps=2), Held(), Clock()
    added: list[frames.Figures] = []
    yield t, held, Watch(held, 0.08, added.append, clock), clock, added


def test_playing_figures_are_asked_and_come_named_by_their_step(watched: Watched) -> None:
    t, held, w, clock, added = watched
    w.get(t, fresh=False)  # none yet: made here, of the state now
    clock.now += 1
    first = w.get(t, fresh=False)  # the trainer's screens hold them: made here, not asked
    assert first.at == clock.now and not held.jobs
    assert first.step == 2 and same(measure(job(t)), first) and added[-1] is first
    t.step()
    clock.now += 0.05
    assert w.get(t, fresh=False) is first and not held.jobs  # recent enough
    clock.now += 0.05
    assert w.get(t, fresh=False) is first and len(held.jobs) == 1  # asked; the last stay
    asked_params = held.jobs[0][0].params
    t.step()
    assert w.get(t, fresh=False) is first and len(held.jobs) == 1  # one at a time
    held.jobs[0][1](measure(held.jobs[0][0]))
    got = w.get(t, fresh=False)
    assert got.step == 3 and added[-1] is got and got.at == clock.now
    assert got.cost == measure(Job(t.arch, asked_params, t.data))[0]
    fresh = w.get(t, fresh=True)
    assert fresh.step == 4 and same(measure(job(t)), fresh)


def asked_once(watched: Watched) -> None:
    """Figures made here, a step (the screens' caches are of the state before it), and the
    next asked of the figurer once they are old."""
    t, held, w, clock, _ = watched
    w.get(t, fresh=False)
    t.step()
    clock.now += 1
    w.get(t, fresh=False)
    assert len(held.jobs) == 1


def test_an_answer_from_before_a_change_is_dropped(watched: Watched) -> None:
    _, held, w, _, added = watched
    asked_once(watched)
    w.forget()  # a hand turn
    held.jobs[0][1](measure(held.jobs[0][0]))
    assert w.last is None and len(added) == 1


def test_figures_that_cannot_come_are_made_here(watched: Watched) -> None:
    t, held, w, clock, _ = watched
    w.get(t, fresh=False)
    held.takes = False
    t.step()
    clock.now += 1
    assert w.get(t, fresh=False).step == 3  # refused: made here
    held.takes = True
    t.step()
    clock.now += 1
    assert w.get(t, fresh=False).step == 3 and len(held.jobs) == 1
    clock.now += GIVE_UP_SECONDS / 2
    assert w.get(t, fresh=False).step == 3  # still on their way
    clock.now += GIVE_UP_SECONDS
    assert w.get(t, fresh=False).step == 4  # given up: made here
    held.jobs[0][1](measure(held.jobs[0][0]))  # too late: dropped
    assert w.last is not None and w.last.step == 4
    t.step()
    clock.now += 1
    w.get(t, fresh=False)
    held.jobs[1][1](None)  # the helper died: the next are asked again (or made here)
    assert w.last.step == 4 and w.get(t, fresh=False).step == 4 and len(held.jobs) == 3


def test_a_cost_that_is_not_finite_is_left_to_the_trainer(watched: Watched) -> None:
    _, held, w, _, added = watched
    asked_once(watched)
    held.jobs[0][1]((math.inf, None, 0.1, None))
    assert w.last is None  # the next frame asks the trainer, which stops a diverged run
    assert len(added) == 1


def test_inline_answers_one_loop_turn_later() -> None:
    t = trainer("xor", steps=1)
    with ThreadPoolExecutor(1) as pool:  # a thread without a loop: made by the caller
        assert not pool.submit(Inline().ask, job(t), lambda m: None).result()

    async def go() -> None:
        got: list[Measure | None] = []
        assert Inline().ask(job(t), got.append)
        assert got == []
        await asyncio.sleep(0)
        assert got == [measure(job(t))]

    run(go())


def test_a_closed_helper_starts_no_other_even_when_closed_while_starting() -> None:
    t = trainer("xor", steps=1)

    async def go() -> None:
        helper = Helper(judge=False)
        helper.restart_after = 0.0
        assert not helper.ask(job(t), lambda m: None)  # its start is under way
        await helper.close()  # waits for the start, then stops what it started
        assert helper._reader is not None and helper._reader.done() and helper._proc is None
        assert not helper.ask(job(t), lambda m: None)
        assert not await helper.ready()  # and none was started

    run(go())


def test_a_closed_helper_exits_of_itself_and_is_reaped_once() -> None:
    # Its output ends as it exits: killing it then (Popen.poll) would reap it under asyncio's
    # child watcher, which logs an unknown child and reports 255.
    t = trainer("xor", steps=1)

    async def go() -> list[int | None]:
        codes = []
        for _ in range(8):
            helper = Helper(judge=False)
            assert await helper.ready()
            proc = helper._proc
            assert proc is not None and await asked(helper, job(t)) is not None
            await helper.close()
            codes.append(proc.returncode)
        return codes

    assert run(go()) == [0] * 8
