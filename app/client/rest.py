"""The REST half of the client (docs/protocol.md, "REST"), with the standard library only.

`Server` builds requests; `fetch` carries one out (blocking: `AsyncBoard` runs it in a
thread) and turns a refusal into a `BoardError` with the server's own words.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import numpy as np

from dialboard.client.frame import BoardError
from dialboard.server.safetensors_io import encode

Request = urllib.request.Request


class Server:
    """Addresses of one Dialboard server, from its http(s) URL (`http://127.0.0.1:8000`)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"a server address is http(s)://host:port, not {url!r}")
        self.base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        ws_scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws_base = urlunsplit((ws_scheme, parts.netloc, parts.path.rstrip("/"), "", ""))

    def session(self, sid: str, tail: str = "") -> str:
        return f"{self.base}/api/sessions/{quote(sid, safe='')}{tail}"

    def socket(self, sid: str) -> str:
        return f"{self.ws_base}/ws/sessions/{quote(sid, safe='')}"

    def create(self, config: Mapping[str, Any], near: str | None = None) -> Request:
        query = f"?near={quote(near, safe='')}" if near else ""
        return Request(f"{self.base}/api/sessions{query}", method="POST",
                       data=json.dumps(config).encode(),
                       headers={"Content-Type": "application/json"})

    def info(self, sid: str) -> Request:
        return Request(self.session(sid))

    def state(self, sid: str) -> Request:
        return Request(self.session(sid, "/state.safetensors?grads=true"))

    def put_state(self, sid: str, token: str, params: Mapping[str, np.ndarray]) -> Request:
        blob = encode({n: np.asarray(a, dtype=np.float64) for n, a in params.items()})
        return Request(self.session(sid, "/state.safetensors"), method="PUT", data=blob,
                       headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/octet-stream"})

    def delete(self, sid: str, token: str) -> Request:
        return Request(self.session(sid), method="DELETE",
                       headers={"Authorization": f"Bearer {token}"})


def fetch(request: Request, timeout: float | None) -> bytes:
    """The response body; a refusal raises BoardError with its status and words."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        raise BoardError(f"{request.get_method()} {request.full_url}: {exc.code} "
                         f"{_detail(exc.read()) or exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BoardError(f"cannot reach {request.full_url}: {reason}") from None


def fetch_json(request: Request, timeout: float | None) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(fetch(request, timeout))
    return out


def _detail(body: bytes) -> str:
    try:
        detail = json.loads(body).get("detail", "")
    except (ValueError, AttributeError):
        return body.decode(errors="replace")[:200]
    return detail if isinstance(detail, str) else json.dumps(detail)
