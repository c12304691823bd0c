"""The audit trail's one owner: what a call is, what it leaves behind, and how a stored
prediction is shown back.

A `Call` is opened when a request arrives (REST or UI). It ends as one `CallTrace`: for an
answered prediction, built by `answered_trace` with its inputs, features and results; for
anything else (a rejection, a read, a failure), by `unanswered_trace`. The database turns a
trace into rows and back (`database.repository`); `trace_view` turns the stored rows of one
prediction into the `PredictionTraceView` that `GET /predictions/{id}`, the UI and the docs'
example all show.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, Field

from database.models import (
    ApiResponse,
    EmployeeInput,
    Feature,
    ModelVersion,
    PredictionResult,
    Request,
)
from src.ids import new_id
from src.schemas import Factor, Prediction, prediction_body


class _Mark:
    """Set once the service has committed (or spooled) a call's full trace itself, with the
    version of the model that scored it (the access line names that one, even if another
    model took over before the line is written)."""

    __slots__ = ("model_version", "traced")

    def __init__(self) -> None:
        self.traced = False
        self.model_version: str | None = None


#: The channel a call came through: the REST API, the UI, or the batch CLI (`src.predict`).
Source = Literal["api", "ui", "cli"]


@dataclass(frozen=True)
class Call:
    """Who asked and how: the request-level facts a trace keeps.

    `mark` is shared by the copies `dataclasses.replace` makes, so the recorder sees what the
    service marked on any of them.
    """

    source: str
    method: str
    route: str
    client_key_hash: str | None = None
    request_id: str = field(default_factory=new_id)
    correlation_id: str | None = None  # the caller's own X-Request-ID, as a proxy sent it
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.perf_counter)
    mark: _Mark = field(default_factory=_Mark, repr=False, compare=False)

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    @property
    def traced(self) -> bool:
        return self.mark.traced

    def mark_traced(self, model_version: str) -> None:
        """The service stored this call's whole trace: the recorder must not add another."""
        self.mark.traced = True
        self.mark.model_version = model_version


@dataclass(frozen=True)
class CallTrace:
    """Everything one call leaves in the database: the request and what was sent back, and for
    an answered prediction its inputs, features and results (empty otherwise).

    The request id is made before writing, so a trace replayed from the spool after an outage
    is recognised if it was stored already.
    """

    request_id: str
    source: str
    method: str
    route: str
    client_key_hash: str | None
    received_at: datetime
    latency_ms: float
    status_code: int
    response_sha256: str
    response_body: dict[str, Any] | None = None  # only what the results cannot rebuild
    error: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)
    predictions: list[dict[str, Any]] = field(default_factory=list)
    correlation_id: str | None = None


def client_key_hash(secret: str) -> str:
    """Tells two clients' traces apart (an API token, a UI user's name) without storing
    anything that could be replayed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def ui_user_key_hash(name: str) -> str:
    """The `client_key_hash` of a signed-in UI user's calls: an auditor finds a user's reads
    by computing it from the name."""
    return client_key_hash(f"ui-user:{name}")


def _ended(call: Call, status_code: int, response_sha256: str, **produced: object) -> CallTrace:
    return CallTrace(
        request_id=call.request_id,
        source=call.source,
        method=call.method,
        route=call.route,
        client_key_hash=call.client_key_hash,
        correlation_id=call.correlation_id,
        received_at=call.received_at,
        latency_ms=call.elapsed_ms(),
        status_code=status_code,
        response_sha256=response_sha256,
        **produced,
    )


def answered_trace(
    call: Call,
    content: bytes,
    inputs: list[dict[str, Any]],
    features: list[dict[str, Any]],
    predictions: list[dict[str, Any]],
) -> CallTrace:
    """An answered prediction (one employee or a batch): `content` is the exact body sent,
    of which only the hash is kept, since the results rebuild it."""
    return _ended(
        call,
        200,
        hashlib.sha256(content).hexdigest(),
        inputs=inputs,
        features=features,
        predictions=predictions,
    )


#: The `error` of a call whose error body was not kept (not JSON, or over the recorder's size
#: limit): its hash is still stored.
UNKEPT_ERROR = "error body not kept (not JSON, or too large); its sha256 is stored"


def unanswered_trace(
    call: Call, status_code: int, response_sha256: str, content: bytes
) -> CallTrace:
    """A call that produced no prediction: rejected, a read, or failed.

    An error's body is kept (it says what was wrong) and its `detail` becomes the request's
    `error`; a successful read is only hashed, since the database can produce it again.
    """
    body = _json_object(content) if status_code >= 400 else None
    detail = body.get("detail") if body else None
    if status_code >= 400 and body is None:
        detail = UNKEPT_ERROR
    return _ended(
        call,
        status_code,
        response_sha256,
        response_body=body,
        error=detail if isinstance(detail, str) else None,
    )


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        parsed = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


# --- the read side: one stored prediction, as the API, the UI and the docs show it ---------


class TraceRequest(BaseModel):
    request_id: str = Field(description="the X-Request-ID header of the answer")
    correlation_id: str | None = Field(
        default=None, description="the X-Request-ID the caller sent, if any (X-Correlation-ID)"
    )
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


@dataclass(frozen=True)
class StoredPrediction:
    """The rows of one prediction, as `database.repository.get_prediction_trace` reads them,
    or as `database.repository.trace_rows` would write them (the docs' example)."""

    result: PredictionResult
    stored_input: EmployeeInput
    request: Request
    model: ModelVersion
    feature: Feature
    response: ApiResponse


def trace_view(stored: StoredPrediction) -> PredictionTraceView:
    """The one builder of a prediction's trace as shown. `response.sent` is rebuilt with the
    builder that made the body, so it hashes to the `body_sha256` recorded when it was sent."""
    result, request, model = stored.result, stored.request, stored.model
    factors = result.explanation["factors"]
    return PredictionTraceView(
        prediction_id=result.id,
        created_at=result.created_at,
        request=TraceRequest(
            request_id=request.id,
            correlation_id=request.correlation_id,
            received_at=request.received_at,
            source=request.source,
            method=request.method,
            route=request.route,
            status_code=request.status_code,
            latency_ms=request.latency_ms,
            position=stored.stored_input.position,
        ),
        input=stored.stored_input.payload,
        features=stored.feature.values,
        result=TraceResult(
            prediction=result.label,
            probability=result.probability,
            threshold=result.threshold,
            risk_level=result.risk_level,
            explanation=factors,
        ),
        model=TraceModel(version=model.version, sha256=model.sha256, source=model.source),
        response=TraceResponse(
            status_code=stored.response.status_code,
            sent_at=stored.response.sent_at,
            body_sha256=stored.response.body_sha256,
            sent=prediction_body(
                result.id,
                result.label,
                result.probability,
                result.threshold,
                result.risk_level,
                model.version,
                factors,
                result.explanation.get("baseline_logit"),
            ),
        ),
    )
