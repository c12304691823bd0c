"""Public status routes: health for probes, the model card for people and other systems."""

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import State

from src.artifacts import LoadedModel
from src.service import PredictionService, Serving
from src.ui.mount import UiSpaces

router = APIRouter(tags=["status"])


def health_report(state: State) -> dict[str, Any]:
    """`degraded` when a configured Hub model could not be used, when traces are waiting on
    local disk for the database (unreachable, or just back and catching up), or when some were
    refused by it and set aside (until a person deals with them). Monitoring alerts (drift,
    live quality) are shown but leave the status alone: a shifted population is no reason for
    a probe to restart the service. A UI that could not start degrades it too; one that is
    starting (the API serves first) does not."""
    service: PredictionService = state.service
    ui: UiSpaces = state.ui
    loaded: LoadedModel = service.serving.loaded
    writer = service.writer.status()
    # Only the start-up model can fall back; an activated one is the registry's (no reason).
    model_fell_back = (
        state.settings.model_repo_id is not None and loaded.fallback_reason is not None
    )
    degraded = (
        model_fell_back
        or not writer.ready
        or writer.spooled > 0
        or writer.refused > 0
        or ui.status == "failed"
    )
    return {
        "status": "degraded" if degraded else "ok",
        "model": {
            "version": loaded.metadata["version"],
            "source": loaded.source,
            "fallback_reason": loaded.fallback_reason,
        },
        "database": {
            "backend": service.writer.engine.dialect.name,
            "status": "ok" if writer.ready else "unreachable",
            "spooled_traces": writer.spooled,
            "refused_traces": writer.refused,
        },
        "latency": asdict(service.latency.summary()),
        "monitoring": state.monitor.summary(),
        "ui": {"status": ui.status, "spaces": [f"{prefix}/" for prefix in ui.prefixes]},
    }


def model_report(serving: Serving) -> dict[str, Any]:
    """The model's metadata (version, metrics, threshold, risk levels, schema), its source,
    and the explanations' baseline as the predictor in service computes it (so a client can
    rebuild any answer's probability, whatever the metadata of an older model held)."""
    loaded = serving.loaded
    return {
        **loaded.metadata,
        "source": loaded.source,
        "fallback_reason": loaded.fallback_reason,
        "explanation_baseline": serving.predictor.baseline_logit,
    }


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Service status: the model in use and where it came from, the trace database, and the
    latency of the last 1,000 predictions (ms, p50 and p99, from receipt to committed trace)."""
    return health_report(request.app.state)


@router.get("/health/live")
def live() -> dict[str, str]:
    """The process answers: nothing else is checked."""
    return {"status": "alive"}


@router.get(
    "/health/ready",
    responses={503: {"description": "the UI is starting (the API already serves)"}},
)
def ready(request: Request) -> JSONResponse:
    """Ready once the UI serves too: the API's routes answer only after the lifespan loaded
    the model, the UI's spaces are built a few seconds later (a UI that failed to start
    leaves the API ready: `/health` says degraded)."""
    if request.app.state.ui.status == "starting":
        return JSONResponse({"status": "starting"}, status_code=503, headers={"Retry-After": "2"})
    return JSONResponse({"status": "ready"})


@router.get("/model")
def model_card(request: Request) -> dict[str, Any]:
    """The model card as data: version, metrics, threshold, risk levels, feature schema."""
    return model_report(request.app.state.service.serving)
