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
from dataclasses import replace
from pathlib import Path

from anyio import to_thread
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from database import registry
from database.models import ModelVersion
from src.artifacts import LoadedModel, load_local, load_model
from src.config import Settings
from src.errors import (
    ArtifactIntegrityError,
    DatabaseUnavailableError,
    ModelActivationError,
    UnknownModelError,
)
from src.observability.metrics import ServiceMetrics
from src.service import PredictionService, Serving

logger = logging.getLogger(__name__)


def load_registered(row: ModelVersion) -> LoadedModel:
    """The registered model's files, verified against the sha256 the registry holds."""
    if row.location is None or not Path(row.location, "metadata.json").is_file():
        raise ModelActivationError(
            f"model {row.version} has no files here ({row.location or 'never registered'})"
        )
    loaded = load_local(Path(row.location))
    if loaded.metadata["sha256"] != row.sha256:
        raise ArtifactIntegrityError(
            f"{row.location} holds sha256 {loaded.metadata['sha256']}, the registry {row.sha256}"
        )
    return replace(loaded, source="registry")


def active_model(settings: Settings, engine: Engine) -> LoadedModel:
    """The model the service serves now: the newest activation's, else the start-up model
    (`MODEL_REPO_ID` or the bundled one), also when the database cannot say."""
    try:
        with Session(engine) as session:
            newest = registry.newest_activation(session)
            row = newest and registry.find(session, newest.version)
            if row is not None and row.sha256 == newest.sha256:
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
        )
        session.commit()

    def activate(
        self, session: Session, version: str, by: str | None, request_id: str | None
    ) -> registry.Activation:
        """Serve `version` from now on, in this replica at once and in the others at their
        next sync. Raises UnknownModelError, ModelActivationError (already serving, no files)
        or ArtifactIntegrityError (the files do not match the registry)."""
        with self._lock:
            row = registry.find(session, version)
            if row is None:
                raise UnknownModelError(f"no registered model has version {version}")
            current = self._service.serving
            if row.sha256 == current.model.sha256:
                raise ModelActivationError(f"model {version} is the one serving already")
            loaded = load_registered(row)
            registry.activate(session, row, current.model.sha256, by, request_id)
            session.commit()
            self._swap(Serving.of(loaded))
            [done] = registry.activations(session, limit=1)
            return done

    def follow(self, session: Session) -> bool:
        """Serve the model the newest activation names, if this replica does not; True if it
        switched."""
        newest = registry.newest_activation(session)
        if newest is None or newest.sha256 == self._service.serving.model.sha256:
            return False
        with self._lock:
            row = registry.find(session, newest.version)
            if row is None or row.sha256 != newest.sha256:
                return False
            self._swap(Serving.of(load_registered(row)))
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
