"""Every answered prediction is in the database, on SQLite and PostgreSQL: what was asked, by
whom, what the model read and answered, and what was sent back."""

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database.migrate import upgrade
from database.models import (
    ApiResponse,
    EmployeeInput,
    Feature,
    ModelVersion,
    PredictionResult,
    Request,
)
from database.repository import ServedModel
from database.spool import TraceSpool
from src.features import build_features, columns_from_records
from src.tracing import Call, unanswered_trace
from tests.database.conftest import TOKEN, connected_writer, prediction_trace

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(table))


def test_single_prediction_leaves_a_full_trace(
    client: TestClient, engine: Engine, make_employee: Any
) -> None:
    sent = make_employee()
    answered = client.post("/predict", json=sent, headers=AUTH)
    answer, sent_bytes = answered.json(), answered.content
    with Session(engine) as session:
        request = session.scalars(select(Request)).one()
        stored_input = session.scalars(select(EmployeeInput)).one()
        feature = session.scalars(select(Feature)).one()
        result = session.scalars(select(PredictionResult)).one()
        response = session.scalars(select(ApiResponse)).one()
        version = session.get(ModelVersion, result.model_version_id)
    assert (request.source, request.method, request.route) == ("api", "POST", "/predict")
    assert request.status_code == 200 and request.latency_ms > 0
    assert request.id == answered.headers["X-Request-ID"]
    assert request.client_key_hash == hashlib.sha256(TOKEN.encode()).hexdigest()[:16]
    assert request.received_at.tzinfo == UTC
    assert (datetime.now(UTC) - request.received_at).total_seconds() < 60
    assert stored_input.request_id == request.id and stored_input.position == 0
    assert stored_input.payload == {**sent, "id_employee": None}
    expected = build_features(columns_from_records([sent]))
    assert feature.input_id == stored_input.id
    assert feature.values == {name: values.tolist()[0] for name, values in expected.items()}
    assert result.id == answer["prediction_id"] and result.input_id == stored_input.id
    assert (result.probability, result.label) == (answer["probability"], answer["prediction"])
    assert (result.risk_level, result.threshold) == (answer["risk_level"], answer["threshold"])
    assert result.explanation == {
        "factors": answer["explanation"],
        "baseline_logit": answer["explanation_baseline"],
    }
    assert (version.version, version.source) == ("1.0.0", "local")
    assert response.request_id == request.id and response.status_code == 200
    assert response.body is None  # rebuilt from the result: see the history tests
    assert response.body_sha256 == hashlib.sha256(sent_bytes).hexdigest()


def test_batch_is_traced_in_order_under_one_request(
    client: TestClient, engine: Engine, records: list[dict]
) -> None:
    employees = records[:25]
    answered = client.post("/predict/batch", json={"employees": employees}, headers=AUTH)
    answer = answered.json()
    with Session(engine) as session:
        request = session.scalars(select(Request)).one()
        inputs = session.scalars(select(EmployeeInput).order_by(EmployeeInput.position)).all()
        results = {r.input_id: r.id for r in session.scalars(select(PredictionResult))}
        response = session.scalars(select(ApiResponse)).one()
    assert request.route == "/predict/batch"
    assert [i.position for i in inputs] == list(range(25))
    assert [i.id_employee for i in inputs] == [e["id_employee"] for e in employees]
    assert [results[i.id] for i in inputs] == [p["prediction_id"] for p in answer["predictions"]]
    assert response.body_sha256 == hashlib.sha256(answered.content).hexdigest()


def test_concurrent_requests_are_each_stored_exactly_once(
    client: TestClient, engine: Engine, records: list[dict]
) -> None:
    def post(record: dict) -> str:
        return client.post("/predict", json=record, headers=AUTH).json()["prediction_id"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(post, records[:64]))
    with Session(engine) as session:
        stored = session.scalars(select(PredictionResult.id)).all()
        payload_ids = session.scalars(select(EmployeeInput.id_employee)).all()
    assert sorted(stored) == sorted(ids) and len(set(ids)) == 64
    assert sorted(payload_ids) == sorted(r["id_employee"] for r in records[:64])
    assert _count(engine, Request) == _count(engine, ApiResponse) == 64


def test_a_trace_the_database_refuses_fails_alone_and_stores_nothing_of_itself(
    client: TestClient, engine: Engine, make_employee: Any, tmp_path: Path, served: ServedModel
) -> None:
    client.post("/predict", json=make_employee(), headers=AUTH)  # schema, model row, one trace
    with Session(engine) as session:
        existing = session.scalar(select(PredictionResult.id))
    good = prediction_trace("11111111-1111-1111-1111-111111111111")
    clashing = prediction_trace(existing)  # a prediction id already stored: its insert fails
    writer = connected_writer(engine, served, TraceSpool(tmp_path / "spool"))
    outcomes = writer.write([good, clashing])
    assert outcomes[0] is None and isinstance(outcomes[1], IntegrityError)
    with Session(engine) as session:
        assert session.get(Request, good.request_id) is not None
        assert session.get(Request, clashing.request_id) is None  # not half of it either
    assert _count(engine, PredictionResult) == 2
    assert writer.status().spooled == 0  # refused is not unreachable: nothing waits to retry


def test_what_a_client_sent_is_stored_even_where_a_column_cannot_hold_it(
    engine: Engine, tmp_path: Path, served: ServedModel
) -> None:
    upgrade(engine)
    good = unanswered_trace(Call(source="api", method="GET", route="/predictions"), 401, "", b"")
    odd = unanswered_trace(
        Call(source="api", method="PROPFIND-X", route="/employees/\x00" + "x" * 200),
        422,
        "0" * 64,
        orjson.dumps({"detail": "colonne inconnue : a\x00b"}),
    )
    connected_writer(engine, served, TraceSpool(tmp_path / "spool")).write([good, odd])
    with Session(engine) as session:
        stored = session.get(Request, odd.request_id)
        assert session.get(Request, good.request_id) is not None
    assert stored.route == ("/employees/\ufffd" + "x" * 200)[:128]
    assert stored.method == "PROPFIND"
    assert stored.error == "colonne inconnue : a\ufffdb"
