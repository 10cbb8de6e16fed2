"""Browser benchmark: how smoothly the page draws a board while it trains.

Starts `python -m dialboard` on a free port and drives Debian's headless Chromium (software
rendering, as in CI) through Playwright. For each preset (default: digits-625 and xor) it
plays at full speed and reports, zoomed out (the whole board) and zoomed in (one neuron):
board redraws per second and the `board-render` median and 95th percentile; state frames
received per second by the presenter and by a viewer; the drag → screen latency (from a
pointer move on a dial to the screen's number changing); and the page's JS heap
(`performance.memory.usedJSHeapSize`, after a forced GC) at the start and the end of
`--minutes` of play. The memory runs of all presets play at the same time.

    python benchmarks/browser_bench.py                  # the full run: 5 minutes of play
    python benchmarks/browser_bench.py --minutes 0.5 --presets digits-625
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from page_scripts import (  # this folder: scripts run from it
    FRAME_CLOCK,
    FRAME_TIMES,
    HEAP,
    RENDERS,
    WATCH_COST,
    ZOOM_GESTURE,
)

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("DIALBOARD_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-precise-memory-info", "--js-flags=--expose-gc",
]
VIEWPORT = {"width": 1600, "height": 900}

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALBOARD_")}
    command = [sys.executable, "-m", "dialboard", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def open_board(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.add_init_script(f"({FRAME_CLOCK})()")
    page.goto(url)
    page.wait_for_function(
        "() => /\\d/.test(document.querySelector('[data-testid=cost]')?.textContent || '')",
        timeout=20_000)
    # board-render then includes rasterising the canvas, which Chromium otherwise does later.
    page.evaluate("window.dialboard.view.measureRaster = true")
    return page


def set_playing(page: Any, on: bool) -> None:
    page.locator(".speed input").fill("6")   # the last speed: as fast as the server can
    if page.evaluate("window.dialboard.state().frame.playing") != on:
        page.click("[data-testid=play]")
    page.wait_for_function("on => window.dialboard.state().frame.playing === on", arg=on)


def median_p95(xs: list[float]) -> tuple[float, float]:
    if not xs:
        return float("nan"), float("nan")
    d = sorted(xs)
    return round(statistics.median(d), 2), round(d[int(0.95 * (len(d) - 1))], 2)


def frame_figures(page: Any, since: float) -> dict[str, float]:
    """Animation frames the page actually produced since `since` (performance.now ms)."""
    t = page.evaluate(FRAME_TIMES, since)
    gaps = [b - a for a, b in itertools.pairwise(t)]
    med, p95 = median_p95(gaps)
    span = (t[-1] - t[0]) / 1000 if len(t) > 1 else float("nan")
    return {"anim_frames_per_s": round((len(t) - 1) / span, 1),
            "frame_median_ms": med, "frame_p95_ms": p95}


def window_figures(page: Any, seconds: float) -> dict[str, float]:
    """Redraws, render times, frames produced and received over `seconds` of the page."""
    page.evaluate("performance.clearMeasures('board-render')")
    start = page.evaluate(RENDERS)
    page.wait_for_timeout(seconds * 1000)
    end = page.evaluate(RENDERS)
    span = (end["now"] - start["now"]) / 1000
    med, p95 = median_p95(end["durations"])
    return {
        "redraws_per_s": round(len(end["durations"]) / span, 1),
        "render_median_ms": med,
        "render_p95_ms": p95,
        "frames_per_s": round((end["frames"] - start["frames"]) / span, 1),
        **frame_figures(page, start["now"]),
    }


def zoom_figures(page: Any, steps: int = 40, dy: float = 40) -> dict[str, float]:
    """A zoom in from the whole board and back out, one notch per frame, while playing."""
    page.evaluate("window.dialboard.view.fit()")
    page.wait_for_timeout(500)
    page.evaluate("performance.clearMeasures('board-render')")
    g = page.evaluate(ZOOM_GESTURE, [steps, dy])
    d = page.evaluate(RENDERS)["durations"]
    med, p95 = median_p95(d)
    return {"render_median_ms": med, "render_p95_ms": p95, "deepest_zoom": round(g["zoom"], 1),
            "gesture_ms": round(g["t1"] - g["t0"]), **frame_figures(page, g["t0"])}


def drag_latency(page: Any, name: str, samples: int) -> float:
    """Median ms from a pointer move on a dial to the screen's number changing."""
    page.evaluate(WATCH_COST)
    r = page.evaluate("([n, i]) => window.dialboard.dialRect(n, i)", [name, [0]])
    x, y = r["x"] + r["width"] / 2, r["y"] + r["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    got = 0
    for k in range(samples):
        dx = 24 if k % 2 == 0 else -24   # to and fro, so that every move changes the cost
        page.mouse.move(x + dx, y - dx)
        try:
            page.wait_for_function("n => window.__lat.out.length > n", arg=got, timeout=3000)
            got += 1
        except Exception:   # a lost sample shows in the count of samples
            page.evaluate("window.__lat.t = 0")
    page.mouse.up()
    out = page.evaluate("window.__lat.out")
    return round(statistics.median(out), 1) if out else float("nan")


def bench_preset(browser: Any, base: str, preset: str, seconds: float) -> dict[str, Any]:
    page = open_board(browser, f"{base}/?preset={preset}")
    sid = page.evaluate("window.dialboard.state().session.id")
    layers = len(page.evaluate("window.dialboard.state().session.sizes")) - 1
    dials = page.get_attribute("[data-testid=board]", "data-dial-count")
    res: dict[str, Any] = {"preset": preset, "dials": dials}
    set_playing(page, True)
    page.evaluate("window.dialboard.view.fit()")
    page.wait_for_timeout(1000)
    lod = "window.dialboard.view.lod"
    res["out"] = {"lod": page.evaluate(lod), **window_figures(page, seconds)}
    page.evaluate("window.dialboard.view.zoomToNeuron(0, 0)")
    page.wait_for_timeout(1000)
    res["in"] = {"lod": page.evaluate(lod), **window_figures(page, seconds)}
    res["zoom"] = zoom_figures(page)
    viewer = open_board(browser, f"{base}/?watch={sid}")
    viewer.wait_for_timeout(1000)
    res["viewer"] = window_figures(viewer, seconds)
    viewer.context.close()
    set_playing(page, False)
    page.evaluate(f"window.dialboard.view.zoomToNeuron({layers - 1}, 0)")
    res["drag_to_screen_ms"] = drag_latency(page, f"layers.{layers - 1}.bias", 15)
    page.context.close()
    return res


def profile_preset(browser: Any, base: str, preset: str, seconds: float) -> None:
    """The page's main thread, zoomed in on one neuron while playing (page_profile.py)."""
    import page_profile

    page = open_board(browser, f"{base}/?preset={preset}")
    set_playing(page, True)
    page.evaluate("window.dialboard.view.zoomToNeuron(0, 0)")
    page.wait_for_timeout(1000)
    page_profile.report(page_profile.profile(page, seconds), seconds)
    page_profile.report({"trace event": page_profile.trace(page, seconds)}, seconds)
    page.context.close()


def memory_run(browser: Any, base: str, presets: list[str], minutes: float) -> dict[str, Any]:
    pages = {p: open_board(browser, f"{base}/?preset={p}") for p in presets}
    start = {}
    for p, page in pages.items():
        set_playing(page, True)
        page.wait_for_timeout(2000)
        start[p] = page.evaluate(HEAP)
    t0 = time.monotonic()
    while time.monotonic() - t0 < minutes * 60:
        time.sleep(min(30.0, minutes * 60 - (time.monotonic() - t0) + 0.01))
        print(f"  memory run: {(time.monotonic() - t0) / 60:.1f} of {minutes} min", file=sys.stderr)
    out = {}
    for p, page in pages.items():
        end = page.evaluate(HEAP)
        steps = page.evaluate("window.dialboard.state().frame.step")
        out[p] = {"heap_start_mb": round(start[p] / 2**20, 2), "heap_end_mb": round(end / 2**20, 2),
                  "steps_played": steps, "minutes": minutes}
        page.context.close()
    return out


def report(results: list[dict[str, Any]], memory: dict[str, Any]) -> None:
    print(f"\n{'':28}" + "".join(f"{r['preset']:>16}" for r in results))
    rows = [
        ("dials", lambda r: r["dials"]),
        ("zoomed out: level of detail", lambda r: r["out"]["lod"]),
        ("  redraws/s", lambda r: r["out"]["redraws_per_s"]),
        ("  board-render median ms", lambda r: r["out"]["render_median_ms"]),
        ("  board-render p95 ms", lambda r: r["out"]["render_p95_ms"]),
        ("  animation frames/s", lambda r: r["out"]["anim_frames_per_s"]),
        ("  frame interval median ms", lambda r: r["out"]["frame_median_ms"]),
        ("  frame interval p95 ms", lambda r: r["out"]["frame_p95_ms"]),
        ("  frames received/s", lambda r: r["out"]["frames_per_s"]),
        ("zoomed in: level of detail", lambda r: r["in"]["lod"]),
        ("  redraws/s", lambda r: r["in"]["redraws_per_s"]),
        ("  board-render median ms", lambda r: r["in"]["render_median_ms"]),
        ("  board-render p95 ms", lambda r: r["in"]["render_p95_ms"]),
        ("  animation frames/s", lambda r: r["in"]["anim_frames_per_s"]),
        ("  frame interval median ms", lambda r: r["in"]["frame_median_ms"]),
        ("  frame interval p95 ms", lambda r: r["in"]["frame_p95_ms"]),
        ("  frames received/s", lambda r: r["in"]["frames_per_s"]),
        ("zoom gesture: deepest zoom", lambda r: r["zoom"]["deepest_zoom"]),
        ("  board-render median ms", lambda r: r["zoom"]["render_median_ms"]),
        ("  board-render p95 ms", lambda r: r["zoom"]["render_p95_ms"]),
        ("  frame interval median ms", lambda r: r["zoom"]["frame_median_ms"]),
        ("  frame interval p95 ms", lambda r: r["zoom"]["frame_p95_ms"]),
        ("viewer frames received/s", lambda r: r["viewer"]["frames_per_s"]),
        ("viewer redraws/s", lambda r: r["viewer"]["redraws_per_s"]),
        ("drag → screen ms (median)", lambda r: r["drag_to_screen_ms"]),
        ("heap at start MB", lambda r: memory.get(r["preset"], {}).get("heap_start_mb", "-")),
        ("heap at end MB", lambda r: memory.get(r["preset"], {}).get("heap_end_mb", "-")),
        ("steps in the memory run", lambda r: memory.get(r["preset"], {}).get("steps_played", "-")),
    ]
    for label, get in rows:
        print(f"{label:28}" + "".join(f"{get(r)!s:>16}" for r in results))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="digits-625,xor")
    ap.add_argument("--seconds", type=float, default=10, help="each measuring window")
    ap.add_argument("--minutes", type=float, default=5, help="the memory run (0: none)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--profile", type=float, default=0, metavar="SECONDS",
                    help="profile the page's main thread zoomed in while playing, then stop")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    presets = [p for p in args.presets.split(",") if p]
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            if args.profile:
                profile_preset(browser, base, presets[0], args.profile)
                return
            results = [bench_preset(browser, base, p, args.seconds) for p in presets]
            memory = memory_run(browser, base, presets, args.minutes) if args.minutes > 0 else {}
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    report(results, memory)
    if args.json:
        args.json.write_text(json.dumps({"presets": results, "memory": memory}, indent=2))


if __name__ == "__main__":
    main()
