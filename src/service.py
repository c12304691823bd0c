"""Predict use cases shared by the REST API and the UI: validated records in, traced answers out.

Every answer is traced before it is returned. Two queues group concurrent calls: the first
scores everything waiting in one call, the second builds and writes every trace waiting in one
transaction. The writing runs in its own thread, so the next group is scored while the previous
one commits; a small scoring group is scored on the event loop (`SCORED_ON_LOOP`), a batch on
a thread of its own. The answer's JSON bytes are made once, here: the caller sends exactly
them, and the trace records their sha256.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import numpy as np
import orjson
from anyio import to_thread
from pydantic import BaseModel
from sqlalchemy.orm import Session

from database.repository import ServedModel, get_employee
from database.writer import UNREACHABLE, TraceWriter
from src.artifacts import LoadedModel
from src.errors import DatabaseUnavailableError, UnknownEmployeeError
from src.features import build_features, columns_from_records
from src.grouping_queue import GroupingQueue
from src.ids import new_id
from src.latency import LatencyWindow
from src.observability.metrics import ServiceMetrics
from src.prediction import Predictor, Scoring
from src.schemas import EmployeeRecord, Prediction, prediction_body
from src.tracing import Call, CallTrace, answered_trace, unanswered_trace


@dataclass(frozen=True)
class Answer:
    """What a caller gets: the JSON body to send, byte for byte, and the predictions it holds.

    `predictions` are validated models, made only when asked for (the UI reads them; the API
    sends `content`): for a batch of 10,000 they are 300,000 objects that the REST path would
    build for nothing.
    """

    bodies: list[dict[str, Any]]
    content: bytes

    @cached_property
    def predictions(self) -> list[Prediction]:
        return [Prediction.model_validate(body) for body in self.bodies]


@dataclass(frozen=True)
class _Job:
    call: Call
    records: Sequence[BaseModel]
    batch: bool


@dataclass(frozen=True)
class _Scored:
    answer: Answer
    trace: Callable[[], CallTrace]  # built on the writing thread, off the scoring path
    model: ServedModel


#: A trace to write: the model that made its predictions (None: no prediction) and its builder.
_Pending = tuple[ServedModel | None, Callable[[], CallTrace]]


@dataclass(frozen=True)
class Serving:
    """The model that answers, whole: its files, the compiled predictor and its
    `model_versions` identity. Swapped as one object, so a group is scored by one model."""

    loaded: LoadedModel
    predictor: Predictor
    model: ServedModel

    @classmethod
    def of(cls, loaded: LoadedModel) -> "Serving":
        served = ServedModel.from_metadata(loaded.metadata, loaded.source)
        return cls(loaded, Predictor(loaded.model), served)

    @property
    def version(self) -> str:
        return self.model.version


class PredictionService:
    """Built once at start-up around the loaded model and the trace writer."""

    def __init__(
        self,
        serving: Serving,
        writer: TraceWriter,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self.serving = serving
        self.writer = writer
        self.metrics = metrics or ServiceMetrics()
        self.latency = LatencyWindow()
        self._scoring: GroupingQueue[_Job, _Scored] = GroupingQueue(self._handle, _small)
        self._writing: GroupingQueue[_Pending, None] = GroupingQueue(self._write)

    @property
    def model_version(self) -> str:
        return self.serving.version

    def swap(self, serving: Serving) -> Serving:
        """Serve `serving` from the next scoring group on; returns the one it replaces. A
        group already being scored finishes with the old model, and its traces name it."""
        previous, self.serving = self.serving, serving
        return previous

    async def predict_one(self, record: BaseModel, call: Call) -> Answer:
        """One employee, scored and traced together with concurrent requests."""
        return await self._traced(_Job(call, [record], batch=False))

    async def predict_many(self, records: Sequence[BaseModel], call: Call) -> Answer:
        """Many employees in one scoring call, stored all or nothing; answers in order."""
        return await self._traced(_Job(call, records, batch=True))

    async def predict_employee(self, id_employee: int, call: Call) -> Answer:
        """A stored TechNova employee, by id; raises UnknownEmployeeError."""
        record = await to_thread.run_sync(self.employee_record, id_employee)
        return await self.predict_one(record, call)

    def employee_record(self, id_employee: int) -> BaseModel:
        """The stored employee as a validated record (linked by `id_employee`)."""
        with self.read_session() as session:
            employee = get_employee(session, id_employee)
        if employee is None:
            raise UnknownEmployeeError(f"no employee with id_employee {id_employee}")
        return EmployeeRecord(**employee.record, id_employee=id_employee)

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """The one way to read the database (API routes and UI alike): raises
        DatabaseUnavailableError while it is unreachable or not prepared yet."""
        if not self.writer.ready:
            raise DatabaseUnavailableError("the database is unreachable")
        try:
            with Session(self.writer.engine) as session:
                yield session
        except UNREACHABLE as err:
            raise DatabaseUnavailableError("the database is unreachable") from err

    async def record_call(
        self, call: Call, status_code: int, response_sha256: str, content: bytes
    ) -> None:
        """A call that produced no prediction (rejected, a read, or failed): its request and
        response, written with the traces of concurrent calls."""
        trace = unanswered_trace(call, status_code, response_sha256, content)
        await self._writing.submit((None, lambda: trace))

    def predict_untraced(self, records: Sequence[BaseModel]) -> list[Prediction]:
        """Scores without a trace: for examples in the docs, never for an answer to a caller."""
        bodies, _ = self.score_untraced(records)
        return [Prediction.model_validate(body) for body in bodies]

    def score_untraced(
        self, records: Sequence[BaseModel]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The bodies and the engineered feature rows a traced call would store, unstored."""
        bodies, columns = self._score(self.serving, [record.model_dump() for record in records])
        return bodies, _feature_rows(columns)

    async def _traced(self, job: _Job) -> Answer:
        scored = await self._scoring.submit(job)
        # answered only once committed (or spooled), with the model that scored it
        await self._writing.submit((scored.model, scored.trace))
        job.call.mark_traced(scored.model.version)
        self.metrics.observe_answers(job.call.source, scored.answer.bodies, job.batch)
        if job.call.source == "api":
            # The public /health shows this window's count: the UI's calls stay out of it, or
            # a visitor could tell from it how a UI event went (levers come only with a risk).
            self.latency.add(job.call.elapsed_ms())
        return scored.answer

    def _handle(self, jobs: Sequence[_Job]) -> list[_Scored]:
        started = time.perf_counter()
        serving = self.serving  # read once: the whole group is scored by one model
        payloads = [record.model_dump() for job in jobs for record in job.records]
        bodies, columns = self._score(serving, payloads)
        self.metrics.observe_group("scoring", len(jobs), time.perf_counter() - started)
        results, start = [], 0
        for job in jobs:
            end = start + len(job.records)
            part = bodies[start:end]
            content = orjson.dumps({"predictions": part} if job.batch else part[0])
            sliced = {name: values[start:end] for name, values in columns.items()}
            trace = partial(_prediction_trace, job, payloads[start:end], sliced, part, content)
            results.append(_Scored(Answer(part, content), trace, serving.model))
            start = end
        return results

    def _write(self, pending: Sequence[_Pending]) -> list[Exception | None]:
        started = time.perf_counter()
        outcomes: list[Exception | None] = [None] * len(pending)
        # One transaction per model: a single one but for the groups around a switch. A trace
        # with no prediction names no model, and joins the first group.
        first = next((model for model, _ in pending if model is not None), None)
        by_model: dict[str | None, tuple[ServedModel | None, list[int]]] = {}
        for index, (model, _) in enumerate(pending):
            model = model or first
            by_model.setdefault(model and model.sha256, (model, []))[1].append(index)
        for model, indexes in by_model.values():
            written = self.writer.write([pending[i][1]() for i in indexes], model)
            for index, outcome in zip(indexes, written, strict=True):
                outcomes[index] = outcome
        self.metrics.observe_group("writing", len(pending), time.perf_counter() - started)
        failed = sum(outcome is not None for outcome in outcomes)
        if failed:
            self.metrics.write_errors.inc(failed)
        return outcomes

    @staticmethod
    def _score(
        serving: Serving, payloads: list[dict[str, Any]]
    ) -> tuple[list[dict], dict[str, np.ndarray]]:
        columns = build_features(columns_from_records(payloads))
        scorings = serving.predictor.predict_features(columns)
        return [answer_body(serving, scoring) for scoring in scorings], columns


#: Up to this many employees, a group is scored on the event loop (`GroupingQueue`): about
#: 0.1 ms for one, under 1 ms for this many; a batch goes to the scoring thread.
SCORED_ON_LOOP = 64


def _small(jobs: Sequence[_Job]) -> bool:
    return sum(len(job.records) for job in jobs) <= SCORED_ON_LOOP


def answer_body(serving: Serving, scoring: Scoring) -> dict[str, Any]:
    """The answer to a caller for one scoring, under a new prediction id."""
    return prediction_body(
        new_id(),
        scoring.label,
        scoring.probability,
        serving.predictor.threshold,
        scoring.risk_level,
        serving.version,
        [{"feature": name, "contribution": value} for name, value in scoring.contributions],
        scoring.baseline_logit,
    )


def _prediction_trace(
    job: _Job,
    payloads: list[dict[str, Any]],
    columns: dict[str, np.ndarray],
    bodies: list[dict[str, Any]],
    content: bytes,
) -> CallTrace:
    return answered_trace(job.call, content, payloads, _feature_rows(columns), bodies)


def _feature_rows(columns: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Feature columns -> one JSON-ready dict per employee, as the `features` table stores them."""
    names = list(columns)
    rows = zip(*(columns[name].tolist() for name in names), strict=True)
    return [dict(zip(names, row, strict=True)) for row in rows]
