"""Running a session (session.py): background runs, play and pause, through a real socket."""

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
