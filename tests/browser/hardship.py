"""A hard room for the browser tests, on demand: BROWSER_HARDSHIP="api=700,ws=60,cpu=4".

- `api=ms`: every fetch of /api/ answers that much later (a loaded server: the page's
  vocabulary, presets and probes arrive after its first frames).
- `ws=ms`: each websocket message and the close reach the page up to that much later, in
  their order (a busy network).
- `cpu=k`: the page's main thread runs k times slower (an old phone).

Unset (as in CI), nothing changes. A test that fails only under one of these waits on time
or on the wrong event, or the page draws something before what it needs has arrived: both
are defects, found this way (a race form that threw before GET /api/meta answered, learner
titles that kept their keys, a focused dial that lost the focus to a panel filling in).
"""

from __future__ import annotations

import os
from typing import Any

_API = """{ const f = window.fetch, ms = %d;
  window.fetch = (u, ...a) => (String(u).includes('/api/')
    ? new Promise((r) => setTimeout(() => r(f(u, ...a)), ms)) : f(u, ...a)); }"""

_WS = """{ const WS = window.WebSocket, ms = %d;
  class Late extends WS {
    constructor(...a) { super(...a); this.__at = 0; this.__queue = []; }
    __later(fn, e) {   // a random delay, never overtaking the message before
      this.__at = Math.max(this.__at, performance.now() + Math.random() * ms);
      const ev = { data: e.data, code: e.code, reason: e.reason, type: e.type };
      this.__queue.push([this.__at, fn, ev]);
      if (this.__queue.length === 1) this.__next();
    }
    __next() {   // one timer at a time: timers rounded to the millisecond could swap two
      const [at] = this.__queue[0];
      setTimeout(() => {
        const [, fn, ev] = this.__queue.shift();
        try { fn(ev); } finally { if (this.__queue.length) this.__next(); }
      }, Math.max(0, at - performance.now()));
    }
    // As a browser does, no message once the page has closed the socket (a server's message
    // before its own close still arrives).
    close(...a) { this.__closed = true; super.close(...a); }
    set onmessage(fn) {
      super.onmessage = fn && ((e) => this.__later((ev) => this.__closed || fn(ev), e));
    }
    get onmessage() { return super.onmessage; }
    set onclose(fn) { super.onclose = fn && ((e) => this.__later(fn, e)); }
    get onclose() { return super.onclose; }
  }
  window.WebSocket = Late; }"""


def _settings() -> dict[str, int]:
    spec = os.environ.get("BROWSER_HARDSHIP", "")
    out = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, _, value = part.partition("=")
        if key not in ("api", "ws", "cpu") or not value.isdigit():
            raise ValueError(f"BROWSER_HARDSHIP: {part!r} is not api=ms, ws=ms or cpu=k")
        out[key] = int(value)
    return out


def harden(context: Any) -> None:
    """Before the context's pages open."""
    s = _settings()
    if s.get("api"):
        context.add_init_script(_API % s["api"])
    if s.get("ws"):
        context.add_init_script(_WS % s["ws"])


def harden_page(page: Any) -> Any:
    rate = _settings().get("cpu", 1)
    if rate > 1:
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})
    return page
