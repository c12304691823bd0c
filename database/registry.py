"""The model registry's rows: every model trained here or served, where its files are, its
lifecycle status, and every switch of the serving model.

One model is the `champion`: the one the newest activation names (or, before any activation,
the one served at start-up). A newly trained model is a `challenger` when its comparison with
the champion said promote, `refused` otherwise; a champion that another activation replaces
is `retired`. Any registered model with files can be activated (a rollback activates a
retired one).
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from database.engine import serialize
from database.models import ModelActivation, ModelVersion, utc_now
from database.repository import ServedModel, add_model_version
from src.errors import ModelActivationError


@dataclass(frozen=True)
class Activation:
    version: str
    sha256: str
    previous_version: str | None
    activated_at: datetime
    activated_by: str | None
    request_id: str | None


def register(
    session: Session,
    model: ServedModel,
    location: str | None,
    status: str,
    mlflow_run_id: str | None = None,
    decision: dict[str, Any] | None = None,
    hub_revision: tuple[str, str] | None = None,
) -> ModelVersion:
    """The model's row with where its files are; added, or completed if it served already.
    A model registered again keeps its first status (a champion stays one), and its files'
    folder unless that folder is gone (replicas each register the model they start with)."""
    model_id = add_model_version(session.connection(), model, serves=False)
    row = session.get_one(ModelVersion, model_id)
    if row.registered_at is None:
        row.registered_at = utc_now()
        row.status = row.status or status
    if row.location is None or not Path(row.location).is_dir():
        row.location = location
    row.mlflow_run_id = row.mlflow_run_id or mlflow_run_id
    row.decision = row.decision or decision
    if hub_revision is not None:  # the newest pin that shipped it
        row.hub_repo_id, row.hub_revision = hub_revision
    return row


def find(session: Session, version: str) -> ModelVersion | None:
    """The registered model of that version (rows of models that only served, from before
    the registry, may share a version: they have no files)."""
    return session.scalars(
        select(ModelVersion)
        .where(ModelVersion.version == version, ModelVersion.location.is_not(None))
        .order_by(ModelVersion.id.desc())
        .limit(1)
    ).first()


def activated(session: Session) -> ModelVersion | None:
    """The model the newest activation names: the one every replica should serve."""
    return session.scalars(
        select(ModelVersion)
        .join(ModelActivation, ModelActivation.model_version_id == ModelVersion.id)
        .order_by(ModelActivation.id.desc())
        .limit(1)
    ).first()


def champion(session: Session) -> ModelVersion | None:
    """The activated model, else (no activation yet) the one registered as champion."""
    return (
        activated(session)
        or session.scalars(
            select(ModelVersion).where(ModelVersion.status == "champion").order_by(ModelVersion.id)
        ).first()
    )


def activations(session: Session, limit: int = 50) -> list[Activation]:
    """The switches, newest first."""
    target, previous = aliased(ModelVersion), aliased(ModelVersion)
    rows = session.execute(
        select(ModelActivation, target.version, target.sha256, previous.version)
        .join(target, target.id == ModelActivation.model_version_id)
        .outerjoin(previous, previous.id == ModelActivation.previous_version_id)
        .order_by(ModelActivation.id.desc())
        .limit(limit)
    ).all()
    return [
        Activation(
            version=version,
            sha256=sha256,
            previous_version=previous_version,
            activated_at=activation.activated_at,
            activated_by=activation.activated_by,
            request_id=activation.request_id,
        )
        for activation, version, sha256, previous_version in rows
    ]


def activate(
    session: Session, target: ModelVersion, activated_by: str | None, request_id: str | None
) -> Activation:
    """Records the switch to `target` (the caller commits): the target becomes the champion,
    any other champion is retired. Decided against the registry, not against what one replica
    serves, and alone among concurrent activations (an advisory lock on PostgreSQL; SQLite
    serves one process). Raises ModelActivationError if `target` is the champion already."""
    serialize(session.connection(), "model activation")
    current = champion(session)
    if current is not None and current.id == target.id:
        raise ModelActivationError(f"model {target.version} is the champion already")
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.status == "champion", ModelVersion.id != target.id)
        .values(status="retired")
    )
    target.status = "champion"
    switch = ModelActivation(
        model_version_id=target.id,
        previous_version_id=current and current.id,
        activated_at=utc_now(),
        activated_by=activated_by,
        request_id=request_id,
    )
    session.add(switch)
    return Activation(
        version=target.version,
        sha256=target.sha256,
        previous_version=current and current.version,
        activated_at=switch.activated_at,
        activated_by=activated_by,
        request_id=request_id,
    )


def versions(session: Session) -> list[ModelVersion]:
    """Every known model, newest first."""
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))
