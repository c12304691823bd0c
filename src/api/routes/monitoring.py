"""Model monitoring (token required): how the served model does on the employees whose
outcome is known (`POST /outcomes`)."""

from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import Query, Request

from database.repository import labelled_predictions
from src.api.deps import SessionDep
from src.api.recorder import audited_router
from src.api.routes.history import IsoDateTime
from src.monitoring.quality import live_quality

router = audited_router(tags=["monitoring"])


@router.get("/monitoring/performance")
async def performance(
    request: Request,
    session: SessionDep,
    since: Annotated[IsoDateTime | None, Query(description="predictions from, with offset")] = None,
    until: Annotated[IsoDateTime | None, Query(description="predictions to (exclusive)")] = None,
    source: Literal["api", "ui"] | None = None,
) -> dict[str, Any]:
    """Live quality of the predictions an outcome names: ROC-AUC, PR-AUC, Brier, recall and
    precision at the threshold, each with a 95 % bootstrap interval and the training
    cross-validation figure (mean, ± 2 standard deviations), and calibration by risk level;
    "not enough data" below 50 outcomes or with one kind of outcome only."""
    metadata = request.app.state.model.metadata

    def report() -> dict[str, Any]:  # the query and the bootstrap: off the event loop
        pairs = labelled_predictions(session, since, until, source)
        probabilities = [probability for probability, _ in pairs]
        return live_quality(probabilities, [left for _, left in pairs], metadata)

    return {"model_version": metadata["version"], **await to_thread.run_sync(report)}
