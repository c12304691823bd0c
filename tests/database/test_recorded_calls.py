"""Every call to a token route leaves one `requests` row, rejected and failed ones too, on
SQLite and PostgreSQL; the token itself is never stored, and public routes are not recorded."""

import hashlib
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from database.models import ApiResponse, Request
from tests.database.conftest import TOKEN

AUTH = {"X-API-Key": TOKEN}
KEY_HASH = hashlib.sha256(TOKEN.encode()).hexdigest()[:16]


def _recorded(engine: Engine, answered: httpx.Response) -> tuple[Request, ApiResponse]:
    with Session(engine) as session:
        request = session.get(Request, answered.headers["X-Request-ID"])
        response = session.scalars(
            select(ApiResponse).where(ApiResponse.request_id == request.id)
        ).one()
    return request, response


def _every_stored_text(engine: Engine) -> str:
    with Session(engine) as session:
        requests = session.scalars(select(Request)).all()
        responses = session.scalars(select(ApiResponse)).all()
    return repr([vars(row) for row in [*requests, *responses]])


@pytest.mark.parametrize(
    ("headers", "status_code"),
    [({}, 401), ({"X-API-Key": "wrong-token"}, 401), (AUTH, 422)],
    ids=["no-token", "wrong-token", "bad-field"],
)
def test_rejected_prediction_is_recorded_with_its_error(
    client: TestClient,
    engine: Engine,
    make_employee: Any,
    headers: dict,
    status_code: int,
) -> None:
    answered = client.post("/predict", json=make_employee(genre="X"), headers=headers)
    request, response = _recorded(engine, answered)
    assert answered.status_code == request.status_code == response.status_code == status_code
    assert (request.method, request.route, request.source) == ("POST", "/predict", "api")
    assert response.body == answered.json()
    assert response.body_sha256 == hashlib.sha256(answered.content).hexdigest()
    assert request.client_key_hash == (KEY_HASH if status_code == 422 else None)
    assert request.error == answered.json()["detail"]


def test_no_token_is_ever_stored(client: TestClient, engine: Engine, make_employee: Any) -> None:
    client.post("/predict", json=make_employee(), headers={"X-API-Key": "wrong-token"})
    client.post("/predict", json=make_employee(), headers=AUTH)
    stored = _every_stored_text(engine)
    assert "wrong-token" not in stored and TOKEN not in stored


def test_oversized_body_is_recorded_as_413(client: TestClient, engine: Engine) -> None:
    limit = client.app.state.settings.max_body_bytes
    answered = client.post("/predict", content=b"{" * (limit + 1), headers=AUTH)
    request, response = _recorded(engine, answered)
    assert request.status_code == response.status_code == 413
    assert request.error == f"request body over {limit} bytes"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/employees/99999"), ("POST", "/employees/99999/predict")]
)
def test_unknown_employee_is_recorded_as_404(
    client: TestClient, engine: Engine, method: str, path: str
) -> None:
    answered = client.request(method, path, headers=AUTH)
    request, _ = _recorded(engine, answered)
    assert (request.status_code, request.route) == (404, path)
    assert request.client_key_hash == KEY_HASH


def test_history_read_is_recorded_but_its_page_only_hashed(
    client: TestClient, engine: Engine
) -> None:
    answered = client.get("/predictions", headers=AUTH)
    request, response = _recorded(engine, answered)
    assert (request.status_code, request.method, request.route) == (200, "GET", "/predictions")
    assert response.body is None
    assert response.body_sha256 == hashlib.sha256(answered.content).hexdigest()


def test_each_call_is_recorded_once_and_public_routes_not_at_all(
    client: TestClient, engine: Engine, make_employee: Any
) -> None:
    calls = [
        client.post("/predict", json=make_employee(), headers=AUTH),
        client.post("/predict", json=make_employee()),
        client.post("/employees/1/predict", headers=AUTH),
        client.get("/employees/1", headers=AUTH),
    ]
    for public in ("/health", "/model", "/health/live", "/openapi.json"):
        assert "X-Request-ID" not in client.get(public).headers
    with Session(engine) as session:
        stored = sorted(session.scalars(select(Request.id)))
    assert stored == sorted(answered.headers["X-Request-ID"] for answered in calls)


def test_a_path_with_a_nul_byte_is_recorded_with_it_replaced(
    client: TestClient, engine: Engine
) -> None:
    # PostgreSQL text cannot hold NUL: stored as is, the row would fail, and with it every
    # trace of its group.
    answered = client.get("/employees/1%00", headers=AUTH)
    request, response = _recorded(engine, answered)
    assert request.route == "/employees/1\ufffd"
    assert request.status_code == response.status_code == answered.status_code == 422


def _operations(client: TestClient) -> list[tuple[str, str, bool]]:
    """Every operation the app publishes: method, a callable path, whether it needs a token."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path), "security" in operation)
        for path, item in paths.items()
        for method, operation in item.items()
    ]


def test_every_token_route_of_the_app_records_every_call(
    client: TestClient, engine: Engine
) -> None:
    """Enumerates the app's routes: a token route added without `audited_router` fails here."""
    operations = _operations(client)
    assert sum(token for *_, token in operations) >= 5
    for method, path, token in operations:
        answered = client.request(method, path)  # no token
        if not token:
            assert "X-Request-ID" not in answered.headers, f"{method} {path} is public"
            continue
        assert answered.status_code == 401, f"{method} {path}"
        request, response = _recorded(engine, answered)
        assert (request.method, request.route, request.status_code) == (method, path, 401)


def test_a_failing_route_answers_json_500_with_its_request_id_and_is_recorded(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug in a query, with secret details")

    monkeypatch.setattr("src.api.routes.history.list_predictions", broken)
    answered = client.get("/predictions", headers=AUTH)
    assert answered.status_code == 500
    body = answered.json()
    assert body["request_id"] == answered.headers["X-Request-ID"]
    assert "secret" not in answered.text
    request, response = _recorded(engine, answered)
    assert request.status_code == response.status_code == 500
    assert request.client_key_hash == KEY_HASH and response.body == body


def test_a_callers_request_id_is_kept_as_the_correlation_id(
    client: TestClient, engine: Engine, make_employee: Any
) -> None:
    sent = "proxy-7f3a.01:retry"
    answered = client.post("/predict", json=make_employee(), headers={**AUTH, "X-Request-ID": sent})
    assert answered.headers["X-Correlation-ID"] == sent
    request, _ = _recorded(engine, answered)
    assert request.correlation_id == sent
    assert request.id == answered.headers["X-Request-ID"] != sent  # ours stays the key
    trace = client.get(f"/predictions/{answered.json()['prediction_id']}", headers=AUTH).json()
    assert trace["request"]["correlation_id"] == sent


@pytest.mark.parametrize(
    "sent", ["x" * 129, "two words", "idé".encode(), "a/b", "", "<script>"], ids=repr
)
def test_a_malformed_request_id_is_neither_kept_nor_echoed(
    client: TestClient, engine: Engine, sent: str | bytes
) -> None:
    answered = client.get("/employees/1", headers={**AUTH, "X-Request-ID": sent})
    assert answered.status_code == 200
    assert "X-Correlation-ID" not in answered.headers
    request, _ = _recorded(engine, answered)
    assert request.correlation_id is None
