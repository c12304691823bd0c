"""One training started through the API, in a process of its own:
`python -m src.lifecycle.training_job RUN_ID` (the service starts it; nobody needs to).

A separate process, at a lower CPU priority, so that training (minutes of numpy) takes
nothing from the serving event loop or its threads, and only the CPU the service leaves. It
reads its parameters from its `training_runs` row, reports its progress there (fold i of n),
trains against the registry's champion exactly as `python -m src.train --register` does,
and ends the row with the result or the reason it failed.
"""

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from database import training_runs
from database.engine import engine_from_settings
from database.models import utc_now
from src.config import Settings
from src.evaluation import Protocol
from src.lifecycle.store import status_of, store_and_register
from src.lifecycle.tracking import TrackedRun, tracking_store
from src.train import TrainingData, read_champion, registry_state, train

logger = logging.getLogger(__name__)

#: Added to the training's niceness: serving keeps the CPU when it needs it.
NICENESS = 10


def run(run_id: str, settings: Settings) -> int:
    engine = engine_from_settings(settings)
    output = Path(tempfile.mkdtemp(prefix="training-"))
    try:
        with engine.connect() as connection:
            params = training_runs.params_of(connection, run_id)
        training_runs.report(engine, run_id, status="running", started_at=utc_now())
        after, _, champion_dir = registry_state(engine)
        champion = read_champion(champion_dir)
        data = TrainingData.from_extracts(settings.data_dir)

        def progress(done: int, total: int, stage: str) -> None:
            training_runs.report(
                engine, run_id, progress_done=done, progress_total=total, stage=stage
            )

        store = tracking_store(settings.mlflow_tracking_uri, settings.mlflow_dir)
        with TrackedRun(
            store, "training", {"data_sha256": data.sha256, "api_run": run_id}
        ) as tracked:
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
            store_and_register(engine, settings.model_store_dir, output)
        comparison = metadata["lifecycle"]["comparison"] or {}
        result = {
            "version": metadata["version"],
            "sha256": metadata["sha256"],
            "status": status_of(metadata),
            "decision": comparison.get("decision", "no champion"),
            "reasons": comparison.get("reasons", []),
            "mlflow_run_id": metadata["lifecycle"]["mlflow_run_id"],
            "cv": {
                name: metadata["metrics"]["cv"][name]["mean"]
                for name in ("roc_auc", "pr_auc", "brier")
            },
        }
        training_runs.finish(engine, run_id, result, None)
        logger.info("training run %s: %s (%s)", run_id, result["version"], result["decision"])
        return 0
    except Exception as err:  # whatever stopped it is the run's reason
        logger.exception("training run %s failed", run_id)
        training_runs.finish(engine, run_id, None, f"{type(err).__name__}: {err}"[:2000])
        return 1
    finally:
        shutil.rmtree(output, ignore_errors=True)
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    [run_id] = argv if argv is not None else sys.argv[1:]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    return run(run_id, Settings())


if __name__ == "__main__":
    raise SystemExit(main())
