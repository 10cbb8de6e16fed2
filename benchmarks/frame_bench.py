"""What a frame costs beside a training step, on the 625-20-20-10 digits-25x25 board.

    python benchmarks/frame_bench.py [--repeat 200]

Prints, in one run, as median milliseconds and as a multiple of the reference, the engine's
step alone: `next_update` (the arrows: the next step taken and put back); a whole frame of a
fresh state as built after a change (screen figures, slope, next update, example); the
screen's figures alone (cost, test cost, accuracies: what a playing board refreshes ≥ 10
times a second); a playing frame (figures known, arrows read from the step itself: the
step it rides on is timed apart); the encodings; and a step taken right after a frame,
which a full batch takes from the frame's cached pass (a saving, shown on its own row,
never subtracted). Each piece is timed alone, each repeat at a state the last step made.
"""

import argparse
import functools

from dialboard.blas import one_thread

one_thread()  # as the server does, before NumPy is first imported

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from statistics import median  # noqa: E402

from engine_bench import median_ms  # noqa: E402  (this folder: scripts run from it)

from dialboard.engine import Architecture, TrainConfig, Trainer, load_dataset  # noqa: E402
from dialboard.engine.lookahead import next_update, step_taken  # noqa: E402
from dialboard.server import frames  # noqa: E402


def timed(setup: Callable[[], object], fn: Callable[[], object], repeat: int) -> float:
    """Median ms of `fn` alone, `setup` (untimed) before each call."""
    times = []
    for _ in range(repeat):
        setup()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return median(times)


def pieces(t: Trainer, repeat: int) -> dict[str, float]:
    kw = {"version": 0, "example": 0, "undo_levels": 0, "history": [(0, 1.0)]}
    out = {"next_update": timed(t.step, lambda: next_update(t), repeat),
           "frame of a fresh state": timed(
               t.step, lambda: frames.build(t, playing=False, **kw), repeat),  # type: ignore
           "screen figures": timed(t.step, lambda: frames.figures(t), repeat)}
    fig = frames.figures(t)
    held: dict[str, frames.FrameData] = {}
    attach_ms: list[float] = []

    def playing() -> None:  # the runner's shown step, less the step itself
        held["f"] = frames.build(t, playing=True, screen=fig, arrows=False, **kw)  # type: ignore

    def attach() -> None:
        before = dict(t.net.params)
        t.step()
        t0 = time.perf_counter()
        frames.attach_update(held["f"], t, step_taken(t, before))
        attach_ms.append((time.perf_counter() - t0) * 1e3)

    def play_frame() -> None:
        playing()
        attach()

    build_ms = timed(lambda: None, playing, repeat)
    timed(lambda: None, play_frame, repeat)
    out["playing frame (figures known)"] = build_ms + median(attach_ms)
    f = frames.build(t, playing=False, **kw)  # type: ignore[arg-type]
    for precision, grads in (("f32", True), ("f16", True), ("f16", False)):
        label = f"encode {precision}{' with step data' if grads else ''}"
        out[label] = timed(f.encoded.clear, functools.partial(f.encode, precision, grads), repeat)

    def frame_then_step() -> None:
        t.step()
        frames.build(t, playing=False, **kw)  # type: ignore[arg-type]

    out["a step right after a frame"] = timed(frame_then_step, t.step, repeat)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    repeat = ap.parse_args().repeat
    data = load_dataset("digits-25x25", seed=0)
    arch = Architecture((625, 20, 20, 10), "sigmoid", "softmax", "cross_entropy")
    for batch in (32, None):
        t = Trainer(arch, data, TrainConfig(learning_rate=0.5, batch_size=batch), seed=0)
        t.step(5)
        step = median_ms(t.step, repeat)
        label = "full batch" if batch is None else f"batch {batch}"
        print(f"{label}: the engine's step alone {step:6.2f} ms (the reference)")
        for what, ms in pieces(t, repeat).items():
            print(f"    {what:<32}{ms:7.2f} ms  {ms / step:5.2f}× a step")


if __name__ == "__main__":
    main()
