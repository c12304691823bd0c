"""A database outage never fails a prediction and never loses its trace: traces wait on local
disk, `/health` says `degraded`, and they are written once the database is back."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app import create_app
from database.engine import create_database_engine, resolve_database_url
from database.migrate import upgrade
from database.models import ApiResponse, PredictionResult, Request
from database.repository import ServedModel
from database.spool import SpooledGroup, TraceSpool
from database.writer import TraceWriter
from src.ids import new_id
from tests.conftest import make_settings
from tests.database.conftest import TOKEN, connected_writer, prediction_trace, rejected_trace
from tests.database.private_postgres import PrivatePostgres, find_binaries

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _request_ids(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Request.id)))


def _unreachable_url(db_url: str, tmp_path: Path) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'trace.db'}"
    return "postgresql://postgres@127.0.0.1:9/nowhere"  # port 9 (discard): refused at once


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    """The schema at head."""
    upgrade(engine)
    return engine


def test_unreachable_database_spools_the_group_and_replay_writes_it(
    migrated: Engine, db_url: str, tmp_path: Path, served: ServedModel
) -> None:
    spool = TraceSpool(tmp_path / "spool")
    down = create_database_engine(resolve_database_url(_unreachable_url(db_url, tmp_path)))
    traces = [rejected_trace(), rejected_trace(422)]
    TraceWriter(down, served, spool).write(traces)
    assert spool.count() == 2 and _request_ids(migrated) == []
    writer = TraceWriter(migrated, served, spool)
    assert writer.replay() == 2
    assert sorted(_request_ids(migrated)) == sorted(t.request_id for t in traces)
    assert spool.count() == 0 and writer.status().reachable


def test_replay_skips_a_group_that_was_stored_before_its_file_was_removed(
    migrated: Engine, tmp_path: Path, served: ServedModel
) -> None:
    spool = TraceSpool(tmp_path / "spool")
    stored, missing = rejected_trace(), rejected_trace()
    writer = connected_writer(migrated, served, spool)
    writer.write([stored])  # committed; then the process died before removing the file
    spool.keep(SpooledGroup([stored, missing], served))
    assert writer.replay() == 1
    assert sorted(_request_ids(migrated)) == sorted([stored.request_id, missing.request_id])


def test_a_spooled_trace_the_database_refuses_is_set_aside_and_holds_back_nothing(
    migrated: Engine, tmp_path: Path, served: ServedModel
) -> None:
    spool = TraceSpool(tmp_path / "spool")
    writer = connected_writer(migrated, served, spool)
    taken = prediction_trace(new_id())
    writer.write([taken])
    clashing = prediction_trace(taken.predictions[0]["prediction_id"])  # its result id is taken
    good, later = rejected_trace(), rejected_trace()
    spool.keep(SpooledGroup([good, clashing], served))
    spool.keep(SpooledGroup([later], served))
    assert writer.replay() == 2
    assert set(_request_ids(migrated)) == {taken.request_id, good.request_id, later.request_id}
    assert spool.count() == 0 and writer.status().reachable
    [refused] = spool.refused()
    assert [t.request_id for t in spool.load(refused).traces] == [clashing.request_id]
    assert writer.status().refused == 1  # /health says degraded until someone deals with it
    assert writer.replay() == 0 and spool.refused() == [refused]  # not replayed again


def test_health_is_degraded_while_refused_traces_wait_for_a_person(client: TestClient) -> None:
    writer = client.app.state.service.writer
    writer.spool.keep(SpooledGroup([rejected_trace()], writer.model), refused=True)
    health = client.get("/health").json()
    assert health["status"] == "degraded"
    assert health["database"]["refused_traces"] == 1
    assert health["database"]["spooled_traces"] == 0  # set aside, not waiting to be replayed


def test_after_a_failure_writes_go_to_the_spool_until_replay_finds_the_database(
    migrated: Engine, db_url: str, tmp_path: Path, served: ServedModel
) -> None:
    spool = TraceSpool(tmp_path / "spool")
    down = create_database_engine(resolve_database_url(_unreachable_url(db_url, tmp_path)))
    writer = TraceWriter(down, served, spool)
    assert writer.connect() is False
    writer.write([rejected_trace()])
    assert writer.status().reachable is False
    writer.engine = migrated  # the database is back
    writer.write([rejected_trace()])  # still spooled: only replay probes the database again
    assert spool.count() == 2 and _request_ids(migrated) == []
    assert writer.replay() == 2 and writer.status().reachable


def test_spool_keeps_whole_groups_only(tmp_path: Path, served: ServedModel) -> None:
    spool = TraceSpool(tmp_path)
    path = spool.keep(SpooledGroup([rejected_trace(), rejected_trace()], served))
    (tmp_path / ".interrupted.json.partial").write_bytes(b'{"model_vers')  # a crash mid-write
    assert spool.groups() == [path] and spool.count() == 2
    group = spool.load(path)
    assert group.model == served and [t.status_code for t in group.traces] == [401, 401]
    assert group.traces[0].received_at.tzinfo is not None


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    binaries = find_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL installation to start a private server from")
    server = PrivatePostgres(binaries)
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _wait_for(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.postgres
def test_postgres_stopped_and_restarted_loses_no_prediction(
    server: PrivatePostgres, tmp_path: Path, records: list[dict]
) -> None:
    settings = make_settings(
        tmp_path, api_tokens=TOKEN, database_url=server.url, spool_retry_seconds=0.2
    )
    with TestClient(create_app(settings)) as client:
        before = client.post("/predict", json=records[0], headers=AUTH).json()
        server.stop()

        during = [client.post("/predict", json=r, headers=AUTH) for r in records[1:4]]
        batch = client.post("/predict/batch", json={"employees": records[4:9]}, headers=AUTH)
        rejected = client.post("/predict", json=records[0])  # no token: 401, recorded too
        read = client.get("/predictions", headers=AUTH)
        health = client.get("/health").json()

        assert [r.status_code for r in during] == [200, 200, 200]
        assert (batch.status_code, rejected.status_code, read.status_code) == (200, 401, 503)
        assert health["status"] == "degraded"
        assert health["database"] == {
            "backend": "postgresql",
            "status": "unreachable",
            # 3 singles, 1 batch, the 401 and the 503 (the test client returns once the
            # recorder has written them; a real server answers before)
            "spooled_traces": 6,
            "refused_traces": 0,
        }

        server.start()
        _wait_for(lambda: client.get("/health").json()["status"] == "ok")

    answered = [before, *(r.json() for r in during), *batch.json()["predictions"]]
    engine = create_database_engine(resolve_database_url(server.url))
    with Session(engine) as session:
        stored = list(session.scalars(select(PredictionResult.id)))
        statuses = sorted(session.scalars(select(Request.status_code)))
        responses = session.scalar(select(func.count()).select_from(ApiResponse))
    engine.dispose()
    assert sorted(stored) == sorted(p["prediction_id"] for p in answered)
    assert statuses == [200] * 5 + [401, 503]
    assert responses == 7


@pytest.mark.postgres
def test_the_service_starts_while_postgres_is_down_and_catches_up_when_it_returns(
    server: PrivatePostgres, tmp_path: Path, records: list[dict]
) -> None:
    server.stop()  # a brand-new server, never migrated, and down before the service starts
    settings = make_settings(
        tmp_path, api_tokens=TOKEN, database_url=server.url, spool_retry_seconds=0.2
    )
    with TestClient(create_app(settings)) as client:
        health = client.get("/health").json()
        answered = client.post("/predict", json=records[0], headers=AUTH)
        reads = [client.get(path, headers=AUTH) for path in ("/predictions", "/employees/1")]
        assert (health["status"], health["database"]["status"]) == ("degraded", "unreachable")
        assert answered.status_code == 200
        assert [read.status_code for read in reads] == [503, 503]
        assert all(read.headers["Retry-After"] for read in reads)
        assert client.get("/openapi.json").status_code == 200  # the docs need no database

        server.start()
        _wait_for(lambda: client.get("/health").json()["status"] == "ok")
        prediction_id = answered.json()["prediction_id"]
        trace = client.get(f"/predictions/{prediction_id}", headers=AUTH)
        employee = client.get("/employees/1", headers=AUTH)
    assert trace.status_code == 200 and trace.json()["model"]["source"] == "local"
    assert employee.status_code == 200  # migrated and loaded once it came back
    engine = create_database_engine(resolve_database_url(server.url))
    with Session(engine) as session:
        statuses = sorted(session.scalars(select(Request.status_code)))
    engine.dispose()
    assert statuses == [200, 200, 200, 503, 503]
