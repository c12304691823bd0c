"""Public status routes: health for probes, the model card for people and other systems."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import State

from src.artifacts import LoadedModel

router = APIRouter(tags=["status"])


def health_report(state: State) -> dict[str, Any]:
    """`degraded` when a Hub model was configured but the bundled one had to be used."""
    loaded: LoadedModel = state.model
    degraded = state.settings.model_repo_id is not None and loaded.source != "hub"
    model = {
        "version": loaded.metadata["version"],
        "source": loaded.source,
        "fallback_reason": loaded.fallback_reason,
    }
    return {"status": "degraded" if degraded else "ok", "model": model}


def model_report(loaded: LoadedModel) -> dict[str, Any]:
    """The model's metadata (version, metrics, threshold, risk levels, schema) and its source."""
    return {**loaded.metadata, "source": loaded.source, "fallback_reason": loaded.fallback_reason}


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Service status, the model in use and where it came from."""
    return health_report(request.app.state)


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process answers: nothing else is checked."""
    return {"status": "alive"}


@router.get("/health/ready")
def ready() -> dict[str, str]:
    """Routes are mounted only after the lifespan loaded the model, so answering means ready."""
    return {"status": "ready"}


@router.get("/model")
def model_card(request: Request) -> dict[str, Any]:
    """The model card as data: version, metrics, threshold, risk levels, feature schema."""
    return model_report(request.app.state.model)
