"""What a frame costs beside a training step, on the 625-20-20-10 digits-25x25 board.

    python benchmarks/frame_bench.py [--repeat 200]

Prints, in one run: the bare engine step (the reference), `next_update` (the arrows: the
next step taken and put back), and a whole frame build (screen cost and slope, next update,
the example on display), each as median milliseconds and as a multiple of the step.
"""

import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from engine_bench import median_ms  # noqa: E402  (this folder: scripts run from it)

from dialboard.engine import Architecture, TrainConfig, Trainer, load_dataset  # noqa: E402
from dialboard.engine.lookahead import next_update  # noqa: E402
from dialboard.server import frames  # noqa: E402


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
        look = median_ms(lambda t=t: next_update(t), repeat)  # type: ignore[misc]

        def build(t: Trainer = t) -> None:
            t.step()  # a new state each time, as while playing: nothing is cached
            frames.build(t, version=0, playing=True, example=0, undo_levels=0,
                         history=[(0, 1.0)])

        frame = median_ms(build, repeat) - step
        label = "full batch" if batch is None else f"batch {batch}"
        print(f"{label:>10}: step {step:6.2f} ms | next_update {look:6.2f} ms "
              f"({look / step:4.2f}× a step) | frame build {frame:6.2f} ms "
              f"({frame / step:4.2f}× a step)")


if __name__ == "__main__":
    main()
