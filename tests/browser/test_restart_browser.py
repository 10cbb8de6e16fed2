"""A server restart mid-lesson: the presenter and the viewers find the same board again by
themselves, keep control, and undo still works (sessions stored in a real SQLite file)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from browser_helpers import (
    ARTIFACTS,
    REPO_ROOT,
    TIMEOUT_MS,
    Server,
    open_board,
    session_id,
    wait_step,
)

from tests.server_process import start_server


class StoringServer(Server):
    """A server that keeps its sessions in `data_dir` across restarts."""

    def __init__(self, name: str, data_dir: Path) -> None:
        super().__init__(name)
        self.data_dir = data_dir

    def start(self) -> None:
        import os

        env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
        env["DIALBOARD_DATA_DIR"] = str(self.data_dir)
        ARTIFACTS.mkdir(exist_ok=True)
        self.process = start_server(
            [sys.executable, "-m", "dialboard", "--port", str(self.port)],
            cwd=REPO_ROOT, env=env, port=self.port, log_path=self.log_path,
        )


def test_a_restart_mid_lesson_loses_nothing(browser: Any, errors: Any, tmp_path: Path) -> None:
    # While the server is away Chromium logs the refused connections.
    for expected in ("WebSocket connection to", "ERR_CONNECTION_REFUSED"):
        errors.allow(expected)
    srv = StoringServer("restart", tmp_path)
    srv.start()
    pages = []
    try:
        for label in ("presenter", "viewer"):
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            context.set_default_timeout(TIMEOUT_MS)
            pages.append(errors.watch(context.new_page(), label))
        presenter, viewer = pages
        sid = open_board(presenter, srv.url, "/?preset=xor")
        for step in (1, 2, 3):
            presenter.click("[data-testid=step]")
            wait_step(presenter, step)
        open_board(viewer, srv.url, f"/?watch={sid}")
        wait_step(viewer, 3)
        srv.stop()
        for page in pages:
            page.wait_for_function(
                "() => /reconnecting/i.test(document.querySelector('[data-testid=connection]')"
                ".textContent)")
        srv.start()
        for page in pages:  # each page finds the server again by itself
            page.wait_for_function(
                "() => { const c = document.querySelector('[data-testid=connection]');"
                " return c.hidden || /reconnected/i.test(c.textContent); }")
        presenter.click("[data-testid=step]")  # still in control: the stored token's hash
        wait_step(presenter, 4)
        wait_step(viewer, 4)  # the viewer found the same board by itself
        assert session_id(presenter) == session_id(viewer) == sid
        presenter.click("[data-testid=undo]")  # undo levels survived the restart
        wait_step(presenter, 3)
        presenter.click("[data-testid=undo]")
        wait_step(presenter, 2)
        wait_step(viewer, 2)
        for label, page in zip(("presenter", "viewer"), pages, strict=True):
            page.screenshot(path=str(ARTIFACTS / f"restart-{label}.png"))
    finally:
        for page in pages:
            page.context.close()
        srv.stop()
