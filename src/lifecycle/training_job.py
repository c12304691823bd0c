"""One training started through the API, in a process of its own:
`python -m src.lifecycle.training_job RUN_ID` (the service starts it; nobody needs to).

A separate process, at a lower CPU priority, so that training (minutes of numpy) takes
nothing from the serving event loop or its threads, and only the CPU the service leaves. It
reads its parameters from its `training_runs` row (the candidates, the repeats, the data's
source), reports its progress there (fold i of n), trains against the registry's champion
exactly as `python -m src.train --register` does,
and ends the row with the result or the reason it failed.
"""

import logging
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from database import training_runs
from database.engine import engine_from_settings
from database.models import utc_now
from src.config import Settings
from src.errors import ModelSelectionError, NoTrainingDataError
from src.evaluation import Protocol
from src.lifecycle.store import UNCHANGED, status_of, store_and_register
from src.lifecycle.tracking import TrackedRun, tracking_store
from src.lifecycle.training_data import TrainingData
from src.train import read_champion, registry_state, train

logger = logging.getLogger(__name__)

#: Added to the training's niceness: serving keeps the CPU when it needs it.
NICENESS = 10
#: How often the run says it is alive (training_runs.STALE_AFTER is 5 minutes).
HEARTBEAT_SECONDS = 30.0


class _Heartbeat:
    """Beats every `HEARTBEAT_SECONDS` from a thread, so that a long step (a fold of gradient
    boosting on a busy machine) never looks like a dead process."""

    def __init__(self, engine: Engine, run_id: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(engine, run_id), daemon=True)

    def _beat(self, engine: Engine, run_id: str) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                if not training_runs.report(engine, run_id):
                    return  # reaped: nothing more to say
            except SQLAlchemyError:
                logger.warning("training run %s: heartbeat not written", run_id)

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()


def _reason(err: Exception) -> str:
    """What API readers see of a failure: the sentence for the training's own refusals, the
    kind only for anything else (its text may hold SQL or a URI; the log has it whole)."""
    if isinstance(err, ModelSelectionError | NoTrainingDataError | ValueError):
        return f"{type(err).__name__}: {err}"[:2000]
    return f"{type(err).__name__} (see the service's log)"


def run(run_id: str, settings: Settings) -> int:
    engine = engine_from_settings(settings)
    output = Path(tempfile.mkdtemp(prefix="training-"))
    try:
        with engine.connect() as connection:
            params = training_runs.params_of(connection, run_id)
        training_runs.report(engine, run_id, status="running", started_at=utc_now())
        with _Heartbeat(engine, run_id):
            result = _train(run_id, params, settings, engine, output)
        if training_runs.finish(engine, run_id, result, None):
            logger.info("training run %s: %s (%s)", run_id, result["version"], result["decision"])
        return 0
    except Exception as err:  # whatever stopped it is the run's reason
        logger.exception("training run %s failed", run_id)
        training_runs.finish(engine, run_id, None, _reason(err))
        return 1
    finally:
        shutil.rmtree(output, ignore_errors=True)
        engine.dispose()


def _train(
    run_id: str, params: dict[str, Any], settings: Settings, engine: Engine, output: Path
) -> dict[str, Any]:
    after, registered, champion_dir = registry_state(engine, settings)
    if registered and champion_dir is None:
        raise ModelSelectionError(
            "the registry's champion has no files where training runs (the model store)"
        )
    champion = read_champion(champion_dir)
    data = TrainingData.load(params.get("source", "extracts"), settings.data_dir, engine)

    def progress(done: int, total: int, stage: str) -> None:
        try:
            training_runs.report(
                engine, run_id, progress_done=done, progress_total=total, stage=stage
            )
        except SQLAlchemyError:  # a blip of the database must not stop the training
            logger.warning("training run %s: progress not written", run_id)

    store = tracking_store(settings.mlflow_tracking_uri, settings.mlflow_dir)
    tags = {"data_sha256": data.sha256, "api_run": run_id}
    with TrackedRun(store, "training", tags) as tracked:
        metadata = train(
            data,
            output,
            Protocol(n_repeats=params["n_repeats"]),
            tuple(params["candidates"]),
            champion=champion,
            run=tracked,
            progress=progress,
            after=after,
        )
        registered = store_and_register(engine, settings.model_store_dir, output)
    comparison = metadata["lifecycle"]["comparison"] or {}
    cv = metadata["metrics"]["cv"]
    return {
        "version": metadata["version"],
        "sha256": metadata["sha256"],
        "status": status_of(metadata) if registered else UNCHANGED,
        "decision": comparison.get("decision", "no champion"),
        "reasons": comparison.get("reasons", []),
        "mlflow_run_id": metadata["lifecycle"]["mlflow_run_id"],
        "cv": {name: cv[name]["mean"] for name in ("roc_auc", "pr_auc", "brier")},
    }


def main(argv: list[str] | None = None) -> int:
    [run_id] = argv if argv is not None else sys.argv[1:]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    return run(run_id, Settings())


if __name__ == "__main__":
    raise SystemExit(main())
