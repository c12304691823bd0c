"""Token checks on the protected routes; the status routes stay public."""

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app import ROUTERS, create_app
from src.api.headers import SECURITY_HEADERS
from src.api.recorder import AuditedRoute
from tests.api.conftest import TOKENS
from tests.conftest import make_settings
from tests.live_server import LIVE_TOKEN, LiveServer, serve


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {TOKENS[0]}"},
        {"Authorization": f"Bearer {TOKENS[1]}"},
        {"X-API-Key": TOKENS[0]},
        {"X-API-Key": TOKENS[1]},
    ],
)
def test_predict_with_a_configured_token_returns_200(
    client: TestClient, make_employee: Any, headers: dict[str, str]
) -> None:
    assert client.post("/predict", json=make_employee(), headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKENS[0]}"},
        {"Authorization": f"Bearer {TOKENS[0]}x"},
        {"Authorization": "Bearer"},
        {"X-API-Key": ""},
        {"X-API-Key": "wrong"},
        {"X-API-Key": "tökén".encode("latin-1")},
    ],
)
def test_predict_without_a_valid_token_returns_401(
    client: TestClient, make_employee: Any, headers: dict[str, str | bytes]
) -> None:
    response = client.post("/predict", json=make_employee(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "missing or invalid token" in response.json()["detail"]
    assert TOKENS[0] not in response.text


def test_batch_without_token_returns_401_before_reading_the_body(client: TestClient) -> None:
    assert client.post("/predict/batch", json={"employees": "nonsense"}).status_code == 401


@pytest.mark.parametrize("path", ["/health", "/health/live", "/health/ready", "/model", "/docs"])
def test_status_routes_are_public(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_the_docs_ask_a_token_of_every_audited_operation_and_of_no_public_one(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <token>",
    }
    assert schemes["APIKeyHeader"]["in"] == "header"
    assert schemes["APIKeyHeader"]["name"] == "X-API-Key"
    audited = {
        (route.path_format, method.lower())
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, AuditedRoute)
        for method in route.methods
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            token = [{"HTTPBearer": []}, {"APIKeyHeader": []}]
            wanted = token if (path, method) in audited else None
            assert operation.get("security") == wanted, (method, path)
    assert ("/predict", "post") in audited and ("/health", "get") not in audited


def test_without_api_tokens_a_random_token_is_shown_once_and_accepted(
    make_employee: Any, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    with caplog.at_level("WARNING"), TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 5  # shown just after start-up, as the console's last line
        while not any("API_TOKENS" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the generated token was never shown"
            time.sleep(0.05)
        (message,) = [r.getMessage() for r in caplog.records if "API_TOKENS" in r.getMessage()]
        token = message.split("Bearer ")[1].strip()
        assert len(token) >= 32
        ok = client.post("/predict", json=make_employee(), headers={"X-API-Key": token})
        refused = client.post("/predict", json=make_employee())
    assert (ok.status_code, refused.status_code) == (200, 401)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("auth")) as server:
        yield server


def _first_bytes_of_the_answer(live: LiveServer, headers: str, wait_s: float) -> bytes:
    """Sends a request that announces a 15 MB body and sends none of it."""
    host, port = live.base_url.removeprefix("http://").split(":")
    head = (
        f"POST /predict/batch HTTP/1.1\r\nHost: {host}\r\n{headers}"
        "Content-Type: application/json\r\nContent-Length: 15000000\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.settimeout(wait_s)
        sock.sendall(head.encode())
        try:
            return sock.recv(64)
        except TimeoutError:
            return b""


def test_a_missing_token_is_refused_before_the_body_is_read(live: LiveServer) -> None:
    assert _first_bytes_of_the_answer(live, "", wait_s=10).startswith(b"HTTP/1.1 401")


def test_with_a_valid_token_the_service_waits_for_the_body(live: LiveServer) -> None:
    headers = f"Authorization: Bearer {LIVE_TOKEN}\r\n"
    assert _first_bytes_of_the_answer(live, headers, wait_s=1) == b""


@pytest.mark.parametrize("path", ["/health", "/ui/", "/docs", "/predict", "/no-such-page"])
def test_every_answer_carries_the_security_headers(live: LiveServer, path: str) -> None:
    answered = httpx.get(f"{live.base_url}{path}")
    for name, value in SECURITY_HEADERS.items():
        assert answered.headers[name] == value, (path, name)
    assert "server" not in answered.headers  # what runs is not advertised


@pytest.mark.parametrize("token", [LIVE_TOKEN, "wrong"])
def test_token_routes_are_never_cached(live: LiveServer, token: str) -> None:
    answered = httpx.get(f"{live.base_url}/employees/1", headers={"X-API-Key": token})
    assert answered.headers["cache-control"] == "no-store"
