"""Public status routes: health for probes, the model card for people and other systems."""

from typing import Any

from fastapi import APIRouter, Request

from src.artifacts import LoadedModel

router = APIRouter(tags=["status"])


def _model_status(loaded: LoadedModel) -> dict[str, Any]:
    return {
        "version": loaded.metadata["version"],
        "source": loaded.source,
        "fallback_reason": loaded.fallback_reason,
    }


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """`degraded` when a Hub model was configured but the bundled one had to be used."""
    loaded: LoadedModel = request.app.state.model
    configured_hub = request.app.state.settings.model_repo_id is not None
    degraded = configured_hub and loaded.source != "hub"
    return {"status": "degraded" if degraded else "ok", "model": _model_status(loaded)}


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
    """The model's metadata (version, metrics, threshold, risk levels, schema) and its source."""
    loaded: LoadedModel = request.app.state.model
    return {
        **loaded.metadata,
        **{"source": loaded.source, "fallback_reason": loaded.fallback_reason},
    }
