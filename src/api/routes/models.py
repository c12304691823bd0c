"""The model registry over HTTP: the versions and their switches (an API token), and the
switch itself (an admin token)."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from database import registry
from database.models import ModelVersion
from database.repository import ServedModel
from src.api.deps import CallDep, SessionDep
from src.api.recorder import audited_router

router = audited_router(tags=["models"])
admin_router = audited_router(tags=["models"], errors=(404, 409), admin=True)

VERSION_PATTERN = r"^\d{1,6}\.\d{1,6}\.\d{1,6}$"


class Activation(BaseModel):
    version: str
    previous_version: str | None
    activated_at: datetime
    activated_by: str | None = Field(description="hash of the admin key that switched")
    request_id: str | None


class HubRevision(BaseModel):
    repo_id: str
    revision: str
    url: str = Field(description="the model repo at that revision")


class RegisteredModel(BaseModel):
    version: str
    sha256: str
    status: str | None = Field(description="champion, challenger, refused or retired")
    serving_here: bool = Field(description="the model this replica answers with")
    trained_at: datetime
    registered_at: datetime | None
    first_served_at: datetime | None
    mlflow_run_id: str | None
    cv: dict[str, float] = Field(description="cross-validated means: roc_auc, pr_auc, brier")
    decision: str | None = Field(description="its comparison with the champion of its training")
    reasons: list[str]
    promoted_at: datetime | None = Field(description="its newest activation")
    promoted_by: str | None
    has_files: bool = Field(description="its files were registered (a folder of the store)")
    hub: HubRevision | None = Field(description="the Hub revision that ships it, if known")
    training_data: dict[str, Any] | None = Field(
        description="what it learnt from: source (extracts or database), sha256, employees, "
        "leavers and, from the database, how many reported outcomes were used and changed "
        "what the extracts said"
    )


class Registry(BaseModel):
    serving: dict[str, str]
    models: list[RegisteredModel]
    activations: list[Activation]


def _registered(
    row: ModelVersion, serving_sha256: str, promoted: registry.Activation | None
) -> RegisteredModel:
    cv: dict[str, Any] = row.metrics.get("cv", {})
    decision = row.decision or {}
    return RegisteredModel(
        version=row.version,
        sha256=row.sha256,
        status=row.status,
        serving_here=row.sha256 == serving_sha256,
        trained_at=row.trained_at,
        registered_at=row.registered_at,
        first_served_at=row.first_served_at,
        mlflow_run_id=row.mlflow_run_id,
        cv={name: cv[name]["mean"] for name in ("roc_auc", "pr_auc", "brier") if name in cv},
        decision=decision.get("decision"),
        reasons=decision.get("reasons", []),
        promoted_at=promoted and promoted.activated_at,
        promoted_by=promoted and promoted.activated_by,
        has_files=row.location is not None,
        hub=_hub(row),
        training_data=row.metrics.get("training_data"),
    )


def _hub(row: ModelVersion) -> HubRevision | None:
    if row.hub_repo_id is None or row.hub_revision is None:
        return None
    url = f"https://huggingface.co/{row.hub_repo_id}/tree/{row.hub_revision}"
    return HubRevision(repo_id=row.hub_repo_id, revision=row.hub_revision, url=url)


@router.get("/models")
def list_models(request: Request, session: SessionDep) -> Registry:
    """Every model this service has registered or served, newest first, with its status,
    metrics and decision, and the switches of the serving model (newest first)."""
    return registry_view(session, request.app.state.service.serving.model)


def registry_view(session: Session, serving: ServedModel) -> Registry:
    """The registry as `GET /models` and the HR space's Modèle tab show it."""
    switches = registry.activations(session)
    newest: dict[str, registry.Activation] = {}
    for switch in reversed(switches):
        newest[switch.sha256] = switch
    return Registry(
        serving={"version": serving.version, "sha256": serving.sha256},
        models=[
            _registered(row, serving.sha256, newest.get(row.sha256))
            for row in registry.versions(session)
        ],
        activations=[Activation(**asdict(switch)) for switch in switches],
    )


@admin_router.post("/models/{version}/activate")
def activate_model(
    version: Annotated[str, Path(pattern=VERSION_PATTERN, max_length=20)],
    request: Request,
    session: SessionDep,
    call: CallDep,
) -> Activation:
    """Serve `version` from now on, without a restart: its files are checked as at start-up,
    the switch is recorded, this replica switches at once and the others within
    `MODEL_SYNC_SECONDS`. A rollback is the activation of the previous version."""
    switch = request.app.state.switch
    done = switch.activate(session, version, call.client_key_hash, call.request_id)
    return Activation(**asdict(done))
