"""No value a client can send breaks the audit trail, on SQLite and PostgreSQL: every integer
is bounded by what the storage holds (422 naming the field), and a trace the database or its
driver cannot take fails its own caller only, leaving the writer and its connection healthy."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from database.engine import create_database_engine, resolve_database_url
from database.migrate import upgrade
from database.models import ApiResponse, Request
from database.repository import ServedModel
from database.spool import TraceSpool
from database.writer import TraceWriter
from src.fields import FIELDS, MAX_EMPLOYEE_ID
from src.ids import new_id
from tests.database.conftest import TOKEN, connected_writer, prediction_trace

AUTH = {"Authorization": f"Bearer {TOKEN}"}

#: Past PostgreSQL's `integer`, past SQLite's (and PostgreSQL's `bigint`) 64 bits, past the
#: unsigned 64 bits JSON encoders stop at.
POISON = [MAX_EMPLOYEE_ID + 1, 2**63, 2**64]


def _recorded_status(engine: Engine, request_id: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(Request.status_code).where(Request.id == request_id))


def _assert_still_healthy(client: TestClient, make_employee: Any) -> None:
    assert client.post("/predict", json=make_employee(), headers=AUTH).status_code == 200
    health = client.get("/health").json()
    assert (health["status"], health["database"]["status"]) == ("ok", "ok")


@pytest.mark.parametrize("value", POISON)
def test_an_id_employee_the_storage_cannot_hold_is_a_422_naming_it(
    client: TestClient, engine: Engine, make_employee: Any, value: int
) -> None:
    answered = client.post("/predict", json={**make_employee(), "id_employee": value}, headers=AUTH)
    assert answered.status_code == 422
    [error] = answered.json()["errors"]
    assert error["field"] == "id_employee" and str(MAX_EMPLOYEE_ID) in error["message"]
    assert _recorded_status(engine, answered.headers["X-Request-ID"]) == 422
    _assert_still_healthy(client, make_employee)


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", f"/employees/{2**63}", "path.id_employee"),
        ("POST", f"/employees/{MAX_EMPLOYEE_ID + 1}/predict", "path.id_employee"),
        ("GET", f"/predictions?id_employee={2**64}", "query.id_employee"),
        ("GET", f"/predictions?page={2**63}", "query.page"),
        ("GET", "/predictions?page=100001", "query.page"),
        ("GET", "/predictions?page_size=101", "query.page_size"),
        ("GET", "/predictions?since=9999-12-31T23:59:59-14:00", "query.since"),
        ("GET", "/predictions?until=0001-01-01T00:00:00%2B14:00", "query.until"),
    ],
)
def test_a_path_or_query_integer_out_of_bounds_is_a_422_naming_it(
    client: TestClient, engine: Engine, make_employee: Any, method: str, path: str, field: str
) -> None:
    answered = client.request(method, path, headers=AUTH)
    assert answered.status_code == 422
    assert [error["field"] for error in answered.json()["errors"]] == [field]
    assert _recorded_status(engine, answered.headers["X-Request-ID"]) == 422
    _assert_still_healthy(client, make_employee)


def test_a_batch_of_empty_employees_gets_a_short_422_kept_whole_in_the_trail(
    client: TestClient, engine: Engine
) -> None:
    answered = client.post("/predict/batch", json={"employees": [{}] * 10_000}, headers=AUTH)
    body = answered.json()
    assert answered.status_code == 422 and len(answered.content) < 64 * 1024
    every_field_missing = 10_000 * len(FIELDS)
    assert body["error_count"] == every_field_missing and len(body["errors"]) == 100
    assert body["detail"] == f"invalid request: {every_field_missing} errors, the first 100 listed"
    with Session(engine) as session:
        response = session.scalars(
            select(ApiResponse).where(ApiResponse.request_id == answered.headers["X-Request-ID"])
        ).one()
    assert response.body == body


def test_an_unknown_field_of_any_length_is_named_briefly(
    client: TestClient, make_employee: Any
) -> None:
    answered = client.post("/predict", json={**make_employee(), "x" * 100_000: 1}, headers=AUTH)
    [error] = answered.json()["errors"]
    assert answered.status_code == 422 and error["field"] == "x" * 120 + "…"


def test_the_deepest_page_is_answered_empty(client: TestClient) -> None:
    answered = client.get("/predictions?page=100000&page_size=100", headers=AUTH)
    assert answered.status_code == 200 and answered.json()["items"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("age", "41"), ("age", False), ("age", 41.5), ("nb_formations_suivies", True)],
)
def test_the_schema_types_are_enforced_as_published(
    client: TestClient, make_employee: Any, field: str, value: object
) -> None:
    answered = client.post("/predict", json=make_employee(**{field: value}), headers=AUTH)
    assert answered.status_code == 422
    assert [error["field"] for error in answered.json()["errors"]] == [field]


def _poisoned(value: int) -> Any:
    """A trace that slipped past validation (a bug, a future route) with `value` in it."""
    trace = prediction_trace(new_id())
    trace.inputs[0]["id_employee"] = value
    return trace


def test_a_trace_the_driver_cannot_bind_fails_alone_and_the_writer_stays_healthy(
    engine: Engine, db_url: str, tmp_path: Path, served: ServedModel
) -> None:
    upgrade(engine)
    writer = connected_writer(engine, served, TraceSpool(tmp_path / "spool"))
    # SQLite's driver raises OverflowError (not a database error) at 2**63; PostgreSQL
    # refuses 2**31 for an `integer` column.
    value = 2**63 if db_url.startswith("sqlite") else MAX_EMPLOYEE_ID + 1
    first, poisoned, last = prediction_trace(new_id()), _poisoned(value), prediction_trace(new_id())
    outcomes = writer.write([first, poisoned, last])
    assert outcomes[0] is None and outcomes[2] is None and outcomes[1] is not None
    later = prediction_trace(new_id())
    assert writer.write([later]) == [None]  # the connection was rolled back and is reusable
    status = writer.status()
    assert (status.reachable, status.spooled, status.refused) == (True, 0, 0)
    with Session(engine) as session:
        stored = set(session.scalars(select(Request.id)))
    assert stored == {first.request_id, last.request_id, later.request_id}


def test_a_trace_the_spool_cannot_hold_fails_alone_during_an_outage(
    tmp_path: Path, served: ServedModel
) -> None:
    down = create_database_engine(resolve_database_url("postgresql://postgres@127.0.0.1:9/x"))
    writer = TraceWriter(down, served, TraceSpool(tmp_path / "spool"))
    assert writer.connect() is False
    outcomes = writer.write([prediction_trace(new_id()), _poisoned(2**64)])
    assert outcomes[0] is None and isinstance(outcomes[1], TypeError)
    assert writer.status().spooled == 1


def test_an_unreadable_spool_file_is_set_aside_and_holds_back_nothing(
    engine: Engine, tmp_path: Path, served: ServedModel
) -> None:
    upgrade(engine)
    spool = TraceSpool(tmp_path / "spool")
    writer = connected_writer(engine, served, spool)
    spool.directory.mkdir(parents=True)
    (spool.directory / "00000000000000000001-deadbeef-3.json").write_bytes(b'{"traces": [')
    down = TraceWriter(
        create_database_engine(resolve_database_url(f"sqlite:///{tmp_path / 'no' / 'x.db'}")),
        served,
        spool,
    )
    kept = prediction_trace(new_id())
    down.write([kept])  # spooled behind the unreadable file
    assert writer.replay() == 1
    assert spool.count() == 0 and spool.refused_count() == 3
    with Session(engine) as session:
        assert session.get(Request, kept.request_id) is not None
