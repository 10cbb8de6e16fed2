"""docs/protocol.md and app/server/protocol.py describe the same messages and fields."""

import re
from pathlib import Path

from dialboard.server.protocol import CLIENT_MESSAGES, SERVER_MESSAGES
from dialboard.server.session_config import FIELDS

DOC = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text()


def section(title: str) -> str:
    start = DOC.index(title)
    rest = DOC[start + len(title):]
    end = re.search(r"^### ", rest, re.M)
    return rest[: end.start()] if end else rest


def headed_types(text: str) -> set[str]:
    return set(re.findall(r"^#### `([a-z_]+)`", text, re.M))


def test_every_client_message_is_documented_and_every_documented_one_handled() -> None:
    assert headed_types(section("### Client → server")) == set(CLIENT_MESSAGES)


def test_every_server_message_is_documented() -> None:
    assert headed_types(section("### Server → client")) == set(SERVER_MESSAGES)


def test_every_field_of_every_client_message_is_documented() -> None:
    text = section("### Client → server")
    for kind, spec in CLIENT_MESSAGES.items():
        block = text[text.index(f"#### `{kind}`"):]
        block = block[: block.find("\n#### ", 1)]
        for field in spec.fields:
            assert f'"{field}"' in block, f"{kind}.{field} is not in docs/protocol.md"


def test_every_session_config_field_is_documented() -> None:
    table = section("### Session config")
    assert set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M)) == set(FIELDS)


def _frames() -> list[object]:
    """Frames of a board between steps and in every phase of a step, and of a trying learner."""
    from dialboard.server import frames
    from dialboard.server.session_config import build, resolve

    out = []
    for config in ({"preset": "circle", "batch_size": 8}, {"preset": "xor",
                                                           "learner": "trial_and_error"}):
        t = build(resolve(config), max_parameters=10_000)
        for _ in range(len(t.phases) + 1):
            out.append(frames.build(t, version=0, playing=False, example=0, undo_levels=0,
                                    history=[(0, 1.0)]))
            t.run_phase()
    return out


def test_every_frame_tensor_and_metadata_key_is_documented() -> None:
    text = section("#### state frame")
    for f in _frames():
        for key in f.metadata:  # type: ignore[attr-defined]
            assert f"`{key}`" in text, f"frame metadata {key!r} is not in docs/protocol.md"
        names = {*f.params, *f.grads, *f.extra}  # type: ignore[attr-defined]
        for name in names:
            generic = re.sub(r"^layers\.\d+\.(weight|bias)", "{name}", name)
            generic = re.sub(r"^layers\.\d+\.", "layers.{l}.", generic)
            assert generic == "{name}" or f"`{generic}`" in text, (
                f"frame tensor {name!r} ({generic}) is not in docs/protocol.md")
