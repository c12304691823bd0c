"""Trainings through the API: one at a time (on SQLite and PostgreSQL), in a process of
their own, followed to their end over HTTP while the service keeps answering."""

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from database import training_runs
from database.migrate import upgrade
from database.models import TrainingRun, utc_now
from src.errors import TrainingInProgressError
from src.tracing import client_key_hash
from tests.database.test_model_registry import ADMIN, AS_ADMIN, AS_CLIENT, EMPLOYEE, _models
from tests.live_server import LiveServer, serve


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    upgrade(engine)
    return engine


def test_one_training_at_a_time_until_it_ends(migrated: Engine) -> None:
    with Session(migrated) as session:
        first = training_runs.create(session, {"n_repeats": 1}, None, None).id
        with pytest.raises(TrainingInProgressError, match=first):
            training_runs.create(session, {"n_repeats": 1}, None, None)
    training_runs.finish(migrated, first, {"version": "1.1.0"}, None)
    with Session(migrated) as session:
        assert training_runs.get(session, first).status == "succeeded"
        second = training_runs.create(session, {"n_repeats": 1}, None, None)
        assert second.status == "queued"


def test_a_run_whose_process_stopped_beating_is_failed_and_frees_the_slot(
    migrated: Engine,
) -> None:
    with Session(migrated) as session:
        dead = training_runs.create(session, {}, None, None).id
        session.execute(update(TrainingRun).values(heartbeat_at=utc_now() - timedelta(minutes=6)))
        session.commit()
        alive = training_runs.create(session, {}, None, None)
        reaped = training_runs.get(session, dead)
        assert reaped.status == "failed" and "interrupted" in reaped.error
        assert alive.active == 1
    # The reaped run's process, if it was only slow, learns it must stop, and cannot undo it.
    assert not training_runs.report(migrated, dead, progress_done=3)
    assert not training_runs.finish(migrated, dead, {"version": "9.9.9"}, None)
    with Session(migrated) as session:
        assert training_runs.get(session, dead).status == "failed"


@pytest.fixture
def live(tmp_path: Path, db_url: str) -> Iterator[LiveServer]:
    with serve(tmp_path, db_url, admin_tokens=ADMIN, model_store_dir=tmp_path / "store") as server:
        yield server


def _start(live: LiveServer, body: dict, headers: dict = AS_ADMIN) -> httpx.Response:
    return httpx.post(f"{live.base_url}/training/runs", json=body, headers=headers)


def test_starting_a_training_wants_an_admin_token_and_valid_parameters(live: LiveServer) -> None:
    assert _start(live, {}, headers={}).status_code == 401
    assert _start(live, {}, headers=AS_CLIENT).status_code == 403
    too_many = _start(live, {"n_repeats": 9})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "n_repeats"
    assert _start(live, {"candidates": ["svm"]}).status_code == 422
    assert _start(live, {"source": "hub"}).status_code == 422
    assert httpx.get(f"{live.base_url}/training/runs", headers=AS_CLIENT).json() == {"runs": []}


def test_without_hr_extracts_there_is_nothing_to_train_on(tmp_path: Path, db_url: str) -> None:
    """No extracts (the public Space): none to train on, and no employee stored from them."""
    empty = tmp_path / "no-data"
    empty.mkdir()
    with serve(tmp_path, db_url, admin_tokens=ADMIN, data_dir=empty) as live:
        from_extracts = _start(live, {})
        from_database = _start(live, {"source": "database"})
    assert from_extracts.status_code == 409 and "no HR extracts" in from_extracts.json()["detail"]
    assert from_database.status_code == 409
    assert "no employee is stored" in from_database.json()["detail"]


def test_a_model_store_that_cannot_be_written_starts_no_training(
    tmp_path: Path, db_url: str
) -> None:
    """As on a pod whose store is mounted read-only: /proc refuses a new folder even to root."""
    read_only = Path("/proc/attrition-model-store")
    with serve(tmp_path, db_url, admin_tokens=ADMIN, model_store_dir=read_only) as live:
        refused = _start(live, {})
        listed = httpx.get(f"{live.base_url}/training/runs", headers=AS_CLIENT).json()
    assert refused.status_code == 409 and "MODEL_STORE_DIR is read-only" in refused.json()["detail"]
    assert listed == {"runs": []}  # nothing queued, the slot is free


@pytest.mark.slow
def test_a_training_runs_to_its_end_in_its_own_process_while_the_service_answers(
    tmp_path: Path,
) -> None:
    """On SQLite only: one full training is enough, the run's rows are tested on both."""
    with serve(tmp_path, admin_tokens=ADMIN, model_store_dir=tmp_path / "store") as live:
        _follow_a_training(live)


def _follow_a_training(live: LiveServer) -> None:
    """From the database: the employees the service loaded at start-up."""
    asked = {"candidates": ["logistic_regression"], "n_repeats": 1, "source": "database"}
    started = _start(live, asked)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "queued" and run["requested_by"] == client_key_hash(ADMIN)
    assert run["params"] == asked
    again = _start(live, {})
    assert again.status_code == 409 and run["run_id"] in again.json()["detail"]
    url = f"{live.base_url}/training/runs/{run['run_id']}"
    deadline, answered, seen = time.monotonic() + 300, 0, set()
    while run["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, run
        answer = httpx.post(f"{live.base_url}/predict", json=EMPLOYEE, headers=AS_CLIENT)
        answered += answer.status_code == 200
        run = httpx.get(url, headers=AS_CLIENT).json()
        seen.add(run["status"])
        time.sleep(0.5)
    assert run["status"] == "succeeded", run["error"]
    assert "running" in seen and answered >= 10  # it answered all along
    assert run["progress"]["done"] == run["progress"]["total"] > 0
    result = run["result"]
    assert result["decision"] == "promote" and result["cv"]["roc_auc"] > 0.84
    registered = {m["version"]: m for m in _models(live)["models"]}
    assert registered[result["version"]]["sha256"] == result["sha256"]
    if result["status"] == "unchanged":
        # The shipped model, reproduced bit for bit (on a CPU whose numpy rounds as the one
        # that trained it did): its registry row stays the shipped one, not this run's.
        assert result["version"] == "1.0.0"
        assert registered["1.0.0"]["mlflow_run_id"] != result["mlflow_run_id"]
    else:
        assert result["status"] == "challenger"
        assert registered[result["version"]]["mlflow_run_id"] == result["mlflow_run_id"]
    listed = httpx.get(f"{live.base_url}/training/runs", headers=AS_CLIENT).json()["runs"]
    assert [r["run_id"] for r in listed] == [run["run_id"]]


def test_a_method_the_path_does_not_serve_names_every_method_it_does(live: LiveServer) -> None:
    """GET and the admin POST of /training/runs are two routes: 405 lists both."""
    refused = httpx.request("OPTIONS", f"{live.base_url}/training/runs", headers=AS_CLIENT)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, POST"
    deleted = httpx.delete(f"{live.base_url}/predict", headers=AS_CLIENT)
    assert deleted.status_code == 405 and deleted.headers["allow"] == "POST"
