"""Running a session (session.py): background runs, play and pause, through a real socket."""

import numpy as np

from tests.server.live import Live, opened, run


def test_play_during_a_long_step_is_refused(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "digits-625")
        await c.send({"type": "step", "count": 1_000_000})
        await c.send({"type": "play", "steps_per_second": 2})
        err = await c.json()
        assert err["type"] == "error" and "pause first" in err["message"], err
        assert err["request_type"] == "play"
        await c.send({"type": "pause"})
        f = await c.frame(running="false")
        assert 0 <= f.step < 1_000_000  # the long step was running, and pause stopped it

    run(go())


def test_a_slow_play_sends_frames_only_when_it_steps(live: Live) -> None:
    """At 4 steps a second the runner wakes about five times per step: each wake that does
    not step must not count as a change, so every frame while playing shows a new step."""

    async def go() -> None:
        c, _, _ = await opened(live, "xor")
        await c.send({"type": "play", "steps_per_second": 4})
        f = await c.frame(playing="true")
        steps = [f.step]
        while len(steps) < 6:
            f = await c.frame()
            assert f.meta["playing"] == "true"
            assert f.step > steps[-1], f"a frame without a step: {steps} then {f.step}"
            steps.append(f.step)
        await c.send({"type": "pause"})
        await c.frame(playing="false")

    run(go())


def test_a_long_step_runs_in_the_background_and_pause_interrupts_it(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "digits-625")
        other, _, _ = await opened(live, "xor")
        await c.send({"type": "step", "count": 1_000_000})
        f = await c.frame()  # the run has begun and shows its progress ...
        while f.step == 0:
            f = await c.frame()
        assert f.step < 1_000_000 and f.meta["running"] == "true"
        await other.send({"type": "step"})  # ... and another session is served meanwhile
        await other.frame(step="1")
        f = await c.frame()  # the run goes on after that
        assert 0 < f.step < 1_000_000 and f.meta["running"] == "true"
        await c.send({"type": "pause"})
        f = await c.frame(running="false")
        assert 0 < f.step < 1_000_000

    run(go())


def test_play_streams_and_pause_stops(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "xor")
        await c.send({"type": "play"})
        f = await c.frame(playing="true")
        steps = [f.step]
        while len(steps) < 20:  # frame after frame, each a newer step
            f = await c.frame()
            assert f.step > steps[-1], steps
            steps.append(f.step)
        await c.send({"type": "pause"})
        f = await c.frame(playing="false")
        step = f.step
        # Nothing runs after the pause: a later message's frame still shows that step.
        await c.send({"type": "example", "index": 3})
        f = await c.frame(example="3")
        assert f.step == step and f.meta["playing"] == "false"

    run(go())


def test_a_try_on_the_dials_never_enters_the_chart(live: Live) -> None:
    """Trial and error and evolution put a try on the dials, weigh it, then keep it or take it
    back. The screen's figures of the try replaced the step's point in the chart: stepping
    phase by phase charted step 0 at the try's cost (0.1284 for XOR's 0.1271) and drew
    another chart than whole steps did."""

    async def chart_after(learner: str, by_phase: bool) -> list[tuple[int, float]]:
        c, _, first = await opened(live, "xor", learner=learner)
        for step in (1, 2, 3):
            if by_phase:
                for phase in first.meta["phases"].split(","):
                    await c.send({"type": "phase"})
                    f = await c.frame(phase=phase)
                    hist = list(zip(f["history.step"], f["history.cost"], strict=True))
                    assert hist[0] == (0, np.float32(first.cost)), (phase, hist)   # F32 chart
                assert f.step == step
            else:
                await c.send({"type": "step"})
                f = await c.frame(step=str(step))
        await c.close()
        return [(int(s), float(v)) for s, v in zip(f["history.step"], f["history.cost"],
                                                   strict=True)]

    async def go() -> None:
        for learner in ("trial_and_error", "evolution"):
            whole = await chart_after(learner, by_phase=False)
            phased = await chart_after(learner, by_phase=True)
            assert len(whole) == 4 and phased == whole, (learner, whole, phased)

    run(go())


def test_the_screen_shows_a_try_s_cost_only_once_a_phase_has_weighed_it(live: Live) -> None:
    """After `nudge` the try is on the dials, and the phase panel says its cost is not
    computed yet: the screen showed it all the same (0.1284 on XOR, before `cost` weighed it).
    Until then the screen's figures are the dials' before the try, and say so."""

    async def go() -> None:
        for learner in ("trial_and_error", "evolution"):
            c, _, first = await opened(live, "xor", learner=learner)
            assert first.meta["cost_before_try"] == "false"
            await c.send({"type": "phase"})
            nudged = await c.frame(phase="nudge")
            assert nudged.meta["cost_before_try"] == "true" and nudged.meta["trial_cost"] == ""
            assert nudged.cost == first.cost == float(nudged.meta["base_cost"])
            assert nudged.meta["accuracy"] == first.meta["accuracy"]
            await c.send({"type": "phase"})
            weighed = await c.frame(phase="cost")
            assert weighed.meta["cost_before_try"] == "false"
            assert weighed.cost == float(weighed.meta["trial_cost"]) != first.cost
            await c.send({"type": "undo"})   # back to the try on the dials, unweighed
            again = await c.frame(phase="nudge")
            assert again.meta["cost_before_try"] == "true" and again.cost == first.cost
            await c.close()

    run(go())
