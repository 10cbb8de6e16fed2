"""A Python client for notebooks and scripts: drive a board without knowing the wire.

    from dialboard.client import Board

    with Board.create("http://127.0.0.1:8000", preset="xor") as board:
        board.step(100)
        cost, weights = board.cost, board.params()["layers.0.weight"]

`Board` blocks until the server confirms each command; `AsyncBoard` is the same for asyncio.
Both speak docs/protocol.md: commands are the websocket messages of `dialboard.server.protocol`
(checked against its table before sending), arrays come from safetensors state frames.
"""

from dialboard.client.aio import AsyncBoard
from dialboard.client.frame import BoardError, Diverged, Frame, Refused
from dialboard.client.sync import Board

__all__ = ["AsyncBoard", "Board", "BoardError", "Diverged", "Frame", "Refused"]
