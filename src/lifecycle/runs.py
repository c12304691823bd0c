"""Starting the trainings asked for through the API, each in a process of its own
(`src.lifecycle.training_job`), and noticing when one dies without saying so."""

import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from database import training_runs
from database.models import TrainingRun
from database.repository import has_employees
from database.training_runs import finish
from src.config import PROJECT_ROOT, Settings
from src.errors import ModelStoreNotWritableError, NoTrainingDataError
from src.preprocessing import has_extracts

logger = logging.getLogger(__name__)

#: The environment a training's process keeps from the service's.
_INHERITED = frozenset({"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "VIRTUAL_ENV"})


class TrainingLauncher:
    """Built once at start-up; `start` runs in a worker thread (a database write and a fork)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine
        # What the training's process needs of this one's configuration: the same database,
        # store, tracking and data, whatever this process read them from.
        # Only what it needs: never the service's tokens (API, admin, Hub, metrics, users).
        inherited = {
            name: value
            for name, value in os.environ.items()
            if name in _INHERITED or name.startswith(("MLFLOW_", "AWS_"))
        }
        self._environment = {
            **inherited,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "MODEL_STORE_DIR": str(settings.model_store_dir),
            "MLFLOW_DIR": str(settings.mlflow_dir),
            "DATA_DIR": str(settings.data_dir),
        }
        if settings.mlflow_tracking_uri:
            self._environment["MLFLOW_TRACKING_URI"] = settings.mlflow_tracking_uri

    def start(
        self, session: Session, params: dict[str, Any], by: str | None, request_id: str | None
    ) -> TrainingRun:
        """A queued run, its process started. Raises NoTrainingDataError (nothing to learn
        from in the source asked for), ModelStoreNotWritableError (nowhere to register the
        model) or TrainingInProgressError (one at a time)."""
        if params["source"] == "extracts" and not has_extracts(self._settings.data_dir):
            raise NoTrainingDataError("this deployment has no HR extracts to train on")
        if params["source"] == "database" and not has_employees(session):
            raise NoTrainingDataError(
                "no employee is stored to train on (python -m database.load_employees)"
            )
        if not _writable(self._settings.model_store_dir):
            raise ModelStoreNotWritableError(
                "the model store cannot be written here (MODEL_STORE_DIR is read-only): "
                "train where it is writable, e.g. the training CronJob of deploy/k8s"
            )
        run = training_runs.create(session, params, by, request_id)
        try:
            process = subprocess.Popen(  # noqa: S603 (our own module, no shell, no user input)
                [sys.executable, "-m", "src.lifecycle.training_job", run.id],
                cwd=PROJECT_ROOT,
                env=self._environment,
                start_new_session=True,  # a ^C to the service does not kill it midway
            )
        except OSError as err:  # no process: the slot must not stay taken
            finish(self._engine, run.id, None, f"its process could not start ({err.strerror})")
            raise
        threading.Thread(target=self._watch, args=(process, run.id), daemon=True).start()
        logger.info("training run %s started (process %d)", run.id, process.pid)
        return run

    def _watch(self, process: subprocess.Popen, run_id: str) -> None:
        """Waits for the process (no zombie), and fails its run if it died without ending it."""
        code = process.wait()
        with Session(self._engine) as session:
            run = training_runs.get(session, run_id)
            unfinished = run is not None and run.active == 1
        if unfinished:
            finish(self._engine, run_id, None, f"its process exited with code {code}")
            logger.error("training run %s: process exited with code %d", run_id, code)


def _writable(folder: Path) -> bool:
    """Whether a file can be created in `folder` (made if missing): a read-only mount says no
    even to root, which `os.access` would not tell."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False
