"""Prediction history (token required): pages of past predictions and the trace of one."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import AwareDatetime, BaseModel, BeforeValidator

from database.repository import PredictionFilter, get_prediction_trace, list_predictions
from src.api.deps import SessionDep
from src.api.recorder import audited_router
from src.api.responses import DOCUMENTED_ERRORS
from src.errors import UnknownPredictionError
from src.fields import MAX_EMPLOYEE_ID
from src.tracing import PredictionTraceView, Source, trace_view

#: Deepest page: its offset must stay far inside the databases' 64-bit integers.
MAX_PAGE = 100_000

router = audited_router(tags=["history"])


def _iso_8601(value: object) -> object:
    """Only the ISO 8601 text the document promises: pydantic would also read `0.5` as a
    Unix time."""
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value).astimezone(UTC)  # 9999-12-31T23:59-01:00 overflows
        except (ValueError, OverflowError):
            raise ValueError(
                "expected an ISO 8601 date-time between years 1 and 9999 in UTC, "
                "e.g. 2026-12-01T09:00:00+01:00"
            ) from None
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_8601)]


class PredictionSummary(BaseModel):
    prediction_id: str
    created_at: AwareDatetime
    source: str
    route: str
    id_employee: int | None
    prediction: str
    probability: float
    risk_level: str
    model_version: str


class PredictionPage(BaseModel):
    items: list[PredictionSummary]
    total: int
    page: int
    page_size: int


@router.get("/predictions")
def list_history(
    session: SessionDep,
    since: Annotated[IsoDateTime | None, Query(description="from (inclusive), with offset")] = None,
    until: Annotated[IsoDateTime | None, Query(description="to (exclusive), with offset")] = None,
    label: Literal["Part", "Reste"] | None = None,
    source: Source | None = None,
    id_employee: Annotated[int | None, Query(ge=1, le=MAX_EMPLOYEE_ID)] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PredictionPage:
    """Past predictions, newest first."""
    filters = PredictionFilter(since, until, label, source, id_employee)
    rows, total = list_predictions(session, filters, page_size, (page - 1) * page_size)
    items = [PredictionSummary(**row) for row in rows]
    return PredictionPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/predictions/{prediction_id}", responses={404: DOCUMENTED_ERRORS[404]})
def read_trace(
    session: SessionDep, prediction_id: Annotated[str, Path(max_length=64)]
) -> PredictionTraceView:
    """When, through which channel, on which input and features, by which model, what answer."""
    stored = get_prediction_trace(session, prediction_id)
    if stored is None:
        raise UnknownPredictionError(f"no prediction with id {prediction_id}")
    return trace_view(stored)
