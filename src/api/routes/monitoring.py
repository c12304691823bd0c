"""Model monitoring (token required): whether the employees scored lately still look like the
training population, and how the served model does on the employees whose outcome is known
(`POST /outcomes`)."""

from typing import Annotated, Any

from anyio import to_thread
from fastapi import Query, Request

from src.api.deps import SessionDep
from src.api.recorder import audited_router
from src.api.routes.history import IsoDateTime
from src.monitoring.monitor import ModelMonitor
from src.tracing import Source

router = audited_router(tags=["monitoring"])

Since = Annotated[IsoDateTime | None, Query(description="predictions from, with offset")]
Until = Annotated[IsoDateTime | None, Query(description="predictions to (exclusive)")]


@router.get("/monitoring/drift")
async def drift(
    request: Request,
    session: SessionDep,
    window: Annotated[
        int | None,
        Query(ge=1, le=50_000, description="newest predictions read (default DRIFT_WINDOW)"),
    ] = None,
    since: Since = None,
    until: Until = None,
    source: Source | None = None,
) -> dict[str, Any]:
    """Drift of the newest `window` predictions made in [since, until) through `source` (each
    employee id once) against the training profile: per field and model input the PSI, a
    two-sample test (KS for numbers, chi-square for categories, Benjamini-Hochberg adjusted)
    and whether it drifted; the share of drifted HR fields; the drift of the predicted
    probabilities; the alerts. "not enough data" below DRIFT_MINIMUM_SAMPLE employees."""
    monitor: ModelMonitor = request.app.state.monitor
    size = window or monitor.default_window
    return await to_thread.run_sync(lambda: monitor.drift(session, size, since, until, source))


@router.get("/monitoring/performance")
async def performance(
    request: Request,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    source: Source | None = None,
) -> dict[str, Any]:
    """Live quality of the predictions whose outcome is known (named by an outcome's
    `prediction_id`, or the employee's newest prediction up to the outcome's date): ROC-AUC,
    PR-AUC, Brier, recall and precision at the threshold, each with a 95 % bootstrap
    interval and the training cross-validation figure (mean, ± 2 standard deviations),
    calibration by risk level, and an alert when a whole interval lies on the wrong side of
    the training range; "not enough data" below 50 outcomes or with one kind only."""
    monitor: ModelMonitor = request.app.state.monitor
    return await to_thread.run_sync(lambda: monitor.quality(session, since, until, source))
