"""What the UI's handlers do, apart from the widgets: the same service calls as the REST API,
in-process, traced with source `ui`, and the same validation.

Every Gradio event is a public HTTP endpoint, so each handler here is written like a route:
inputs validated, a rejected prediction recorded with its 422 like the API's, database
outages turned into a message rather than a stack trace.
"""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import gradio as gr
import orjson
import pandas as pd
from anyio import to_thread
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import State

from database.repository import (
    PredictionFilter,
    get_employee,
    get_prediction_trace,
    latest_reported_outcomes,
    list_employees,
    list_predictions,
)
from src.api.rate_limits import RateLimits
from src.api.routes.models import Registry, registry_view
from src.api.routes.training import TrainingRuns, training_runs_view
from src.errors import DatabaseUnavailableError, UnknownEmployeeError
from src.field_errors import describe_error
from src.fields import MAX_EMPLOYEE_ID
from src.ids import new_id
from src.levers import Advice, advise
from src.monitoring.report import render_report
from src.schemas import Prediction, record_from_values
from src.service import Answer, PredictionService
from src.tracing import Call, Source, trace_view, ui_user_key_hash
from src.ui.batch import (
    BatchFileError,
    ParsedBatch,
    parse_batch,
    parse_extracts,
    results_frame,
    write_download,
    write_scored_csv,
)
from src.ui.explanations import explain_many
from src.ui.french import excel_csv, french_values
from src.ui.messages import sentence
from src.ui.refusal import AuditedRefusal, Refusal
from src.ui.views import HISTORY_PAGE_ROWS, history_frame
from src.ui.workforce import Workforce, export_frame, score_workforce

#: The most rows one history export holds (the newest of the filters).
HISTORY_EXPORT_ROWS = 10_000


Read = TypeVar("Read")


@dataclass(frozen=True)
class Caller:
    """Who triggered a UI event: a signed-in HR user (their predictions are attributed to
    them in `requests`), or an anonymous visitor known by their address."""

    user: str | None
    address: str

    @classmethod
    def of(cls, request: gr.Request | None) -> "Caller":
        if request is None:
            return cls(None, "unknown")
        client = request.client
        return cls(request.username, client.host if client else "unknown")

    def call(self, route: str) -> Call:
        key = ui_user_key_hash(self.user) if self.user else None
        return Call(source="ui", method="POST", route=route, client_key_hash=key)


class UiBackend:
    """Built with the app; reads the service and engine from the app state at call time,
    since the lifespan builds them after the UI is mounted. `public_rows` counts the CSV rows
    the public demo scores per visitor."""

    def __init__(
        self, state: State, downloads_dir: Path, public_rows: RateLimits, timezone: ZoneInfo
    ) -> None:
        self._state = state
        self.downloads_dir = downloads_dir
        self.public_rows = public_rows
        self.timezone = timezone

    @property
    def service(self) -> PredictionService:
        return self._state.service

    async def employees(self, user: str | None) -> list[tuple[int, dict[str, Any], bool]]:
        """The stored employees (for the HR pickers), an audited read."""
        return await self._audited("/rh/employees", user, self._list_employees)

    def _list_employees(self) -> list[tuple[int, dict[str, Any], bool]]:
        with self._read() as session:
            return list_employees(session)

    def model(self) -> tuple[dict[str, Any], str, str | None]:
        loaded = self.service.serving.loaded
        return loaded.metadata, loaded.source, loaded.fallback_reason

    async def predict_form(
        self, values: dict[str, object], caller: Caller
    ) -> tuple[Prediction, dict[str, Any]]:
        """The form's employee scored and traced, with the validated record it describes."""
        call = caller.call("/ui/predict")
        try:
            record = record_from_values(french_values(values))
        except ValidationError as err:
            raise await self._rejected(call, err) from err
        answer = await self.service.predict_one(record, call)
        return answer.predictions[0], record.model_dump()

    async def predict_employee(
        self, id_employee: int, caller: Caller
    ) -> tuple[Prediction, dict[str, Any]]:
        """A stored employee scored and traced, with their record."""
        try:
            record = await to_thread.run_sync(self.service.employee_record, id_employee)
        except UnknownEmployeeError as err:
            raise Refusal(f"Salarié inconnu : n° {id_employee}.") from err
        answer = await self.service.predict_one(record, caller.call("/ui/employee"))
        return answer.predictions[0], record.model_dump()

    async def compare(
        self,
        id_employee: int | None,
        before: dict[str, Any],
        after: dict[str, Any],
        caller: Caller,
    ) -> tuple[Prediction, Prediction]:
        """The employee as they are and the scenario, scored in one traced call."""
        call = caller.call("/ui/simulation")
        try:
            records = [
                record_from_values({**before, "id_employee": id_employee}),
                # the scenario is no one's prediction: filed under no employee id
                record_from_values(french_values({**after, "id_employee": None})),
            ]
        except ValidationError as err:
            raise await self._rejected(call, err) from err
        answer = await self.service.predict_many(records, call)
        first, second = answer.predictions
        return first, second

    async def levers(
        self, record: dict[str, Any], caller: Caller
    ) -> tuple[Advice, list[Prediction]]:
        """What HR could change for this employee (`src.levers`), searched in memory with the
        model that answers, and the scenarios shown (the employee as they are, each lever
        alone, the combination) scored again in one traced call, as a simulation is: what
        HR reads is an answer of the audit trail."""
        predictor = self.service.serving.predictor
        advice = await to_thread.run_sync(advise, predictor, record)
        shown = [record, *(s.record for s in advice.alone)]
        if advice.combination is not None:
            shown.append(advice.combination.record)
        call = caller.call("/ui/levers")
        # Scenarios, not the employee: traced under no employee id, so that none of them
        # becomes "the employee's newest prediction" for the history or the live quality.
        records = [record_from_values({**r, "id_employee": None}) for r in shown]
        answer = await self.service.predict_many(records, call)
        return advice, answer.predictions

    async def employee(self, id_employee: int, user: str | None) -> tuple[dict[str, Any], bool]:
        """A stored employee's record and known outcome, an audited read."""

        def read() -> tuple[dict[str, Any], bool]:
            with self._read() as session:
                employee = get_employee(session, id_employee)
            if employee is None:
                raise AuditedRefusal(404, f"Salarié inconnu : n° {id_employee}.")
            return employee.record, employee.a_quitte_l_entreprise

        return await self._audited(f"/rh/employee/{id_employee}", user, read)

    async def score_batch(
        self, content: bytes, caller: Caller
    ) -> tuple[ParsedBatch, list[Prediction]]:
        """Every row valid or nothing scored; a rejected file is recorded like a 422."""
        return await self._score(caller.call("/ui/batch"), caller, lambda: parse_batch(content))

    async def score_extracts(
        self, files: list[bytes], caller: Caller
    ) -> tuple[ParsedBatch, list[Prediction]]:
        """The three raw HR extracts, joined and cleaned as for training, then scored."""
        call = caller.call("/ui/extracts")
        return await self._score(call, caller, lambda: parse_extracts(files))

    async def _score(
        self, call: Call, caller: Caller, parse: Callable[[], ParsedBatch]
    ) -> tuple[ParsedBatch, list[Prediction]]:
        try:
            parsed = await to_thread.run_sync(parse)  # 10,000 rows: not on the event loop
        except BatchFileError as err:
            body = {"detail": str(err), "errors": err.errors.to_dict("records")}
            await self._record(call, 422, body)
            raise
        records = parsed.records
        if caller.user is None:
            self._take_public_rows(caller.address, len(records))
            # An anonymous file's ids name no one: its predictions are not filed under a
            # stored employee (their history, the live quality that reads it).
            records = [record.model_copy(update={"id_employee": None}) for record in records]
        answer: Answer = await self.service.predict_many(records, call)
        return parsed, answer.predictions

    def scored_results(
        self, parsed: ParsedBatch, predictions: list[Prediction]
    ) -> tuple[pd.DataFrame, Path]:
        """The results table and the scored file, both with each employee's top factors."""
        explained = explain_many(predictions, [record.model_dump() for record in parsed.records])
        path = write_scored_csv(parsed, predictions, explained, self.downloads_dir)
        return results_frame(parsed, predictions, explained), path

    async def history(
        self, filters: PredictionFilter, page: int, user: str | None
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the predictions matching the filters, newest first, and how many match
        in all; an audited read."""

        def read() -> tuple[list[dict[str, Any]], int]:
            with self._read() as session:
                offset = (page - 1) * HISTORY_PAGE_ROWS
                return list_predictions(session, filters, HISTORY_PAGE_ROWS, offset)

        return await self._audited("/rh/history", user, read)

    async def history_export(self, filters: PredictionFilter, user: str | None) -> Path:
        """The newest `HISTORY_EXPORT_ROWS` predictions matching the filters as a CSV for
        French Excel, in the HR space's time zone; an audited read."""

        def read() -> list[dict[str, Any]]:
            with self._read() as session:
                rows, _ = list_predictions(session, filters, HISTORY_EXPORT_ROWS, 0)
            return rows

        rows = await self._audited("/rh/history/export", user, read)
        content = excel_csv(history_frame(rows, self.timezone))
        return write_download(self.downloads_dir, f"historique-{new_id()}.csv", content)

    async def workforce(self, user: str | None, route: str = "/rh/workforce") -> Workforce:
        """The employees still present, scored by the model that answers now; an audited read
        (`src/ui/workforce.py` says why nothing is traced)."""
        serving = self.service.serving  # one model for the whole view, even mid-switch

        def read() -> Workforce:
            with self._read() as session:
                stored, reported = list_employees(session), latest_reported_outcomes(session)
            return score_workforce(serving.predictor, serving.version, stored, reported)

        return await self._audited(route, user, read)

    async def workforce_export(self, user: str | None) -> Path:
        """The workforce view's every employee as a CSV for French Excel; an audited read."""
        workforce = await self.workforce(user, "/rh/workforce/export")
        content = excel_csv(export_frame(workforce))
        return write_download(self.downloads_dir, f"effectifs-{new_id()}.csv", content)

    async def trace(self, prediction_id: str, user: str | None) -> dict[str, Any]:
        """The trace as `GET /predictions/{id}` shows it, JSON-ready; an audited read."""
        wanted = prediction_id.strip()[:64]

        def read() -> dict[str, Any]:
            with self._read() as session:
                stored = get_prediction_trace(session, wanted)
            if stored is None:
                raise AuditedRefusal(404, f"Aucune prédiction n'a l'identifiant {wanted}.")
            return trace_view(stored).model_dump(mode="json")

        return await self._audited(f"/rh/trace/{wanted}", user, read)

    async def monitoring(
        self,
        window: int,
        since: datetime | None,
        until: datetime | None,
        source: Source | None,
        user: str | None,
    ) -> tuple[dict[str, Any], dict[str, Any], Path]:
        """Drift of the window and live quality of the period, as `GET /monitoring/drift` and
        `/monitoring/performance` give them, with the HTML report of both; an audited read."""
        monitor = self._state.monitor

        def read() -> tuple[dict[str, Any], dict[str, Any]]:
            with self._read() as session:
                drift = monitor.drift(session, window, since, until, source)
                return drift, monitor.quality(session, since, until, source)

        drift, quality = await self._audited("/rh/monitoring", user, read)
        drift, quality = orjson.loads(orjson.dumps(drift)), orjson.loads(orjson.dumps(quality))
        path = write_download(
            self.downloads_dir, f"surveillance-{new_id()}.html", render_report(drift, quality)
        )
        return drift, quality, path

    async def lifecycle(self, user: str | None) -> tuple[Registry, TrainingRuns]:
        """The registry and the newest training runs, as `GET /models` and
        `GET /training/runs` give them; an audited read."""

        def read() -> tuple[Registry, TrainingRuns]:
            with self._read() as session:
                versions = registry_view(session, self.service.serving.model)
                return versions, training_runs_view(session)

        return await self._audited("/rh/models", user, read)

    async def _audited(self, route: str, user: str | None, read: Callable[[], Read]) -> Read:
        """A signed-in read, recorded as the API records its reads: who (the user's
        `client_key_hash`), what (the route), when, and its outcome. Only the HR space, which
        Gradio's sign-in guards, calls it."""
        if user is None:
            raise Refusal("Connectez-vous à l'espace RH.")
        call = Call(source="ui", method="GET", route=route, client_key_hash=ui_user_key_hash(user))
        try:
            result = await to_thread.run_sync(read)
        except AuditedRefusal as refusal:
            await self._record(call, refusal.status_code, {"detail": str(refusal)})
            raise
        shown = orjson.dumps(result, default=str, option=orjson.OPT_NON_STR_KEYS)
        await self.service.record_call(call, 200, hashlib.sha256(shown).hexdigest(), b"")
        return result

    def _take_public_rows(self, address: str, rows: int) -> None:
        """The public demo scores at most `UI_PUBLIC_BATCH_ROWS` rows per visitor address:
        each scored row is a stored trace, and the demo is for trying, not for volumes."""
        allowance = self.public_rows.client_allowance()
        if allowance is not None and rows > allowance:
            raise Refusal(
                f"La démonstration publique prédit au plus {allowance} lignes par fichier ; "
                "pour un fichier plus grand, utilisez l'espace RH ou l'API."
            )
        wait = self.public_rows.client_retry_after(address, cost=max(rows, 1))
        if wait is not None:
            raise Refusal(
                "La démonstration publique a prédit assez de lignes pour vous pour le moment : "
                f"réessayez dans {max(1, round(wait / 60))} min, ou utilisez l'espace RH."
            )

    async def record_sign_in(self, space: str, name: str, status_code: int) -> None:
        """A sign-in attempt to an HR space, with the status Gradio answered (200, or 400 for
        wrong credentials), under the name tried, never the password."""
        key = ui_user_key_hash(name)
        call = Call(source="ui", method="POST", route=f"{space}/login", client_key_hash=key)
        detail = "signed in" if status_code == 200 else "invalid credentials"
        await self._record(call, status_code, {"detail": detail})

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """The service's read session; an unavailable database becomes a message for the user:
        reads need it, predictions do not (their traces are spooled meanwhile)."""
        try:
            with self.service.read_session() as session:
                yield session
        except DatabaseUnavailableError as err:
            raise Refusal(
                "La base de données est injoignable : les prédictions fonctionnent, "
                "l'historique et les salariés reviendront avec elle."
            ) from err

    async def _rejected(self, call: Call, err: ValidationError) -> Refusal:
        """Records the call as the API would a 422; returns what to show HR."""
        errors = [describe_error(error) for error in err.errors()]
        await self._record(call, 422, {"detail": "invalid request", "errors": errors})
        shown = " ; ".join(sentence(e) for e in err.errors())
        return Refusal(shown, title="Saisie invalide")

    async def _record(self, call: Call, status_code: int, body: dict[str, Any]) -> None:
        content = orjson.dumps(body, default=str)
        digest = hashlib.sha256(content).hexdigest()
        await self.service.record_call(call, status_code, digest, content)


def employee_id(chosen: object) -> int:
    """The id picked or typed in an employee dropdown; a clear message for anything else."""
    if chosen in (None, ""):
        raise Refusal("Choisissez d'abord un salarié.")
    try:
        id_employee = int(str(chosen).strip())
    except ValueError:
        raise Refusal(f"« {chosen} » n'est pas un numéro de salarié.") from None
    if not 1 <= id_employee <= MAX_EMPLOYEE_ID:
        raise Refusal(f"Salarié inconnu : n° {id_employee}.")
    return id_employee
