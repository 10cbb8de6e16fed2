"""Which worker answers a request: the one holding the board or room it names, a new board's
place, or any worker for what belongs to no board (pages, presets, CSV reading, lessons).

Workers tell the web process their boards and rooms (host.Link.tell_directory) before any
answer that names a new one, so a board is routable from the moment its id is known.
"""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs

from dialboard.server.rooms import RoomError, normalize_code

# Paths whose next segment is a board's id, or a room's code.
BY_SESSION = ("/ws/sessions/", "/api/sessions/")
BY_ROOM = ("/api/rooms/", "/join/")


class Directory:
    """Each worker's boards and rooms, as it last said."""

    def __init__(self, workers: int) -> None:
        self.sessions: list[frozenset[str]] = [frozenset()] * workers
        self.rooms: list[dict[str, str]] = [{} for _ in range(workers)]
        self._any = itertools.cycle(range(workers))

    def update(self, worker: int, sessions: list[str], rooms: dict[str, str]) -> None:
        self.sessions[worker], self.rooms[worker] = frozenset(sessions), dict(rooms)

    def forget(self, worker: int) -> None:
        """A worker that died: its boards come back when its successor says so."""
        self.update(worker, [], {})

    def of_session(self, session_id: str) -> int | None:
        return next((k for k, ids in enumerate(self.sessions) if session_id in ids), None)

    def of_room(self, text: str) -> int | None:
        try:
            code = normalize_code(text)
        except RoomError:
            return None
        return next((k for k, rooms in enumerate(self.rooms) if code in rooms), None)

    def roomiest(self, shares: list[int]) -> int:
        """The worker with the most room left of its share of boards; of equals, the one
        with the fewest boards, then the first."""
        return self.by_room(shares)[0]

    def by_room(self, shares: list[int]) -> list[int]:
        """Every worker, the roomiest first (as `roomiest` chooses)."""
        return sorted(range(len(self.sessions)),
                      key=lambda k: (len(self.sessions[k]) - shares[k], len(self.sessions[k])))

    def any(self) -> int:
        return next(self._any)


def needs_body(method: str, path: str) -> bool:
    """Opening a room (POST) names its board in the body; so does moving one (PUT)."""
    return method in ("POST", "PUT") and (path == "/api/rooms" or path.startswith(BY_ROOM[0]))


def share(total: int, index: int, workers: int) -> int:
    """Worker `index`'s part of a server-wide limit: together exactly the whole."""
    return total // workers + (1 if index < total % workers else 0)


def worker_for(d: Directory, method: str, path: str, query: str, board: str | None,
               shares: list[int]) -> int:
    """The worker that answers. `board`: the board a room request's body names. Whoever is
    asked about a board or room nobody holds answers 404 in words."""
    for prefix in BY_SESSION:
        if path.startswith(prefix):
            found = d.of_session(path[len(prefix):].split("/", 1)[0])
            return d.any() if found is None else found
    if path == "/api/sessions" and method == "POST":  # a new board: beside `near`, if named
        near = parse_qs(query).get("near", [""])[0]
        found = d.of_session(near) if near else None
        if found is not None and len(d.sessions[found]) < shares[found]:
            return found
        return d.roomiest(shares)
    if path == "/api/rooms" and board is not None:
        found = d.of_session(board)
        return d.any() if found is None else found
    for prefix in BY_ROOM:
        if path.startswith(prefix):
            found = d.of_room(path[len(prefix):].split("/", 1)[0])
            return d.any() if found is None else found
    if path == "/join":
        found = d.of_room(parse_qs(query).get("code", [""])[0])
        return d.any() if found is None else found
    return d.any()


def apart(d: Directory, method: str, path: str, board: str | None) -> bool:
    """A room moved to a board in another worker (a board made without `near`)."""
    if method != "PUT" or not path.startswith(BY_ROOM[0]) or board is None:
        return False
    room, target = d.of_room(path[len(BY_ROOM[0]):].split("/", 1)[0]), d.of_session(board)
    return room is not None and target is not None and room != target
