"""Queries and trace rows. Builds and reads rows; never commits (the writer does)."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select, update
from sqlalchemy.orm import Session

from database.bulk import TableRows
from database.models import (
    ApiResponse,
    Employee,
    EmployeeInput,
    Feature,
    ModelVersion,
    Outcome,
    PredictionResult,
    Request,
    new_id,
    utc_now,
)
from src.outcomes import OutcomeRecord
from src.tracing import CallTrace, StoredPrediction


def get_employee(session: Session, id_employee: int) -> Employee | None:
    return session.get(Employee, id_employee)


def list_employee_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Employee.id_employee)))


def has_employees(session: Session) -> bool:
    return session.scalar(select(Employee.id_employee).limit(1)) is not None


def list_employees(session: Session) -> list[tuple[int, dict[str, Any], bool]]:
    """Every stored employee: id, canonical record and whether they left, by id."""
    rows = session.execute(
        select(Employee.id_employee, Employee.record, Employee.a_quitte_l_entreprise).order_by(
            Employee.id_employee
        )
    )
    return [(row.id_employee, row.record, row.a_quitte_l_entreprise) for row in rows]


def latest_reported_outcomes(session: Session) -> dict[int, bool]:
    """Whether each employee HR reported on (`POST /outcomes`) left, by their newest report:
    the latest date, then the latest recorded for the same date; two reports of one date
    recorded at the same instant (one batch) resolve to "left", so the answer, and the data
    hash, never depend on the database's order."""
    reports = session.execute(
        select(Outcome.id_employee, Outcome.left)
        .where(Outcome.source == "api")
        .order_by(Outcome.outcome_date.desc(), Outcome.recorded_at.desc(), Outcome.left.desc())
    )
    latest: dict[int, bool] = {}
    for id_employee, left in reports:
        latest.setdefault(id_employee, left)
    return latest


def add_employees(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Bulk insert of employee rows (`id_employee`, `record`, `a_quitte_l_entreprise`)."""
    if rows:  # an empty executemany is an error
        connection.execute(insert(Employee.__table__), rows)


def add_outcomes(session: Session, outcomes: Sequence[OutcomeRecord], request_id: str) -> list[str]:
    """Outcomes reported by a call, inserted in one statement; returns their ids, in order."""
    ids = [new_id() for _ in outcomes]
    session.execute(
        insert(Outcome.__table__),
        [
            {
                "id": outcome_id,
                "id_employee": outcome.id_employee,
                "left": outcome.left,
                "outcome_date": outcome.date,
                "prediction_id": outcome.prediction_id,
                "source": "api",
                "request_id": request_id,
            }
            for outcome_id, outcome in zip(ids, outcomes, strict=True)
        ],
    )
    return ids


def add_dataset_outcomes(connection: Connection, known: dict[int, bool]) -> None:
    """The outcomes the HR extracts know (undated), for the employees being loaded."""
    if known:
        rows = [
            {"id": new_id(), "id_employee": i, "left": left, "source": "dataset"}
            for i, left in known.items()
        ]
        connection.execute(insert(Outcome.__table__), rows)


def unknown_predictions(session: Session, prediction_ids: set[str]) -> set[str]:
    """Those of `prediction_ids` that name no stored prediction (asked 1,000 at a time)."""
    wanted, found = sorted(prediction_ids), set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        found |= set(
            session.scalars(select(PredictionResult.id).where(PredictionResult.id.in_(chunk)))
        )
    return prediction_ids - found


#: The most labelled predictions a live-quality report reads (the newest).
MAX_LABELLED = 100_000


def labelled_predictions(
    session: Session, since: datetime | None, until: datetime | None, source: str | None
) -> list[tuple[float, bool]]:
    """(probability, left) of the predictions made in [since, until) through `source` whose
    outcome is known: those an outcome names (for one named by several, the latest recorded),
    then, for an employee none of whose predictions is named, the latest reported outcome
    (`POST /outcomes` without `prediction_id`) matched to the employee's newest prediction
    made no later than the outcome's date — what the model said before it happened. The extracts'
    outcomes are never matched this way: they are what the model was trained on."""
    query = (
        select(
            PredictionResult.id,
            PredictionResult.probability,
            Outcome.left,
            EmployeeInput.id_employee,
        )
        .join(Outcome, Outcome.prediction_id == PredictionResult.id)
        .join(EmployeeInput, EmployeeInput.id == PredictionResult.input_id)
        .order_by(PredictionResult.created_at.desc(), Outcome.recorded_at.desc())
        .limit(MAX_LABELLED)
    )
    latest: dict[str, tuple[float, bool]] = {}
    named_employees: set[int] = set()
    for prediction_id, probability, left, id_employee in session.execute(
        _made_in(query, since, until, source)
    ):
        latest.setdefault(prediction_id, (probability, left))
        if id_employee is not None:
            named_employees.add(id_employee)
    matched = _matched_by_employee(session, since, until, source, named_employees)
    return [*latest.values(), *matched][:MAX_LABELLED]


def _made_in(
    query: Select, since: datetime | None, until: datetime | None, source: str | None
) -> Select:
    if since is not None:
        query = query.where(PredictionResult.created_at >= since)
    if until is not None:
        query = query.where(PredictionResult.created_at < until)
    if source is not None:
        query = query.join(Request, Request.id == EmployeeInput.request_id).where(
            Request.source == source
        )
    return query


def _matched_by_employee(
    session: Session,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    skipped: set[int],
) -> list[tuple[float, bool]]:
    reported = session.execute(
        select(Outcome.id_employee, Outcome.left, Outcome.outcome_date)
        .where(
            Outcome.prediction_id.is_(None),
            Outcome.source == "api",
            Outcome.outcome_date.is_not(None),
        )
        .order_by(Outcome.recorded_at.desc())
    )
    outcomes: dict[int, tuple[bool, datetime]] = {}
    for id_employee, left, outcome_date in reported:
        if id_employee not in skipped:
            day_after = datetime.combine(outcome_date + timedelta(days=1), time.min, tzinfo=UTC)
            outcomes.setdefault(id_employee, (left, day_after))
    matched: list[tuple[float, bool]] = []
    wanted = sorted(outcomes)
    for start in range(0, len(wanted), 1000):
        query = (
            select(
                EmployeeInput.id_employee, PredictionResult.probability, PredictionResult.created_at
            )
            .join(EmployeeInput, EmployeeInput.id == PredictionResult.input_id)
            .where(EmployeeInput.id_employee.in_(wanted[start : start + 1000]))
            .order_by(PredictionResult.created_at.desc())
        )
        seen: set[int] = set()
        for id_employee, probability, created_at in session.execute(
            _made_in(query, since, until, source)
        ):
            left, day_after = outcomes[id_employee]
            if id_employee not in seen and created_at < day_after:
                seen.add(id_employee)
                matched.append((probability, left))
    return matched


@dataclass(frozen=True)
class ScoredWindow:
    """The newest scored inputs of a drift window: each employee once (an id scored again,
    e.g. in what-if sessions, counts at its newest prediction), with its probability and the
    sha256 of the model that gave it."""

    payloads: list[dict[str, Any]]
    probabilities: list[float]
    model_sha256: list[str]
    created_at: list[datetime]
    first: datetime | None
    last: datetime | None
    repeats_dropped: int


def scored_window(
    session: Session,
    size: int,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
) -> ScoredWindow:
    """The newest `size` predictions made in [since, until) through `source`."""
    query = _made_in(
        select(
            EmployeeInput.payload,
            EmployeeInput.id_employee,
            PredictionResult.probability,
            ModelVersion.sha256,
            PredictionResult.created_at,
        )
        .join(EmployeeInput, EmployeeInput.id == PredictionResult.input_id)
        .join(ModelVersion, ModelVersion.id == PredictionResult.model_version_id),
        since,
        until,
        source,
    )
    query = query.order_by(PredictionResult.created_at.desc()).limit(size)
    rows = session.execute(query).all()
    seen: set[int] = set()
    kept = []
    for row in rows:
        if row.id_employee is not None:
            if row.id_employee in seen:
                continue
            seen.add(row.id_employee)
        kept.append(row)
    return ScoredWindow(
        payloads=[row.payload for row in kept],
        probabilities=[row.probability for row in kept],
        model_sha256=[row.sha256 for row in kept],
        created_at=[row.created_at for row in kept],
        first=rows[-1].created_at if rows else None,
        last=rows[0].created_at if rows else None,
        repeats_dropped=len(rows) - len(kept),
    )


@dataclass(frozen=True)
class ServedModel:
    """The `model_versions` row of a model, identified by its file's sha256. Spooled traces
    carry it, so a trace is always stored with the model that made it, even when the
    database was away the whole time that model was served."""

    version: str
    sha256: str
    source: str
    trained_at: datetime
    threshold: float
    metrics: dict[str, Any]

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any], source: str) -> "ServedModel":
        return cls(
            version=metadata["version"],
            sha256=metadata["sha256"],
            source=source,
            trained_at=datetime.fromisoformat(metadata["trained_at"]),
            threshold=metadata["threshold"],
            metrics={
                "cv": metadata["metrics"]["cv"],
                "holdout": metadata["metrics"]["holdout"],
                "training_data": metadata["training_data"],
            },
        )

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> "ServedModel":
        return cls(**{**stored, "trained_at": datetime.fromisoformat(stored["trained_at"])})


def add_model_version(connection: Connection, model: ServedModel, serves: bool = True) -> int:
    """The id of the model's row, added the first time it is seen; a model that `serves` and
    was registered before gets its first serving time now."""
    found = connection.execute(
        select(ModelVersion.id, ModelVersion.first_served_at).where(
            ModelVersion.sha256 == model.sha256
        )
    ).first()
    if found is not None:
        if serves and found.first_served_at is None:
            connection.execute(
                update(ModelVersion)
                .where(ModelVersion.id == found.id)
                .values(first_served_at=utc_now())
            )
        return found.id
    row = {**asdict(model), "first_served_at": utc_now() if serves else None}
    return connection.scalar(insert(ModelVersion).values(row).returning(ModelVersion.id))


def trace_rows(traces: list[CallTrace], model_version_id: int) -> list[TableRows]:
    """The rows of many traces, table by table, parents first, for `database.bulk`.

    Ids and times are made here, not by the database: nothing has to be read back.
    """
    now = utc_now()
    inputs = [
        (new_id(), trace.request_id, position, payload)
        for trace in traces
        for position, payload in enumerate(trace.inputs)
    ]
    input_ids = [input_id for input_id, *_ in inputs]
    features = [row for trace in traces for row in trace.features]
    predictions = [row for trace in traces for row in trace.predictions]
    employee_inputs = [
        {
            "id": input_id,
            "request_id": request_id,
            "position": position,
            "id_employee": payload.get("id_employee"),
            "payload": payload,
        }
        for input_id, request_id, position, payload in inputs
    ]
    results = [
        {
            "id": p["prediction_id"],
            "input_id": input_id,
            "model_version_id": model_version_id,
            "created_at": now,
            "probability": p["probability"],
            "label": p["prediction"],
            "threshold": p["threshold"],
            "risk_level": p["risk_level"],
            "explanation": {
                "factors": p["explanation"],
                "baseline_logit": p.get("explanation_baseline"),
            },
        }
        for input_id, p in zip(input_ids, predictions, strict=True)
    ]
    responses = [
        {
            "request_id": trace.request_id,
            "status_code": trace.status_code,
            "body_sha256": trace.response_sha256,
            "body": trace.response_body,
            "sent_at": now,
        }
        for trace in traces
    ]
    return [
        (Request.__table__, [_request_row(trace) for trace in traces]),
        (EmployeeInput.__table__, employee_inputs),
        (
            Feature.__table__,
            [{"input_id": i, "values": v} for i, v in zip(input_ids, features, strict=True)],
        ),
        (PredictionResult.__table__, results),
        (ApiResponse.__table__, responses),
    ]


def _request_row(trace: CallTrace) -> dict[str, Any]:
    return {
        "id": trace.request_id,
        "received_at": trace.received_at,
        "source": trace.source,
        "method": _storable(trace.method, _METHOD_CHARS),
        "route": _storable(trace.route, _ROUTE_CHARS),
        "status_code": trace.status_code,
        "latency_ms": trace.latency_ms,
        "client_key_hash": trace.client_key_hash,
        "correlation_id": trace.correlation_id,
        "error": trace.error if trace.error is None else _storable(trace.error, None),
    }


_METHOD_CHARS = Request.__table__.c.method.type.length
_ROUTE_CHARS = Request.__table__.c.route.type.length


def _storable(text: str, width: int | None) -> str:
    """What a client sent, as a text column can hold it: cut to the column's width, and a NUL
    (a path can carry one as %00; PostgreSQL text refuses it) shown as U+FFFD. Refused, the
    row would fail its whole group of traces."""
    return text[:width].replace("\x00", "\ufffd")


def list_stored_request_ids(connection: Connection, request_ids: list[str]) -> set[str]:
    """Which of these requests are stored already (a spooled trace may have been)."""
    found = connection.scalars(select(Request.id).where(Request.id.in_(request_ids)))
    return set(found)


@dataclass(frozen=True)
class PredictionFilter:
    """History filters; None means any. Times are UTC-aware, `until` exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    label: str | None = None
    source: str | None = None
    id_employee: int | None = None


def _history(columns: tuple, filters: PredictionFilter) -> Select:
    query = (
        select(*columns)
        .select_from(PredictionResult)
        .join(EmployeeInput, EmployeeInput.id == PredictionResult.input_id)
        .join(Request, Request.id == EmployeeInput.request_id)
        .join(ModelVersion, ModelVersion.id == PredictionResult.model_version_id)
    )
    conditions = []
    if filters.since is not None:
        conditions.append(PredictionResult.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(PredictionResult.created_at < filters.until)
    if filters.label is not None:
        conditions.append(PredictionResult.label == filters.label)
    if filters.source is not None:
        conditions.append(Request.source == filters.source)
    if filters.id_employee is not None:
        conditions.append(EmployeeInput.id_employee == filters.id_employee)
    return query.where(*conditions)


def list_predictions(
    session: Session, filters: PredictionFilter, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of predictions, newest first, and how many match in all."""
    columns = (
        PredictionResult.id.label("prediction_id"),
        PredictionResult.created_at,
        Request.source,
        Request.route,
        EmployeeInput.id_employee,
        PredictionResult.label.label("prediction"),
        PredictionResult.probability,
        PredictionResult.risk_level,
        ModelVersion.version.label("model_version"),
    )
    page = session.execute(
        _history(columns, filters)
        .order_by(PredictionResult.created_at.desc(), PredictionResult.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(_history((func.count(),), filters))
    return [dict(row._mapping) for row in page], total


def get_prediction_trace(session: Session, prediction_id: str) -> StoredPrediction | None:
    """The rows of one prediction, or None."""
    columns = (PredictionResult, EmployeeInput, Request, ModelVersion)
    found = session.execute(
        _history(columns, PredictionFilter()).where(PredictionResult.id == prediction_id)
    ).one_or_none()
    if found is None:
        return None
    result, stored_input, request, model = found
    feature = session.scalars(select(Feature).where(Feature.input_id == stored_input.id)).one()
    response = session.scalars(
        select(ApiResponse).where(ApiResponse.request_id == request.id)
    ).one()
    return StoredPrediction(result, stored_input, request, model, feature, response)
