"""Queries and trace rows. Builds and reads rows; never commits (the writer does)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from database.models import (
    ApiResponse,
    Base,
    Employee,
    EmployeeInput,
    Feature,
    ModelVersion,
    PredictionResult,
    Request,
    new_id,
)


@dataclass(frozen=True)
class PredictionTrace:
    """Everything one answered request leaves in the database."""

    source: str
    method: str
    route: str
    client_key_hash: str | None
    received_at: datetime
    latency_ms: float
    inputs: list[dict[str, Any]]
    features: list[dict[str, Any]]
    predictions: list[dict[str, Any]]
    response_body: dict[str, Any]


def get_employee(session: Session, id_employee: int) -> Employee | None:
    return session.get(Employee, id_employee)


def list_employee_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Employee.id_employee)))


def add_employees(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Bulk insert of employee rows (`id_employee`, `record`, `a_quitte_l_entreprise`)."""
    if rows:
        _insert(connection, Employee, rows)


def add_model_version(session: Session, metadata: dict[str, Any], source: str) -> int:
    """The id of the served model's row, added on its first start (identified by sha256)."""
    found = session.scalar(select(ModelVersion.id).where(ModelVersion.sha256 == metadata["sha256"]))
    if found is not None:
        return found
    row = ModelVersion(
        version=metadata["version"],
        sha256=metadata["sha256"],
        source=source,
        trained_at=datetime.fromisoformat(metadata["trained_at"]),
        threshold=metadata["threshold"],
        metrics={"cv": metadata["metrics"]["cv"], "holdout": metadata["metrics"]["holdout"]},
    )
    session.add(row)
    session.flush()
    return row.id


def add_prediction_traces(
    connection: Connection, traces: list[PredictionTrace], model_version_id: int
) -> None:
    """Insert the rows of many traces with one bulk statement per table.

    Core statements on a connection, not ORM objects, and ids made here, not returned by the
    database: the trace is written on every request, and both cost more than the database.
    """
    request_ids = [new_id() for _ in traces]
    inputs = [
        (new_id(), request_id, position, payload)
        for request_id, trace in zip(request_ids, traces, strict=True)
        for position, payload in enumerate(trace.inputs)
    ]
    features = [row for trace in traces for row in trace.features]
    predictions = [row for trace in traces for row in trace.predictions]
    _insert(
        connection,
        Request,
        [
            {
                "id": request_id,
                "received_at": t.received_at,
                "source": t.source,
                "method": t.method,
                "route": t.route,
                "status_code": 200,
                "latency_ms": t.latency_ms,
                "client_key_hash": t.client_key_hash,
            }
            for request_id, t in zip(request_ids, traces, strict=True)
        ],
    )
    _insert(
        connection,
        EmployeeInput,
        [
            {
                "id": input_id,
                "request_id": request_id,
                "position": position,
                "id_employee": payload.get("id_employee"),
                "payload": payload,
            }
            for input_id, request_id, position, payload in inputs
        ],
    )
    input_ids = [input_id for input_id, *_ in inputs]
    _insert(
        connection,
        Feature,
        [{"input_id": i, "values": v} for i, v in zip(input_ids, features, strict=True)],
    )
    _insert(
        connection,
        PredictionResult,
        [
            {
                "id": p["prediction_id"],
                "input_id": input_id,
                "model_version_id": model_version_id,
                "probability": p["probability"],
                "label": p["prediction"],
                "threshold": p["threshold"],
                "risk_level": p["risk_level"],
                "explanation": {"factors": p["explanation"]},
            }
            for input_id, p in zip(input_ids, predictions, strict=True)
        ],
    )
    _insert(
        connection,
        ApiResponse,
        [
            {"request_id": request_id, "status_code": 200, "body": trace.response_body}
            for request_id, trace in zip(request_ids, traces, strict=True)
        ],
    )


def _insert(connection: Connection, model: type[Base], rows: list[dict[str, Any]]) -> None:
    connection.execute(insert(model.__table__), rows)
