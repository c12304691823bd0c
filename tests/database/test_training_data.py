"""Training from what the service stores: the employees, with the outcomes HR reported since."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from database.load_employees import load_employees
from database.migrate import upgrade
from database.models import Outcome
from database.repository import latest_reported_outcomes
from src.errors import NoTrainingDataError
from src.ids import new_id
from src.lifecycle.training_data import TrainingData
from src.train import main
from tests.conftest import DATA_DIR
from tests.database.conftest import TOKEN

AUTH = {"X-API-Key": TOKEN}


def _report(client: TestClient, *outcomes: dict) -> None:
    answer = client.post("/outcomes/batch", json={"outcomes": list(outcomes)}, headers=AUTH)
    assert answer.status_code == 201, answer.text


def test_stored_employees_without_reports_are_the_extracts_exactly(engine: Engine) -> None:
    upgrade(engine)
    load_employees(engine, DATA_DIR)
    stored, extracts = TrainingData.from_database(engine), TrainingData.from_extracts(DATA_DIR)
    pd.testing.assert_frame_equal(stored.frame, extracts.frame)
    assert stored.sha256 == extracts.sha256
    assert stored.describe()["reported_outcomes"] == {
        "reported_used": 0,
        "reported_changed": 0,
        "reported_without_employee": 0,
    }


def test_the_newest_reported_outcome_of_each_employee_is_learnt(
    client: TestClient, engine: Engine
) -> None:
    """Employee 2 stayed in the extracts; reported still there in June, gone in October (sent
    first), it is learnt as a leaver. Employee 1 left; a later report says still there."""
    before = TrainingData.from_database(engine)
    assert not before.frame.at[2, "a_quitte_l_entreprise"]
    _report(
        client,
        {"id_employee": 2, "left": True, "date": "2026-10-01"},
        {"id_employee": 2, "left": False, "date": "2026-06-01"},
        {"id_employee": 1, "left": False, "date": "2026-11-02"},
        {"id_employee": 999_999, "left": True, "date": "2026-11-02"},
    )
    after = TrainingData.from_database(engine)
    assert after.frame.at[2, "a_quitte_l_entreprise"]
    assert not after.frame.at[1, "a_quitte_l_entreprise"]
    assert len(after.frame) == len(before.frame)  # 999999 has no record to learn from
    assert after.describe()["reported_outcomes"] == {
        "reported_used": 2,
        "reported_changed": 2,
        "reported_without_employee": 1,
    }
    assert after.sha256 != before.sha256
    changed = after.frame.index[after.frame.ne(before.frame).any(axis=1)]
    assert list(changed) == [1, 2]


def test_a_later_report_of_the_same_day_wins(client: TestClient, engine: Engine) -> None:
    _report(client, {"id_employee": 2, "left": True, "date": "2026-10-01"})
    _report(client, {"id_employee": 2, "left": False, "date": "2026-10-01"})
    assert not TrainingData.from_database(engine).frame.at[2, "a_quitte_l_entreprise"]


def test_contradictory_reports_recorded_at_one_instant_resolve_to_left(engine: Engine) -> None:
    """Same employee, same date, same recording time (rows of one batch can share it): they
    have no order, so "left" is chosen, whichever row the database returns first."""
    upgrade(engine)
    instant = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    rows = [
        {
            "id": new_id(),
            "id_employee": i,
            "left": left,
            "outcome_date": date(2026, 10, 1),
            "source": "api",
            "recorded_at": instant,
        }
        for i, order in ((3, (False, True)), (4, (True, False)))
        for left in order
    ]
    with engine.begin() as connection:
        connection.execute(insert(Outcome), rows)
    with Session(engine) as session:
        assert latest_reported_outcomes(session) == {3: True, 4: True}


def test_a_database_without_employees_has_nothing_to_train_on(engine: Engine) -> None:
    upgrade(engine)
    with pytest.raises(NoTrainingDataError, match="load_employees"):
        TrainingData.from_database(engine)


def test_the_cli_says_so_and_writes_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MLFLOW_DIR", str(tmp_path / "mlruns"))
    out = tmp_path / "models"
    assert main(["--source", "database", "--output-dir", str(out), "--no-champion"]) == 1
    assert not out.exists()


@pytest.mark.slow
def test_a_model_trained_from_the_database_names_that_data(
    client: TestClient, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _report(client, {"id_employee": 2, "left": True, "date": "2026-10-01"})
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MLFLOW_DIR", str(tmp_path / "mlruns"))
    out = tmp_path / "models"
    argv = ["--source", "database", "--output-dir", str(out), "--no-champion"]
    assert main([*argv, "--n-repeats", "1", "--candidates", "logistic_regression"]) == 0
    data = json.loads((out / "metadata.json").read_text(encoding="utf-8"))["training_data"]
    assert data["source"] == "database" and data["n_leavers"] == 238
    assert data["reported_outcomes"]["reported_changed"] == 1
    assert data["sha256"] != TrainingData.from_extracts(DATA_DIR).sha256
