"""One live server per UI test module."""

from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer, serve


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("ui")) as server:
        yield server
