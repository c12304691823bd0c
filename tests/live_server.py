"""The real app served by uvicorn on a loopback port, for tests that need real HTTP clients
(gradio_client, a browser, the deployment smoke test)."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import Engine

from app import create_app, serving
from database.engine import create_database_engine, resolve_database_url
from tests.conftest import make_settings

#: The API token of every live server.
LIVE_TOKEN = "live-token"


@dataclass(frozen=True)
class LiveServer:
    base_url: str  # http://127.0.0.1:<port>
    engine: Engine  # to the server's database, for checking what it stored

    @property
    def url(self) -> str:
        """The UI's address."""
        return f"{self.base_url}/ui/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ui_serves(base_url: str, deadline: float) -> None:
    """The API serves first; the UI's spaces a few seconds later (`src/ui/mount.py`)."""
    while httpx.get(f"{base_url}/health/ready").status_code == 503:
        if time.monotonic() > deadline:
            raise RuntimeError("the UI did not start")
        time.sleep(0.05)


@contextmanager
def serve(
    directory: Path, database_url: str | None = None, **overrides: object
) -> Iterator[LiveServer]:
    """Start-up loads the model and the 1,470 employees; the database is `database_url`, by
    default SQLite in `directory`; `overrides` are settings."""
    database_url = database_url or f"sqlite:///{directory / 'trace.db'}"
    overrides = {"shutdown_timeout_seconds": 1.0, **overrides}  # clients' streams stay open
    settings = make_settings(
        directory, api_tokens=LIVE_TOKEN, database_url=database_url, **overrides
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", **serving(settings)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    wait_until_ui_serves(f"http://127.0.0.1:{port}", deadline)
    engine = create_database_engine(resolve_database_url(database_url))
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", engine)
    finally:
        engine.dispose()
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), "the live server did not stop (its shutdown never ran)"
