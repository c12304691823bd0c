"""Training runs recorded in a real MLflow store (SQLite, in a temporary folder)."""

import json
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from src.artifacts import LoadedModel
from src.lifecycle.tracking import EXPERIMENT, TrackedRun, tracking_store
from tests.conftest import MODELS_DIR


def test_the_default_store_is_a_sqlite_file_with_artifacts_beside_it(tmp_path: Path) -> None:
    store = tracking_store(None, tmp_path / "mlruns")
    assert store.uri == f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    assert store.artifact_root == tmp_path / "mlruns" / "artifacts"
    assert tracking_store("http://mlflow:5000", tmp_path).uri == "http://mlflow:5000"


def test_a_finished_training_is_a_run_with_its_folds_files_and_decision(
    tmp_path: Path, shipped: LoadedModel
) -> None:
    store = tracking_store(None, tmp_path / "mlruns")
    comparison = {"decision": "promote", "reasons": [], "metrics": [], "champion": "0.9.0"}
    with TrackedRun(store, "training", {"data_sha256": "abc"}) as run:
        run.record(shipped.metadata, MODELS_DIR, comparison)
    client = MlflowClient(tracking_uri=store.uri)
    found = client.get_run(run.run_id)
    assert found.info.status == "FINISHED"
    assert found.info.experiment_id == client.get_experiment_by_name(EXPERIMENT).experiment_id
    assert found.data.tags["decision"] == "promote"
    assert found.data.tags["mlflow.runName"] == shipped.metadata["version"]
    assert found.data.tags["library.scikit-learn"] == shipped.metadata["libraries"]["scikit-learn"]
    assert len(found.data.tags["git_commit"]) in (40, len("unknown"))
    assert found.data.params["data_sha256"] == shipped.metadata["training_data"]["sha256"]
    cv = shipped.metadata["metrics"]["cv"]
    assert found.data.metrics["cv_roc_auc_mean"] == pytest.approx(cv["roc_auc"]["mean"])
    history = client.get_metric_history(run.run_id, "fold_roc_auc")
    folds = shipped.metadata["metrics"]["cv_folds"]
    assert [m.step for m in history] == list(range(len(folds)))
    assert [m.value for m in history] == pytest.approx([f["roc_auc"] for f in folds])
    files = {artifact.path for artifact in client.list_artifacts(run.run_id)}
    assert {"model.joblib", "metadata.json", "MODEL_CARD.md", "evaluation"} <= files
    logged = Path(client.download_artifacts(run.run_id, "evaluation/comparison.json", tmp_path))
    assert json.loads(logged.read_text("utf-8")) == comparison


def test_a_training_that_raises_is_recorded_as_failed_with_its_reason(tmp_path: Path) -> None:
    store = tracking_store(None, tmp_path / "mlruns")
    with pytest.raises(RuntimeError), TrackedRun(store, "training", {}) as run:
        raise RuntimeError("CV roc_auc 0.500 misses the bar 0.840")
    found = MlflowClient(tracking_uri=store.uri).get_run(run.run_id)
    assert found.info.status == "FAILED"
    assert found.data.tags["error"] == "RuntimeError: CV roc_auc 0.500 misses the bar 0.840"
