from collections.abc import Iterator

import pytest

from tests.server.live import Live, live_server


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server() as server:
        yield server
