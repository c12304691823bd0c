"""A live server on loopback for the UI tests: the real app, uvicorn, its own SQLite file."""

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from app import create_app
from database.engine import create_database_engine, resolve_database_url
from tests.conftest import make_settings


@dataclass(frozen=True)
class LiveServer:
    url: str  # of the UI, ending in /ui/
    engine: Engine  # to the server's database, for checking what it stored


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test module: start-up loads the model and the 1,470 employees."""
    directory: Path = tmp_path_factory.mktemp("ui")
    database_url = f"sqlite:///{directory / 'trace.db'}"
    settings = make_settings(directory, api_tokens="ui-token", database_url=database_url)
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the UI server did not start")
        time.sleep(0.05)
    engine = create_database_engine(resolve_database_url(database_url))
    yield LiveServer(f"http://127.0.0.1:{port}/ui/", engine)
    engine.dispose()
    server.should_exit = True
    thread.join(timeout=30)
