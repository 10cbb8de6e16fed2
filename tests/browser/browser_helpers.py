"""What the browser tests do often: open a board, read the screen, ask the server."""

from __future__ import annotations

import json
import math
import os
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from server_process import free_port, start_server, stop_server

TIMEOUT_MS = 30_000  # a failure bound for every wait: reached only when something is broken
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"


def open_board(page: Any, base_url: str, path: str = "/") -> str:
    """Load a page and wait until the screen shows a cost; return the session id."""
    page.goto(base_url + path)
    wait_cost(page)
    return session_id(page)


def undrawn_viewer(new_page: Any, base_url: str, sid: str) -> Any:
    """A viewer's page of board `sid` that never draws (its `requestAnimationFrame` does
    nothing), once its state holds a frame: what a busy phone shows before its first draw."""
    viewer = new_page("viewer")
    viewer.add_init_script("window.requestAnimationFrame = () => 0;")
    viewer.goto(f"{base_url}/?watch={sid}")
    # Polled by a timer: Playwright's own polling goes by animation frames, which never come.
    viewer.wait_for_function("() => window.dialboard?.state().frame", polling=50,
                             timeout=TIMEOUT_MS)
    return viewer


def presenting(page: Any) -> None:
    """Until the page holds the controls and shows a presenter's (F32) frame: before that it
    may show the F16 frame every socket gets first, whose values differ in the last digits."""
    page.wait_for_function("() => window.dialboard.state().frame?.precision === 'f32'",
                           timeout=TIMEOUT_MS)


def wait_cost(page: Any) -> None:
    page.wait_for_function(
        "() => /\\d/.test(document.querySelector('[data-testid=cost]')?.textContent || '')",
        timeout=TIMEOUT_MS,
    )


def session_id(page: Any) -> str:
    """The board the page shows (the address bar never holds a presenter's board and token)."""
    page.wait_for_function("() => window.dialboard?.state().session?.id")
    sid: str = page.evaluate("window.dialboard.state().session.id")
    return sid


def shown_cost(page: Any) -> float:
    return float(page.text_content("[data-testid=cost]").replace("−", "-"))


def shown_step(page: Any) -> int:
    return int(page.text_content("[data-testid=step-count]"))


def server_session(base_url: str, sid: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/api/sessions/{sid}", timeout=5) as res:
        return dict(json.loads(res.read()))


def wait_step(page: Any, step: int) -> None:
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=step-count]')?.textContent === '{step}'",
        timeout=TIMEOUT_MS,
    )


# GET /api/meta held back in the page until `release_meta`, as a loaded server may answer it
# after the first frames: what is drawn before it must be drawn again from it.
_HOLD_META = """{ const f = window.fetch; let go; const gate = new Promise((r) => { go = r; });
  window.__releaseMeta = go;
  window.fetch = (u, ...a) => (String(u).includes('/api/meta') ? gate.then(() => f(u, ...a))
                                                               : f(u, ...a)); }"""


def hold_meta(page: Any) -> None:
    """Before the page is opened."""
    page.add_init_script(_HOLD_META)


def release_meta(page: Any) -> None:
    page.evaluate("window.__releaseMeta()")


def wait_meta(page: Any) -> None:
    """Until the server's vocabulary (GET /api/meta) has arrived and the phase panel is drawn
    from it: a loaded machine may answer it after the first frames, and until then the panel
    has no words."""
    page.wait_for_function(
        "() => window.dialboard?.state().meta"
        " && document.querySelector('[data-testid=phase-panel] .phase-words')"
        "?.textContent.trim().length > 0", timeout=TIMEOUT_MS)
    # The views take the vocabulary at the next animation frame (the phase panel's words may
    # be there before it): a paint, so a still board's views have all drawn with it.
    next_paint(page)


def wait_phase(page: Any, phase: str) -> None:
    page.wait_for_function(
        "p => document.querySelector('[data-testid=phase-panel]')?.dataset.phase === p",
        arg=phase, timeout=TIMEOUT_MS,
    )


def close_to_shown(value: float, page: Any) -> bool:
    """The screen shows 4 significant digits of the server's cost."""
    shown = shown_cost(page)
    return math.isclose(shown, value, rel_tol=6e-4, abs_tol=1e-9)


SHOWS_COST = """c => {
  const t = document.querySelector('[data-testid=cost]')?.textContent || '';
  const shown = parseFloat(t.replace('\u2212', '-'));
  return Math.abs(shown - c) <= Math.max(6e-4 * Math.max(Math.abs(shown), Math.abs(c)), 1e-9);
}"""


def wait_for_server_cost(page: Any, base_url: str, sid: str) -> float:
    """Until the screen shows the server's current cost (the same when asked again, so not
    one the server has already moved on from); returns it."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    cost = float(server_session(base_url, sid)["cost"])
    while True:
        try:
            page.wait_for_function(SHOWS_COST, arg=cost, timeout=1000)
        except PlaywrightTimeoutError:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"screen shows {shown_cost(page)}, server has {cost}") from None
        now = float(server_session(base_url, sid)["cost"])
        if now == cost and close_to_shown(cost, page):
            return cost
        cost = now


def next_paint(page: Any) -> None:
    """Returns once the page has painted everything done so far (two animation frames)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def settled(page: Any) -> None:
    """Until no CSS transition or animation runs and the result is painted (for screenshots)."""
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running')")
    next_paint(page)


def dial_centre(page: Any, name: str, index: list[int]) -> tuple[float, float]:
    """Where the dial is drawn, once it is: a page lays its board out at the animation frame
    after the board's first frame arrives (a loaded machine's may come late; asked before it,
    the dial had no rectangle, 1 run in about 10 of a full suite beside a busy process)."""
    try:
        r = page.wait_for_function(
            "([n, i]) => { const r = window.dialboard.dialRect(n, i);"
            " return r && r.width > 4 && r; }", arg=[name, index],
            timeout=TIMEOUT_MS).json_value()
    except PlaywrightTimeoutError:
        r = page.evaluate("([n, i]) => window.dialboard.dialRect(n, i)", [name, index])
        raise AssertionError(f"dial {name}{index} has no usable rectangle: {r}") from None
    return r["x"] + r["width"] / 2, r["y"] + r["height"] / 2


class Server:
    """A `python -m dialboard` process on a free port; restartable on the same port."""

    def __init__(self, name: str, **settings: str) -> None:
        # DIALBOARD_* variables by setting name, e.g. max_sessions="1". The browser tests open
        # some hundreds of boards on one server and step most of them (never reclaimed): room
        # for all, as a lesson's day in a class would not need. The memory budget counts each
        # board's bound (a 625 board's 106 MB, mostly its timeline's room), not its use: the
        # default 8 GiB refused the suite's last 625 boards once it held some 75 of them.
        self.settings = {"max_sessions": "1000", "server_memory_mb": "65536", **settings}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / f"server-{name}.log"
        self.process: Any = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
        env["DIALBOARD_DATA_DIR"] = ""  # memory only: test servers never share a data folder
        env.update({f"DIALBOARD_{k.upper()}": v for k, v in self.settings.items()})
        ARTIFACTS.mkdir(exist_ok=True)
        self.process = start_server(
            [sys.executable, "-m", "dialboard", "--port", str(self.port)],
            cwd=REPO_ROOT, env=env, port=self.port, log_path=self.log_path,
        )

    def stop(self) -> None:
        if self.process is not None:
            stop_server(self.process, self.log_path)
            self.process = None


def select_dial(page: Any, name: str, index: list[int]) -> None:
    """Click a dial and wait until the page has it selected."""
    x, y = dial_centre(page, name, index)
    page.mouse.click(x, y)
    page.wait_for_function(
        "([n, i]) => { const s = window.dialboard.state().ui.selected;"
        " return s && s.name === n && String(s.index) === String(i); }",
        arg=[name, index], timeout=TIMEOUT_MS)


# Every canvas's drawing since it was last wiped (a whole-canvas clearRect or putImageData):
# its texts with their boxes and CSS px, and its arcs, in window.__drawn. A page's init script.
SPY = """
window.__drawn = [];   // [{canvas, texts: [...], arcs: [...], at: when last wiped}]
let clock = 0;
const entry = (canvas) => {
  let e = window.__drawn.find((d) => d.canvas === canvas);
  if (!e) { e = { canvas, texts: [], arcs: [], at: 0 }; window.__drawn.push(e); }
  return e;
};
const wipe = (canvas) => { const e = entry(canvas); e.texts = []; e.arcs = []; e.at = ++clock; };
const P = CanvasRenderingContext2D.prototype;
const fill = P.fillText, clear = P.clearRect, arc = P.arc, put = P.putImageData;
P.clearRect = function (x, y, ...rest) {
  if (x === 0 && y === 0) wipe(this.canvas);
  return clear.call(this, x, y, ...rest);
};
P.putImageData = function (img, x, y, ...rest) {   // a whole canvas's pixels replace it all
  if (x === 0 && y === 0 && img.width === this.canvas.width && img.height === this.canvas.height) {
    wipe(this.canvas);
  }
  return put.call(this, img, x, y, ...rest);
};
P.fillText = function (text, x, y, ...rest) {
  const m = this.measureText(String(text)), t = this.getTransform();
  const dpr = window.devicePixelRatio || 1, px = Number(/(\\d+(?:\\.\\d+)?)px/.exec(this.font)[1]);
  const X = (t.a * x + t.e) / dpr, Y = (t.d * y + t.f) / dpr, s = t.a / dpr;
  entry(this.canvas).texts.push({
    text: String(text), px: px * s,
    x0: X - m.actualBoundingBoxLeft * s, x1: X + m.actualBoundingBoxRight * s,
    y0: Y - m.actualBoundingBoxAscent * s, y1: Y + m.actualBoundingBoxDescent * s,
  });
  return fill.call(this, text, x, y, ...rest);
};
P.arc = function (x, y, r, ...rest) {
  const t = this.getTransform(), dpr = window.devicePixelRatio || 1;
  entry(this.canvas).arcs.push(
    { x: (t.a * x + t.e) / dpr, y: (t.d * y + t.f) / dpr, r: r * t.a / dpr });
  return arc.call(this, x, y, r, ...rest);
};
"""
