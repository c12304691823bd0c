"""What one client can make the service hold: rate limits per token and per client address
(429 with Retry-After, recorded), large bodies admitted within a byte budget (503 with
Retry-After beyond it), and a slow sender cut off (408)."""

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import create_app
from database.models import Request
from src.config import Settings
from tests.api.conftest import TOKENS
from tests.conftest import make_settings
from tests.live_server import LIVE_TOKEN, LiveServer, serve


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path,
        api_tokens=",".join(TOKENS),
        rate_limit_per_token="3/minute",
        rate_limit_per_client="2/minute",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _statuses(client: TestClient, headers: dict[str, str], calls: int) -> list[int]:
    return [client.get("/predictions", headers=headers).status_code for _ in range(calls)]


def test_a_token_past_its_limit_gets_429_with_retry_after_and_is_recorded(
    limited: TestClient,
) -> None:
    headers = {"X-API-Key": TOKENS[0]}
    assert _statuses(limited, headers, 3) == [200, 200, 200]
    refused = limited.get("/predictions", headers=headers)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "too many requests" in refused.json()["detail"]
    engine = limited.app.state.service.writer.engine
    with Session(engine) as session:
        stored = session.get(Request, refused.headers["X-Request-ID"])
    assert stored.status_code == 429 and stored.client_key_hash is not None


def test_each_token_has_a_limit_of_its_own(limited: TestClient) -> None:
    assert _statuses(limited, {"X-API-Key": TOKENS[0]}, 4)[-1] == 429
    assert _statuses(limited, {"X-API-Key": TOKENS[1]}, 3) == [200, 200, 200]


def test_calls_without_a_valid_token_are_limited_per_client(limited: TestClient) -> None:
    assert _statuses(limited, {"X-API-Key": "guess"}, 3) == [401, 401, 429]
    assert _statuses(limited, {"X-API-Key": TOKENS[0]}, 1) == [200]  # a token is not a client


def test_a_rate_limit_that_cannot_be_read_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rate_limit_per_token"):
        make_settings(tmp_path, rate_limit_per_token="lots")


def test_a_rate_limit_can_be_turned_off(tmp_path: Path) -> None:
    assert make_settings(tmp_path, rate_limit_per_client="off").rate_limit_per_client is None


def test_the_body_budget_must_admit_the_largest_body() -> None:
    with pytest.raises(ValueError, match="MAX_BODY_BYTES_IN_FLIGHT"):
        Settings(_env_file=None, max_body_bytes=2_000_000, max_body_bytes_in_flight=1_000_000)


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Room for one large body at a time, a short wait for it, a short read timeout."""
    with serve(
        tmp_path_factory.mktemp("tight"),
        max_body_bytes=200_000,
        max_body_bytes_in_flight=200_000,
        admission_wait_seconds=0.5,
        body_read_timeout_seconds=1.0,
    ) as server:
        yield server


def _open(live: LiveServer, length: int, sent: bytes = b"") -> socket.socket:
    """A batch request announcing `length` bytes of body, of which only `sent` is sent."""
    host, port = live.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    head = (
        f"POST /predict/batch HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {LIVE_TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + sent)
    return sock


def _answer(sock: socket.socket, wait_s: float) -> bytes:
    sock.settimeout(wait_s)
    try:
        return sock.recv(4096)
    except TimeoutError:
        return b""
    finally:
        sock.close()


def test_a_large_body_past_the_budget_waits_then_gets_503(tight: LiveServer) -> None:
    holding = _open(tight, 150_000, b'{"employees": [')  # holds the budget, sending slowly
    started = time.monotonic()
    refused = _answer(_open(tight, 150_000), wait_s=10)
    waited = time.monotonic() - started
    assert refused.startswith(b"HTTP/1.1 503") and b"retry-after: 1" in refused.lower()
    assert 0.4 <= waited < 3.0  # it waited its turn (0.5 s), briefly
    holding.close()


def test_small_bodies_never_wait_for_the_budget(tight: LiveServer, make_employee: Any) -> None:
    holding = _open(tight, 150_000, b'{"employees": [')
    answered = httpx.post(
        f"{tight.base_url}/predict", json=make_employee(), headers={"X-API-Key": LIVE_TOKEN}
    )
    holding.close()
    assert answered.status_code == 200


def test_a_client_that_stops_sending_its_body_gets_408(tight: LiveServer) -> None:
    answer = _answer(_open(tight, 150_000, b'{"employees": ['), wait_s=10)
    assert answer.startswith(b"HTTP/1.1 408")


def test_requests_without_a_body_never_wait_for_the_budget(tight: LiveServer) -> None:
    # Gradio's event streams are long GETs: they must not hold or wait for body budget.
    holding = _open(tight, 150_000, b'{"employees": [')
    answered = httpx.get(f"{tight.base_url}/health/live")
    holding.close()
    assert answered.status_code == 200  # had it waited for the budget, it would be a 503
