"""The training CLI: candidate selection, the bar, and the artifacts it writes."""

import json
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient
from sqlalchemy.orm import Session

from database import registry
from database.engine import create_database_engine, resolve_database_url
from src.artifacts import LoadedModel, load_local, sha256_bytes
from src.errors import ModelSelectionError
from src.lifecycle.tracking import EXPERIMENT, tracking_store
from src.lifecycle.versioning import next_version
from src.model_card import render_model_card
from src.train import check_bar, main, select_candidate
from tests.conftest import DATA_DIR, MODELS_DIR


def _summary(roc_auc: float, pr_auc: float = 0.7, brier: float = 0.08) -> dict:
    return {
        "roc_auc": {"mean": roc_auc, "std": 0.0},
        "pr_auc": {"mean": pr_auc, "std": 0.0},
        "brier": {"mean": brier, "std": 0.0},
    }


def test_linear_model_is_chosen_when_within_a_hundredth_of_the_best() -> None:
    summaries = {"logistic_regression": _summary(0.845), "gradient_boosting": _summary(0.854)}
    assert select_candidate(summaries) == "logistic_regression"


def test_clearly_better_non_linear_model_stops_training() -> None:
    summaries = {"logistic_regression": _summary(0.80), "gradient_boosting": _summary(0.85)}
    with pytest.raises(ModelSelectionError, match="gradient_boosting beats logistic_regression"):
        select_candidate(summaries)


def test_selection_without_a_linear_candidate_is_refused() -> None:
    with pytest.raises(ModelSelectionError, match="no linear candidate"):
        select_candidate({"dummy": _summary(0.5)})


def test_bar_failures_name_each_missed_metric() -> None:
    assert check_bar(_summary(0.85, 0.66, 0.09)) == []
    failures = check_bar(_summary(0.83, 0.66, 0.11))
    assert failures == [
        "CV roc_auc 0.830 misses the bar 0.840",
        "CV brier 0.110 misses the bar 0.100",
    ]


@pytest.mark.slow
def test_cli_compares_with_the_champion_bumps_its_version_and_tracks_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: LoadedModel, data_copy: Path
) -> None:
    """New extracts (one survey answer changed): a minor version, compared with the champion."""
    survey = data_copy / "extrait_sondage.csv"
    lines = survey.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Oui,0,0,1,000001,1,", "Oui,0,0,1,000001,2,")  # distance 1 -> 2
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("MLFLOW_DIR", str(tmp_path / "mlruns"))
    out = tmp_path / "models"
    argv = ["--data-dir", str(data_copy), "--output-dir", str(out), "--champion", str(MODELS_DIR)]
    argv += ["--n-repeats", "1", "--candidates", "logistic_regression", "dummy"]
    assert main(argv) == 0
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["version"] == next_version(shipped.metadata["version"], "minor")
    assert metadata["training_data"]["sha256"] != shipped.metadata["training_data"]["sha256"]
    assert metadata["sha256"] == sha256_bytes((out / "model.joblib").read_bytes())
    assert metadata["metrics"]["cv"]["roc_auc"]["mean"] >= 0.84
    assert len(metadata["metrics"]["cv_folds"]) == 5
    assert set(metadata["metrics"]["candidates"]) == {"logistic_regression", "dummy"}
    assert (out / "MODEL_CARD.md").read_text(encoding="utf-8") == render_model_card(metadata)
    assert load_local(out).metadata == metadata
    lifecycle = metadata["lifecycle"]
    assert lifecycle["previous_version"] == shipped.metadata["version"]
    assert lifecycle["change"] == "minor" and lifecycle["comparison"]["decision"] == "promote"
    store = tracking_store(None, tmp_path / "mlruns")
    run = MlflowClient(tracking_uri=store.uri).get_run(lifecycle["mlflow_run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["decision"] == "promote"
    assert run.data.params["data_sha256"] == metadata["training_data"]["sha256"]


def test_cli_without_a_shippable_candidate_writes_nothing_and_records_a_failed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_DIR", str(tmp_path / "mlruns"))
    out = tmp_path / "models"
    argv = ["--data-dir", str(DATA_DIR), "--output-dir", str(out), "--candidates", "dummy"]
    assert main(argv + ["--n-repeats", "1", "--no-champion"]) == 1
    assert not out.exists()
    client = MlflowClient(tracking_uri=tracking_store(None, tmp_path / "mlruns").uri)
    [run] = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
    assert run.info.status == "FAILED" and "no linear candidate" in run.data.tags["error"]


def test_scheduled_retraining_trains_nothing_when_the_data_is_the_champions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_DIR", str(tmp_path / "mlruns"))
    out = tmp_path / "models"
    argv = ["--data-dir", str(DATA_DIR), "--output-dir", str(out), "--champion", str(MODELS_DIR)]
    assert main([*argv, "--only-if-data-changed"]) == 0
    assert not out.exists() and not (tmp_path / "mlruns").exists()


@pytest.mark.slow
def test_a_registered_training_lands_in_the_store_and_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_DIR", str(tmp_path / "mlruns"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("MODEL_STORE_DIR", str(tmp_path / "store"))
    out = tmp_path / "models"
    argv = ["--data-dir", str(DATA_DIR), "--output-dir", str(out), "--register"]
    assert (
        main([*argv, "--no-champion", "--n-repeats", "1", "--candidates", "logistic_regression"])
        == 0
    )
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    stored = tmp_path / "store" / metadata["version"]
    assert load_local(stored).metadata == metadata
    engine = create_database_engine(resolve_database_url(f"sqlite:///{tmp_path / 'registry.db'}"))
    with Session(engine) as session:
        [row] = registry.versions(session)
    engine.dispose()
    assert (row.version, row.sha256, row.location) == (
        metadata["version"],
        metadata["sha256"],
        str(stored.resolve()),
    )
    assert row.status == "challenger" and row.first_served_at is None
    assert row.mlflow_run_id == metadata["lifecycle"]["mlflow_run_id"]
