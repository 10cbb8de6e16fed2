"""How many boards and rooms one client address made in the last minute: the limit that
keeps a stranger's page from filling the server (`DIALBOARD_SESSIONS_PER_MINUTE`). Kept by
the web process when sessions run in several workers, else by the app (rest.may_create)."""

from __future__ import annotations

WINDOW_SECONDS = 60.0
LOOPBACK = ("127.0.0.1", "::1", "localhost")  # this machine's own: the limit guards the network
MAX_ADDRESSES = 10_000


class Creations:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def take(self, who: str, per_minute: int, now: float) -> tuple[int, int] | None:
        """Count one creation by `who` at `now`. None when allowed; else (how many in the
        window, seconds to wait) and nothing is counted."""
        if who in LOOPBACK:
            return None
        if len(self.times) > MAX_ADDRESSES:  # forget addresses idle for a minute
            for k in [k for k, v in self.times.items() if now - v[-1] >= WINDOW_SECONDS]:
                del self.times[k]
        recent = [t for t in self.times.get(who, []) if now - t < WINDOW_SECONDS]
        if len(recent) >= per_minute:
            return len(recent), int(WINDOW_SECONDS + 1 - (now - recent[0]))
        self.times[who] = [*recent, now]
        return None
