"""Changing the model that answers, without a restart, and keeping every replica on the
registry's champion.

An activation loads the registered files with the checks of start-up (sha256 before
unpickling, the features this code builds, the scikit-learn release), records the switch in
the database, then hands the new model to the prediction service, which scores every group
after that with it (a group being scored finishes with the old one, and its traces name the
old one). Other replicas read the newest activation every `MODEL_SYNC_SECONDS` and follow.
"""

import asyncio
import logging
import threading
from pathlib import Path

from anyio import to_thread
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from database import registry
from database.models import ModelVersion
from src.artifacts import (
    METADATA_FILE,
    MODEL_FILE,
    LoadedModel,
    check_compatible,
    load_model,
    load_verified,
    read_metadata,
)
from src.config import Settings
from src.errors import (
    ArtifactCompatibilityError,
    ArtifactIntegrityError,
    DatabaseUnavailableError,
    ModelActivationError,
    UnknownModelError,
)
from src.observability.metrics import ServiceMetrics
from src.service import PredictionService, Serving

logger = logging.getLogger(__name__)


def load_registered(row: ModelVersion) -> LoadedModel:
    """The registered model's files, checked as at start-up, and first against the sha256
    the registry holds (before anything is unpickled: the folder's own metadata could have
    been rewritten with the file)."""
    folder = Path(row.location) if row.location else None
    if folder is None or not (folder / METADATA_FILE).is_file():
        raise ModelActivationError(f"model {row.version} has no files on this replica")
    try:
        metadata = read_metadata(folder)
        model = load_verified(folder / MODEL_FILE, row.sha256)
        check_compatible(model, metadata)
    except (ArtifactIntegrityError, ArtifactCompatibilityError):
        raise
    except (OSError, ValueError, KeyError, TypeError) as err:  # a file missing or unreadable
        raise ModelActivationError(
            f"model {row.version}: its files cannot be read ({type(err).__name__})"
        ) from err
    if metadata.get("sha256") != row.sha256:
        raise ArtifactIntegrityError(f"model {row.version}: its metadata names another file")
    return LoadedModel(model, metadata, source="registry", location=folder)


def active_model(settings: Settings, engine: Engine) -> LoadedModel:
    """The model the service serves now: the newest activation's, else the start-up model
    (`MODEL_REPO_ID` or the bundled one), also when the database cannot say."""
    try:
        with Session(engine) as session:
            row = registry.activated(session)
            if row is not None:
                return load_registered(row)
    except SQLAlchemyError as err:
        logger.warning("the registry cannot be read (%s): the start-up model serves", err)
    return load_model(settings)


class ModelSwitch:
    """Built once at start-up around the prediction service; `activate` and `follow` run in
    worker threads (loading a model takes tens of milliseconds, a database read too)."""

    def __init__(
        self, service: PredictionService, metrics: ServiceMetrics, sync_seconds: float
    ) -> None:
        self._service = service
        self._metrics = metrics
        self.sync_seconds = sync_seconds
        self._lock = threading.Lock()  # one switch at a time in this process

    def register_startup_model(self, session: Session) -> None:
        """The model served at start-up, in the registry with where its files are; the
        champion if there is none yet."""
        serving = self._service.serving
        has_champion = session.scalars(
            select(ModelVersion.id).where(ModelVersion.status == "champion")
        ).first()
        location = serving.loaded.location
        registry.register(
            session,
            serving.model,
            str(location) if location else None,
            "retired" if has_champion else "champion",
            hub_revision=serving.loaded.hub_revision,
        )
        session.commit()

    def activate(
        self, session: Session, version: str, by: str | None, request_id: str | None
    ) -> registry.Activation:
        """Serve `version` from now on, in this replica at once and in the others at their
        next sync. Raises UnknownModelError, ModelActivationError (the champion already, no
        files) or ArtifactIntegrityError / ArtifactCompatibilityError (files refused).

        The new model is loaded and compiled before the switch is recorded, so a recorded
        switch is one this replica can apply."""
        with self._lock:
            row = registry.find(session, version)
            if row is None:
                raise UnknownModelError(f"no registered model has version {version}")
            serving = Serving.of(load_registered(row))
            done = registry.activate(session, row, by, request_id)
            session.commit()
            if serving.model.sha256 != self._service.serving.model.sha256:
                self._swap(serving)
            self._metrics.model_behind.set(0)
            return done

    def follow(self, session: Session) -> bool:
        """Serve the model the newest activation names, if this replica does not; True if it
        switched. A replica that cannot (its files missing or refused here) keeps its model
        and says so: `attrition_model_behind_registry` 1, until it can."""
        with self._lock:
            row = registry.activated(session)
            if row is None or row.sha256 == self._service.serving.model.sha256:
                self._metrics.model_behind.set(0)
                return False
            try:
                serving = Serving.of(load_registered(row))
            except Exception:
                self._metrics.model_behind.set(1)
                raise
            self._swap(serving)
            self._metrics.model_behind.set(0)
        return True

    def _swap(self, serving: Serving) -> None:
        previous = self._service.swap(serving)
        self._metrics.model_loaded_now(serving.version, serving.model.sha256, "registry", False)
        logger.warning("model switched: %s -> %s", previous.version, serving.version)

    def sync(self, register: bool) -> None:
        """One pass, in a worker thread with a session of its own: register the start-up
        model if asked, then follow the newest activation."""
        with self._service.read_session() as session:
            if register:
                self.register_startup_model(session)
            self.follow(session)

    async def run_until_cancelled(self) -> None:
        """The app's task: register the start-up model once the database answers, then follow
        the registry's activations. A pass under way when the task is cancelled finishes
        (the thread cannot be stopped midway): the app waits for it before closing the
        database."""
        registered = False
        while True:
            try:
                await to_thread.run_sync(self.sync, not registered)
                registered = True
            except DatabaseUnavailableError:
                pass  # the writer logs the outage; the next sync tries again
            except Exception:  # files missing or refused, a bug: keep serving, retry later
                logger.exception("following the model registry failed")
            await asyncio.sleep(self.sync_seconds)
