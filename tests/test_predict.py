"""The batch prediction CLI: a CSV in, the scored CSV out, every prediction traced (`cli`)."""

import csv
import logging
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from database.engine import create_database_engine, resolve_database_url
from database.models import EmployeeInput, ModelVersion, PredictionResult, Request
from src.artifacts import LoadedModel
from src.predict import main
from src.prediction import Predictor
from src.ui.batch import COLUMNS
from tests.conftest import DATA_DIR


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "id_employee"], delimiter=";")
        writer.writeheader()
        writer.writerows({name: row[name] for name in writer.fieldnames} for row in rows)
    return path


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SPOOL_DIR", str(tmp_path / "spool"))
    return url


def test_a_csv_is_scored_by_the_serving_model_and_every_prediction_traced(
    tmp_path: Path, database: str, records: list[dict], predictor: Predictor, shipped: LoadedModel
) -> None:
    rows = [{**record, "id_employee": 1000 + i} for i, record in enumerate(records[:25])]
    source, scored_path = _write(tmp_path / "in.csv", rows), tmp_path / "out.csv"
    assert main([str(source), str(scored_path)]) == 0
    scored = pd.read_csv(scored_path, dtype={"prediction_id": str})
    assert len(scored) == 25 and scored["id_employee"].tolist() == list(range(1000, 1025))
    expected = [answer.probability for answer in predictor.predict(records[:25])]
    assert scored["probabilite"].tolist() == pytest.approx(expected, abs=1e-6)
    engine = create_database_engine(resolve_database_url(database))
    with Session(engine) as session:
        stored = session.execute(
            select(PredictionResult.id, Request.source, ModelVersion.sha256)
            .join(ModelVersion, ModelVersion.id == PredictionResult.model_version_id)
            .join(EmployeeInput, EmployeeInput.id == PredictionResult.input_id)
            .join(Request, Request.id == EmployeeInput.request_id)
        ).all()
    engine.dispose()
    assert {row.id for row in stored} == set(scored["prediction_id"])
    assert {(row.source, row.sha256) for row in stored} == {("cli", shipped.metadata["sha256"])}


def test_a_file_with_bad_rows_scores_nothing_and_says_why_in_french(
    tmp_path: Path, database: str, records: list[dict], caplog: pytest.LogCaptureFixture
) -> None:
    rows = [{**records[0], "id_employee": 1, "age": 12}]
    scored_path = tmp_path / "out.csv"
    assert main([str(_write(tmp_path / "in.csv", rows)), str(scored_path)]) == 2
    assert "1 erreur(s) dans le fichier : rien n'a été prédit ni enregistré" in caplog.text
    assert "age" in caplog.text and not scored_path.exists()
    assert not Path(database.removeprefix("sqlite:///")).exists()  # nothing was opened


@pytest.mark.usefixtures("database")
def test_the_sample_file_of_the_readme_gives_what_the_readme_shows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`python -m src.predict data/sample_employees.csv scored.csv`: the first 25 employees
    of the extracts, 5 of them at risk (the README's example line)."""
    readme = (DATA_DIR.parent / "README.md").read_text("utf-8")
    assert "python -m src.predict data/sample_employees.csv scored.csv" in readme
    assert "# 25 employees scored by model 1.0.0 (5 at risk)" in readme
    caplog.set_level(logging.INFO, logger="src.predict")
    assert main([str(DATA_DIR / "sample_employees.csv"), str(tmp_path / "scored.csv")]) == 0
    assert "25 employees scored by model 1.0.0 (5 at risk)" in caplog.text
