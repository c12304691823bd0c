"""Public status routes: health for probes, the model card for people and other systems."""

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(tags=["status"])


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Ready once the model is loaded (the lifespan loads it before the first request)."""
    metadata = request.app.state.model.metadata
    return {"status": "ok", "model": {"version": metadata["version"], "source": "local"}}


@router.get("/model")
def model_card(request: Request) -> dict[str, Any]:
    """The shipped model's metadata: version, metrics, threshold, risk levels, feature schema."""
    return request.app.state.model.metadata
