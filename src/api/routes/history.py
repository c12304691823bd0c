"""Prediction history (token required): pages of past predictions and the trace of one."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from database.repository import PredictionFilter, get_prediction_trace, list_predictions
from src.api.deps import SessionDep, require_token
from src.errors import UnknownPredictionError
from src.schemas import Factor, Prediction

router = APIRouter(
    tags=["history"],
    dependencies=[Depends(require_token)],
    responses={401: {"description": "missing or invalid token"}},
)


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


class TraceRequest(BaseModel):
    request_id: str = Field(description="the X-Request-ID header of the answer")
    received_at: AwareDatetime
    source: str
    method: str
    route: str
    status_code: int
    latency_ms: float
    position: int = Field(description="place of this employee in the request (batch order)")


class TraceResult(BaseModel):
    prediction: str
    probability: float
    threshold: float
    risk_level: str
    explanation: list[Factor]


class TraceModel(BaseModel):
    version: str
    sha256: str
    source: str


class TraceResponse(BaseModel):
    status_code: int
    sent_at: AwareDatetime
    body_sha256: str | None = Field(description="sha256 of the whole body sent (a batch's too)")
    sent: Prediction = Field(description="this prediction as it was sent, rebuilt from the result")


class PredictionTraceView(BaseModel):
    """Everything the database keeps about one prediction."""

    prediction_id: str
    created_at: AwareDatetime
    request: TraceRequest
    input: dict[str, Any] = Field(description="the raw record as received")
    features: dict[str, Any] = Field(description="the engineered vector fed to the model")
    result: TraceResult
    model: TraceModel
    response: TraceResponse


class PredictionPage(BaseModel):
    items: list[PredictionSummary]
    total: int
    page: int
    page_size: int


@router.get("/predictions")
def list_history(
    session: SessionDep,
    since: Annotated[
        AwareDatetime | None, Query(description="from (inclusive), with offset")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(description="to (exclusive), with offset")] = None,
    label: Literal["Part", "Reste"] | None = None,
    source: Literal["api", "ui"] | None = None,
    id_employee: Annotated[int | None, Query(ge=1)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PredictionPage:
    """Past predictions, newest first."""
    filters = PredictionFilter(since, until, label, source, id_employee)
    rows, total = list_predictions(session, filters, page_size, (page - 1) * page_size)
    items = [PredictionSummary(**row) for row in rows]
    return PredictionPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/predictions/{prediction_id}", responses={404: {"description": "unknown id"}})
def read_trace(
    session: SessionDep, prediction_id: Annotated[str, Path(max_length=64)]
) -> PredictionTraceView:
    """When, through which channel, on which input and features, by which model, what answer."""
    trace = get_prediction_trace(session, prediction_id)
    if trace is None:
        raise UnknownPredictionError(f"no prediction with id {prediction_id}")
    return PredictionTraceView.model_validate(trace)
