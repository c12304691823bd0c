"""Predict use cases shared by the REST API and the UI: validated records in, traced answers out.

Every answer is traced before it is returned. Two queues group concurrent calls: the first
scores everything waiting in one call, the second writes every trace waiting in one transaction.
Each works in its own thread, so the next group is scored while the previous one commits.
"""

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from pydantic import BaseModel
from sqlalchemy.orm import Session

from database.repository import PredictionTrace, get_employee
from database.writer import TraceWriter
from src.errors import UnknownEmployeeError
from src.features import build_features, columns_from_records
from src.grouping_queue import GroupingQueue
from src.prediction import Predictor, Scoring
from src.schemas import EmployeeRecord, Prediction


@dataclass(frozen=True)
class Call:
    """Who asked and how: the request-level facts a trace keeps."""

    source: str
    method: str
    route: str
    client_key_hash: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class _Job:
    call: Call
    records: Sequence[BaseModel]
    batch: bool


@dataclass(frozen=True)
class _Answer:
    """A validated prediction and the plain dict it was validated from (what the trace stores)."""

    prediction: Prediction
    body: dict[str, Any]


@dataclass(frozen=True)
class _Scored:
    predictions: list[Prediction]
    trace: PredictionTrace


class PredictionService:
    """Built once at start-up around the loaded model and the trace writer."""

    def __init__(self, predictor: Predictor, model_version: str, writer: TraceWriter) -> None:
        self.predictor = predictor
        self.model_version = model_version
        self.writer = writer
        self._scoring: GroupingQueue[_Job, _Scored] = GroupingQueue(self._handle)
        self._writing: GroupingQueue[PredictionTrace, None] = GroupingQueue(self._write)

    async def predict_one(self, record: BaseModel, call: Call) -> Prediction:
        """One employee, scored and traced together with concurrent requests."""
        (prediction,) = await self._traced(_Job(call, [record], batch=False))
        return prediction

    async def predict_many(self, records: Sequence[BaseModel], call: Call) -> list[Prediction]:
        """Many employees in one scoring call, stored all or nothing; answers in order."""
        return await self._traced(_Job(call, records, batch=True))

    async def predict_employee(self, id_employee: int, call: Call) -> Prediction:
        """A stored TechNova employee, by id; raises UnknownEmployeeError."""
        record = await to_thread.run_sync(self.employee_record, id_employee)
        return await self.predict_one(record, call)

    def employee_record(self, id_employee: int) -> BaseModel:
        """The stored employee as a validated record (linked by `id_employee`)."""
        with Session(self.writer.engine) as session:
            employee = get_employee(session, id_employee)
        if employee is None:
            raise UnknownEmployeeError(f"no employee with id_employee {id_employee}")
        return EmployeeRecord(**employee.record, id_employee=id_employee)

    async def _traced(self, job: _Job) -> list[Prediction]:
        scored = await self._scoring.submit(job)
        await self._writing.submit(scored.trace)  # answered only once committed
        return scored.predictions

    def predict_untraced(self, records: Sequence[BaseModel]) -> list[Prediction]:
        """Scores without a trace: for examples in the docs, never for an answer to a caller."""
        answers, _ = self._score([record.model_dump() for record in records])
        return [answer.prediction for answer in answers]

    def _handle(self, jobs: Sequence[_Job]) -> list[_Scored]:
        payloads = [record.model_dump() for job in jobs for record in job.records]
        answers, features = self._score(payloads)
        results, start = [], 0
        for job in jobs:
            end = start + len(job.records)
            part = answers[start:end]
            trace = self._trace(job, payloads[start:end], features[start:end], part)
            results.append(_Scored([answer.prediction for answer in part], trace))
            start = end
        return results

    def _write(self, traces: Sequence[PredictionTrace]) -> list[None]:
        self.writer.write(list(traces))
        return [None] * len(traces)

    def _score(self, payloads: list[dict[str, Any]]) -> tuple[list[_Answer], list[dict]]:
        columns = build_features(columns_from_records(payloads))
        scorings = self.predictor.predict_features(columns)
        names = list(columns)
        rows = zip(*(columns[name].tolist() for name in names), strict=True)
        features = [dict(zip(names, row, strict=True)) for row in rows]
        return [self._answer(scoring) for scoring in scorings], features

    def _trace(
        self,
        job: _Job,
        payloads: list[dict[str, Any]],
        features: list[dict[str, Any]],
        answers: list[_Answer],
    ) -> PredictionTrace:
        dumped = [answer.body for answer in answers]
        call = job.call
        return PredictionTrace(
            source=call.source,
            method=call.method,
            route=call.route,
            client_key_hash=call.client_key_hash,
            received_at=call.received_at,
            latency_ms=(time.perf_counter() - call.started) * 1000,
            inputs=payloads,
            features=features,
            predictions=dumped,
            response_body={"predictions": dumped} if job.batch else dumped[0],
        )

    def _answer(self, scoring: Scoring) -> _Answer:
        # Validating plain dicts runs in pydantic-core: three times cheaper than building the
        # thirty-odd Factor objects in Python, and checked. The dict is kept for the trace.
        body = {
            "prediction_id": str(uuid.uuid4()),
            "prediction": scoring.label,
            "probability": scoring.probability,
            "threshold": self.predictor.threshold,
            "risk_level": scoring.risk_level,
            "model_version": self.model_version,
            "explanation": [
                {"feature": name, "contribution": value} for name, value in scoring.contributions
            ],
        }
        return _Answer(Prediction.model_validate(body), body)
