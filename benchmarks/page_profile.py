"""Where a page's main thread spends its time: Chromium's sampling profiler over a window.

Used by browser_bench.py --profile. Self time is summed by function and by script file;
Chromium's own nodes say the rest: "(program)" is the browser's native work on the main thread
(style, layout, paint, raster in software), "(garbage collector)" and "(idle)" what they say.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def profile(page: Any, seconds: float) -> dict[str, Counter[str]]:
    """Self milliseconds by function ("name file:line") and by file over `seconds`."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})   # µs
    cdp.send("Profiler.start")
    page.wait_for_timeout(seconds * 1000)
    prof = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    nodes = {n["id"]: n for n in prof["nodes"]}
    by_fn: Counter[str] = Counter()
    by_file: Counter[str] = Counter()
    deltas = prof["timeDeltas"]
    # Each sample's time is the gap to the next sample (µs).
    for sample, dt in zip(prof["samples"], [*deltas[1:], 0], strict=True):
        cf = nodes[sample]["callFrame"]
        url = cf["url"].rsplit("/", 1)[-1] or "-"
        name = cf["functionName"] or "(anonymous)"
        key = name if name.startswith("(") else f"{name} {url}:{cf['lineNumber'] + 1}"
        by_fn[key] += dt / 1000
        by_file[url if not name.startswith("(") else name] += dt / 1000
    return {"function": by_fn, "file": by_file}


def report(figures: dict[str, Counter[str]], seconds: float, top: int = 20) -> None:
    total = seconds * 1000
    for what, counts in figures.items():
        print(f"\nmain thread by {what} (self ms over {seconds:g} s, % of the window)")
        for key, ms in counts.most_common(top):
            print(f"  {ms:9.1f}  {100 * ms / total:5.1f}%  {key}")


def trace(page: Any, seconds: float) -> Counter[str]:
    """Self milliseconds of the renderer main thread's trace events (Layout, Paint, …)."""
    cdp = page.context.new_cdp_session(page)
    events: list[dict[str, Any]] = []
    done: list[bool] = []
    cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
    cdp.on("Tracing.tracingComplete", lambda e: done.append(True))
    cdp.send("Tracing.start", {"traceConfig": {"includedCategories": [
        "devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "v8"]}})
    page.wait_for_timeout(seconds * 1000)
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(100)
    cdp.detach()
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}
    spans = sorted(((e["ts"], e["ts"] + e["dur"], e["name"]) for e in events
                    if e.get("ph") == "X" and (e["pid"], e["tid"]) in main and "dur" in e),
                   key=lambda s: (s[0], -s[1]))
    self_ms: Counter[str] = Counter()
    stack: list[list[Any]] = []   # open spans: [end, name, children's µs, start]
    for start, end, name in spans:
        while stack and stack[-1][0] <= start:
            e, n, kids, s = stack.pop()
            self_ms[n] += (e - s - kids) / 1000
        if stack:
            stack[-1][2] += end - start
        stack.append([end, name, 0, start])
    for e, n, kids, s in stack:
        self_ms[n] += (e - s - kids) / 1000
    return self_ms
