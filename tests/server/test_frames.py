"""State frames (frames.py) as viewers and the presenter receive them."""

import numpy as np

from tests.server.live import Client, Live, opened, run


def test_viewer_frames_keep_lock_masks_as_u8(live: Live) -> None:
    async def go() -> None:
        p, created, _ = await opened(live, "xor")
        v = await Client.connect(live, created["id"])
        await v.json()
        await p.send({"type": "lock", "name": "layers.0.bias", "locked": True})
        pf = await p.frame()
        assert pf["layers.0.bias.locked"].dtype == np.uint8
        f = await v.frame(version=pf.meta["version"])
        assert f.meta["precision"] == "f16"
        assert f["layers.0.bias.locked"].dtype == np.uint8
        assert f["layers.0.bias.locked"].tolist() == [1, 1]

    run(go())
