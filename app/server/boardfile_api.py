"""REST routes for board files (docs/protocol.md, "REST"; the format: docs/boardfile.md).

Saving is open to anyone who may watch the board; restoring into a board needs its control
token and goes through the same import as `PUT state.safetensors` (one undo level, a frame to
every socket); opening a file as a new board is left to the normal `POST /api/sessions`, with
the config this module reads out of the file."""

from typing import Any

from fastapi import APIRouter, Request, Response

from dialboard.server import boardfile
from dialboard.server.boardfile import BoardFileError
from dialboard.server.refusals import Refusal
from dialboard.server.rest import REFUSALS, import_params, read_body, require_token, session_or_404

router = APIRouter(responses=REFUSALS)


@router.get("/api/sessions/{session_id}/board.safetensors")
async def save_board(request: Request, session_id: str) -> Response:
    s = session_or_404(request, session_id)
    name = boardfile.file_name(s.trainer)
    return Response(boardfile.save(s.trainer, s.config), media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.put("/api/sessions/{session_id}/board.safetensors")
async def restore_board(request: Request, session_id: str) -> dict[str, Any]:
    s = session_or_404(request, session_id)
    require_token(request, s)
    try:
        board = boardfile.read(await read_body(request))
        values = boardfile.fit(board.tensors, s.trainer.arch.layers)
    except BoardFileError as exc:
        raise Refusal(422, exc.words) from None
    import_params(s, values)
    return {"restored": sorted(board.tensors),
            "differences": boardfile.differences(board.config, s.config)}


@router.post("/api/board-files")
async def read_board(request: Request) -> dict[str, Any]:
    """What a board file holds, and the session config that opens it as a new board (null,
    with `new_board_refused` in words, when it cannot); nothing is kept."""
    try:
        board = boardfile.read(await read_body(request))
    except BoardFileError as exc:
        raise Refusal(422, exc.words) from None
    config, refused = None, None
    try:
        config = boardfile.new_board(board)
    except BoardFileError as exc:
        refused = exc.words
    return {"config": config, "new_board_refused": refused,
            "new_board_refused_words": refused and refused.as_json(),
            "layers": boardfile.layers_of(board.tensors), "torch": board.meta.get("torch"),
            "dataset": board.meta.get("dataset"), "step": board.meta.get("step")}
