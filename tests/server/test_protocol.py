"""Client messages (protocol.py): odd inputs are refused in words and change nothing."""

import pytest

from tests.server.live import Live, opened, run

HUGE = "9" * 400


def big(template: str) -> str:
    return template.replace("BIG", HUGE)


@pytest.mark.parametrize(
    "message,needle",
    [
        (big('{"type": "set", "name": "layers.0.weight", "index": [0, 0], "value": BIG}'),
         "set.value must be a finite number"),
        (big('{"type": "configure", "learning_rate": BIG}'), "must be a finite number"),
        (big('{"type": "play", "steps_per_second": BIG}'), "must be a finite number"),
        ("[" * 2000, "not JSON"),
        ('{"type": "set", "name": "layers.00.weight", "index": [0, 0], "value": 1}',
         "unknown parameter 'layers.00.weight'"),
        ('{"type": "lock", "name": "layers.\u00b2.weight", "locked": true}', "unknown parameter"),
    ],
)
def test_odd_inputs_get_an_error_and_keep_the_connection(live: Live, message: str,
                                                          needle: str) -> None:
    async def go() -> None:
        c, _, first = await opened(live, "xor")
        await c.send(message)
        err = await c.json()
        assert err["type"] == "error" and needle in err["message"], err
        await c.send({"type": "example", "index": 1})
        f = await c.frame(example="1")
        assert f.meta["undo_levels"] == "0" and f.cost == first.cost

    run(go())


def test_refused_steps_while_diverged_add_no_undo_levels(live: Live) -> None:
    async def go() -> None:
        c, _, _ = await opened(live, "sine", learning_rate=1e9)
        await c.send({"type": "step"})
        assert (await c.json())["reason"] == "diverged"
        f = await c.frame()
        levels = f.meta["undo_levels"]
        for kind in ("step", "phase", "play"):
            await c.send({"type": kind})
            err = await c.json()
            assert err["reason"] == "diverged" and err["request_type"] == kind, err
        await c.send({"type": "example", "index": 1})
        f = await c.frame(example="1")
        assert f.meta["undo_levels"] == levels

    run(go())
