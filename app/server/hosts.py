"""The names this server answers to. A request whose Host is another name is refused before
any route runs: a page on a rebound DNS name cannot reach the server as if it were its own."""

import contextlib
import ipaddress
import json
import socket

from starlette.types import ASGIApp, Receive, Scope, Send

LOCAL = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "")


def default_hosts(bind: str) -> set[str]:
    """localhost; the address the server listens on; this machine's name; and when it listens
    on every interface, its addresses too (the classroom address students type)."""
    names = {*LOCAL, socket.gethostname().lower(), f"{socket.gethostname().lower()}.local"}
    if bind not in WILDCARD_BINDS:
        names.add(bind.lower().strip("[]"))
        return names
    with contextlib.suppress(OSError):
        names |= {str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None)}
    for family, probe in ((socket.AF_INET, ("10.255.255.255", 1)),
                          (socket.AF_INET6, ("fd00::1", 1, 0, 0))):
        routed = _routed_address(family, probe)
        if routed is not None:
            names.add(routed)
    return names


def _routed_address(family: socket.AddressFamily, probe: tuple[object, ...]) -> str | None:
    """The local address that routes out towards `probe`: a UDP "connect" sends nothing."""
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect(probe)
            return str(s.getsockname()[0])
    except OSError:
        return None


def lan_address() -> str | None:
    """This machine's IPv4 address on its local network (what students' devices reach), if
    it has one."""
    address = _routed_address(socket.AF_INET, ("10.255.255.255", 1))
    return None if address is None or ipaddress.ip_address(address).is_loopback else address


def host_of(header: str) -> str:
    """'Example.org:8000' → 'example.org'; '[::1]:8000' → '::1'."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else ""
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


class HostCheck:
    """ASGI middleware: HTTP gets 400 with words, a websocket handshake is refused (403)."""

    def __init__(self, app: ASGIApp, allowed: set[str]) -> None:
        self.app, self.allowed = app, {h.lower() for h in allowed}
        self.any = "*" in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        host = host_of(headers.get(b"host", b"").decode("latin-1"))
        if host in self.allowed:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        body = json.dumps({"detail": f"this server does not answer to the name {host!r:.60}; "
                                     "add it to DIALBOARD_ALLOWED_HOSTS to use it"}).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return None
