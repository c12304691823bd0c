"""Every training run as an MLflow run: what it was given, every fold, what it decided, and the
files it wrote.

The store is MLflow's own: by default a SQLite file and an artifact folder under `MLFLOW_DIR`
(no server to run), or whatever `MLFLOW_TRACKING_URI` names (the compose file's server). Only
training imports this module: MLflow (2 s to import, ~90 MB installed) stays out of the
serving process.
"""

import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

from src.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

EXPERIMENT = "technova-attrition"
#: MLflow takes at most this many metrics in one batch call.
_BATCH = 1000


@dataclass(frozen=True)
class TrackingStore:
    """Where runs go: an MLflow URI, and for a local store the folder of its artifacts."""

    uri: str
    artifact_root: Path | None = None


def tracking_store(configured: str | None, directory: Path) -> TrackingStore:
    """`configured` (MLFLOW_TRACKING_URI) when set, else a SQLite store in `directory`."""
    if configured:
        return TrackingStore(configured)
    directory.mkdir(parents=True, exist_ok=True)
    root = directory.resolve()
    return TrackingStore(f"sqlite:///{root / 'mlflow.db'}", root / "artifacts")


def git_commit() -> str:
    """The commit the training code came from (`GIT_COMMIT` in an image without .git)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
        return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return os.environ.get("GIT_COMMIT", "unknown")


def _experiment(client: MlflowClient, store: TrackingStore) -> str:
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        return found.experiment_id
    # A local store keeps artifacts beside its database, not in the working directory.
    location = store.artifact_root.as_uri() if store.artifact_root else None
    return client.create_experiment(EXPERIMENT, artifact_location=location)


def _params(metadata: dict[str, Any]) -> dict[str, str]:
    protocol = metadata["metrics"]["protocol"]
    params = {
        "version": metadata["version"],
        "estimator": metadata["estimator"]["family"],
        "C": metadata["estimator"]["C"],
        "candidates": ",".join(sorted(metadata["metrics"]["candidates"])),
        "data_source": metadata["training_data"].get("source", "extracts"),
        "data_sha256": metadata["training_data"]["sha256"],
        "n_employees": metadata["training_data"]["n_employees"],
        "n_leavers": metadata["training_data"]["n_leavers"],
        **{f"protocol.{name}": value for name, value in protocol.items()},
    }
    return {name: str(value) for name, value in params.items()}


def _metrics(metadata: dict[str, Any], comparison: dict[str, Any] | None) -> list[Metric]:
    now = int(time.time() * 1000)
    values: list[tuple[str, float, int]] = [("threshold", metadata["threshold"], 0)]
    for name, summary in metadata["metrics"]["cv"].items():
        values += [(f"cv_{name}_mean", summary["mean"], 0), (f"cv_{name}_std", summary["std"], 0)]
    for step, fold in enumerate(metadata["metrics"]["cv_folds"]):
        values += [(f"fold_{name}", value, step) for name, value in fold.items()]
    values += [(f"holdout_{name}", v, 0) for name, v in metadata["metrics"]["holdout"].items()]
    for test in (comparison or {}).get("metrics", []):
        values.append((f"advantage_{test['metric']}", test["advantage"], 0))
        values.append((f"advantage_{test['metric']}_lower_bound", test["lower_bound"], 0))
    return [Metric(key, float(value), now, step) for key, value, step in values]


class TrackedRun:
    """One training's MLflow run, opened before training starts so that its id can go into
    the model's metadata, and closed FAILED if training raises (a refused run is a run)."""

    def __init__(self, store: TrackingStore, name: str, tags: dict[str, str]) -> None:
        self._client = MlflowClient(tracking_uri=store.uri)
        experiment = _experiment(self._client, store)
        tags = {"git_commit": git_commit(), **tags}
        self.run_id: str = self._client.create_run(experiment, run_name=name, tags=tags).info.run_id
        self._store = store

    def __enter__(self) -> "TrackedRun":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> None:
        if kind is not None:
            self._client.set_tag(self.run_id, "error", f"{kind.__name__}: {error}"[:5000])
        self._client.set_terminated(self.run_id, status="FINISHED" if kind is None else "FAILED")
        logger.info("training run %s recorded in MLflow (%s)", self.run_id, self._store.uri)

    def record(
        self, metadata: dict[str, Any], artifacts: Path, comparison: dict[str, Any] | None
    ) -> None:
        """Everything about the finished training; `artifacts` is the folder it wrote."""
        client, run_id = self._client, self.run_id
        libraries = {f"library.{name}": v for name, v in metadata["libraries"].items()}
        tags = {
            "mlflow.runName": metadata["version"],
            "version": metadata["version"],
            "model_sha256": metadata["sha256"],
            "decision": (comparison or {}).get("decision", "no champion"),
            "mlflow.note.content": _note(comparison),
            **libraries,
        }
        params = [Param(key, value) for key, value in _params(metadata).items()]
        client.log_batch(run_id, params=params, tags=[RunTag(k, v) for k, v in tags.items()])
        metrics = _metrics(metadata, comparison)
        for start in range(0, len(metrics), _BATCH):
            client.log_batch(run_id, metrics=metrics[start : start + _BATCH])
        client.log_artifacts(run_id, str(artifacts))
        views = metadata["metrics"]
        client.log_dict(run_id, views["slices"], "evaluation/slices.json")
        client.log_dict(run_id, views["calibration"], "evaluation/calibration.json")
        if comparison is not None:
            client.log_dict(run_id, comparison, "evaluation/comparison.json")


def _note(comparison: dict[str, Any] | None) -> str:
    if comparison is None:
        return "No champion to compare with."
    lines = [f"Decision: {comparison['decision']}."]
    lines += [f"- {reason}" for reason in comparison["reasons"]]
    return "\n".join(lines)
