"""State frames (frames.py) as viewers and the presenter receive them."""

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dialboard.server import frames
from tests.server.live import Client, Live, opened, run


def test_viewer_frames_keep_lock_masks_as_u8(live: Live) -> None:
    async def go() -> None:
        p, created, _ = await opened(live, "digits-625")   # a big board: its viewers' F16
        v = await Client.connect(live, created["id"])
        await v.json()
        await p.send({"type": "lock", "name": "layers.0.bias", "locked": True})
        pf = await p.frame()
        assert pf["layers.0.bias.locked"].dtype == np.uint8
        f = await v.frame(version=pf.meta["version"])
        assert f.meta["precision"] == "f16"
        assert f["layers.0.bias.locked"].dtype == np.uint8
        assert f["layers.0.bias.locked"].tolist() == [1] * 20

    run(go())


@settings(deadline=None, derandomize=True, database=None, max_examples=300)
@given(st.lists(st.one_of(st.tuples(st.integers(0, 6), st.sampled_from([0.5, 0.25, 1.0]),
                                    st.booleans()), st.none()), max_size=60))
@example([(0, 0.5, True), (1, 0.25, True), (2, 1.0, True), (1, 1.0, False), (2, 1.0, True)])
@example([(0, 0.5, False), (1, 0.25, True), None, (0, 1.0, False), (1, 0.25, True)])
def test_the_chart_arrays_follow_every_change_of_the_history(
        changes: list[tuple[int, float, bool] | None]) -> None:
    """The cached arrays against arrays made afresh, after additions (steps may go back, as
    after an undo, and repeat a point taken out: the examples keep length and last point)
    and clearing (reset), looked at after some changes only, as frames are built."""
    chart, history = frames.Chart(), []
    for change in changes:
        if change is None:
            chart.clear(history)
            continue
        step, cost, look = change
        chart.add(history, step, cost)
        if look:
            steps, costs = chart.arrays(history)
            fresh = frames.chart_arrays(history)
            np.testing.assert_array_equal(steps, fresh[0])
            np.testing.assert_array_equal(costs, fresh[1])
