"""Browser tests: a real Dialboard server in a subprocess, driven by Debian's Chromium.

Chromium is never downloaded: `make test` installs Debian's package, and a missing
/usr/bin/chromium fails these tests instead of skipping them. Every test's page fails the
test on any console error or uncaught exception, and leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, TIMEOUT_MS, Server
from hardship import harden, harden_page

CHROMIUM = Path(os.environ.get("DIALBOARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 900}


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    srv = Server("browser")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`make chromium` or "
            "`apt-get install chromium`); browser tests never download a browser"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """Console errors and uncaught exceptions of one or more pages."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        """Expect console errors containing `fragment` (Chromium logs every HTTP 4xx)."""
        self.allowed.append(fragment)

    def add(self, message: str) -> None:
        if not any(fragment in message for fragment in self.allowed):
            self.messages.append(message)

    def watch(self, page: Any, label: str = "page") -> Any:
        page.on("console", lambda m: m.type == "error" and self.add(
            f"{label} console: {m.text} ({m.location.get('url', '')})"))
        page.on("pageerror", lambda e: self.messages.append(f"{label} exception: {e}"))
        return page


def artifact_name(request: pytest.FixtureRequest, suffix: str = "") -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", request.node.name)
    return ARTIFACTS / f"{safe}{suffix}.png"


@pytest.fixture
def errors() -> Iterator[PageErrors]:
    """Every page a test watches (`page`, `new_page`, or `errors.watch`) fails it on a console
    error or an uncaught exception it did not `allow`."""
    found = PageErrors()
    yield found
    assert not found.messages, "\n".join(found.messages)


@pytest.fixture
def new_page(browser: Any, errors: PageErrors, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Factory for extra pages (a viewer beside the presenter); all are checked for errors."""
    contexts: list[Any] = []

    def make(label: str = "viewer", **options: Any) -> Any:
        context = browser.new_context(**{"viewport": VIEWPORT, **options})
        context.set_default_timeout(TIMEOUT_MS)
        harden(context)
        contexts.append((label, context))
        return errors.watch(harden_page(context.new_page()), label)

    yield make
    for label, context in contexts:
        for page in context.pages:
            page.screenshot(path=str(artifact_name(request, f"-{label}")))
        context.close()


@pytest.fixture
def page(browser: Any, errors: PageErrors, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    harden(context)
    pg = errors.watch(harden_page(context.new_page()))
    yield pg
    pg.screenshot(path=str(artifact_name(request)))
    context.close()
