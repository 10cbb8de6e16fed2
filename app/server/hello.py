"""`hello`: the first message every socket hears, what the board is (docs/protocol.md)."""

from typing import Any

from dialboard.server import protocol
from dialboard.server.session import Session

MAX_POINTS_INPUTS = 2  # datasets drawn as points (2-D toys, 1-D regression) offer them


def hello(session: Session) -> dict[str, Any]:
    t, d = session.trainer, session.trainer.data
    return {
        "type": "hello", "protocol": protocol.PROTOCOL_VERSION, "session": session.id,
        "config": session.config, "role": "viewer", "phases": list(t.phases),
        "parameters": [{"name": n, "shape": list(t.arch.shape(n))} for n in t.arch.parameter_names],
        "dataset": {"name": d.name, "task": d.task, "input_shape": list(d.input_shape),
                    "class_names": list(d.class_names), "n_train": int(d.x_train.shape[0]),
                    "n_test": int(d.x_test.shape[0]),
                    **({"points_url": f"/api/sessions/{session.id}/dataset"}
                       if d.n_in <= MAX_POINTS_INPUTS else {}),
                    **({"grid": dict(zip("xy", map(list, session.grid.axes), strict=False))}
                       if session.grid is not None else {})},
    }
