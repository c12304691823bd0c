"""The HR space's own events: the workforce view, the stored employees, what-ifs on them, the
history and traces.

Wired by `src/ui/blocks.py` in the HR space only (behind Gradio's sign-in); every read goes
through `UiBackend`'s audited reads, under the signed-in user's name.
"""

import json
from datetime import UTC, datetime
from typing import get_args

import gradio as gr
import pandas as pd

from database.repository import PredictionFilter
from src.fields import FIELDS_BY_NAME
from src.tracing import Source
from src.ui import views, workforce
from src.ui.answers import answered, compared
from src.ui.backend import Caller, UiBackend, employee_id
from src.ui.components import ALL, SCENARIO_FIELDS, cleared
from src.ui.form import form_values, input_value
from src.ui.refusal import Refusal


def wire_employee(
    backend: UiBackend, parts: tuple, outputs: tuple, form: list, tabs: gr.Tabs
) -> None:
    employee, known, record, (predict_button, open_button) = parts

    async def show_employee(chosen: object, request: gr.Request) -> tuple[str, pd.DataFrame]:
        if chosen in (None, ""):
            return "", pd.DataFrame(columns=["champ", "valeur"])
        stored, left = await backend.employee(employee_id(chosen), request.username)
        return f"**{views.outcome_text(left)}**", views.record_frame(stored)

    employee.change(show_employee, employee, [known, record], api_name="employee")

    async def predict_employee(
        chosen: object, request: gr.Request
    ) -> tuple[str, pd.DataFrame, dict, str]:
        caller = Caller.of(request)
        prediction, record = await backend.predict_employee(employee_id(chosen), caller)
        return await answered(backend, prediction, record, caller)

    cleared(predict_button, list(outputs)).then(
        predict_employee, employee, list(outputs), api_name="predict_employee"
    )

    async def open_in_form(chosen: object, request: gr.Request) -> list[object]:
        stored, _ = await backend.employee(employee_id(chosen), request.username)
        return [*form_values(stored), gr.Tabs(selected="predict")]

    open_button.click(open_in_form, employee, [*form, tabs], api_visibility="private")


def wire_workforce(
    ui: gr.Blocks, backend: UiBackend, parts: tuple, employee: gr.Dropdown, tabs: gr.Tabs
) -> None:
    """Read when the page opens and on demand; a click on an employee at risk opens them in
    the Employé tab."""
    summary, tables, search, (refresh, export), download = parts
    by_department, by_job, by_age, at_risk = tables
    listed = gr.State()  # the whole list of the last read, for the search

    async def show(request: gr.Request, wanted: str) -> tuple[object, ...]:
        shown = await backend.workforce(request.username)
        department, job, age = (
            workforce.group_frame(shown, grouping) for grouping in workforce.GROUPINGS
        )
        whole = workforce.at_risk_frame(shown)
        summary_text = workforce.workforce_summary(shown)
        return summary_text, department, job, age, workforce.searched(whole, wanted), whole

    outputs = [summary, by_department, by_job, by_age, at_risk, listed]
    refresh.click(show, search, outputs, api_name="workforce")
    ui.load(show, search, outputs, api_visibility="private")

    def look_for(whole: pd.DataFrame | None, wanted: str) -> pd.DataFrame:
        return workforce.searched(whole, wanted) if whole is not None else gr.update()

    search.change(look_for, [listed, search], at_risk, api_visibility="private")

    async def export_all(request: gr.Request) -> gr.DownloadButton:
        path = await backend.workforce_export(request.username)
        return gr.DownloadButton(value=str(path), visible=True)

    export.click(export_all, None, download, api_name="workforce_export")

    def open_employee(shown: pd.DataFrame, selected: gr.SelectData) -> tuple[int, gr.Tabs]:
        return int(shown.iloc[selected.index[0]]["n° salarié"]), gr.Tabs(selected="employee")

    at_risk.select(open_employee, at_risk, [employee, tabs], api_visibility="private")


def wire_employee_simulation(backend: UiBackend, simulation: tuple) -> None:
    picker, levers, button, comparison, changed, suggested = simulation

    async def fill_levers(chosen: object, request: gr.Request) -> list[object]:
        if chosen in (None, ""):
            return [gr.update() for _ in SCENARIO_FIELDS]
        stored, _ = await backend.employee(employee_id(chosen), request.username)
        return [input_value(FIELDS_BY_NAME[name], stored[name]) for name in SCENARIO_FIELDS]

    picker.change(fill_levers, picker, levers, api_visibility="private")

    async def simulate(
        request: gr.Request, chosen: object, *values: object
    ) -> tuple[str, str, str]:
        id_employee = employee_id(chosen)
        before, _ = await backend.employee(id_employee, request.username)
        return await compared(backend, id_employee, before, values, Caller.of(request))

    outputs = [comparison, changed, suggested]
    cleared(button, outputs).then(simulate, [picker, *levers], outputs, api_name="simulate")


def wire_history(backend: UiBackend, history: tuple) -> None:
    filters, page, (button, export), (status, table, download), trace_id, trace_view = history

    async def list_history(
        source: str,
        label: str,
        since: str | None,
        until: str | None,
        asked: str | None,
        request: gr.Request,
    ) -> tuple[str, pd.DataFrame]:
        chosen = _filters(backend, source, label, since, until)
        number = _page(asked)
        rows, total = await backend.history(chosen, number, request.username)
        return views.history_status(number, total), views.history_frame(rows, backend.timezone)

    button.click(list_history, [*filters, page], [status, table], api_name="history")

    async def export_history(
        source: str, label: str, since: str | None, until: str | None, request: gr.Request
    ) -> gr.DownloadButton:
        chosen = _filters(backend, source, label, since, until)
        path = await backend.history_export(chosen, request.username)
        return gr.DownloadButton(value=str(path), visible=True)

    export.click(export_history, filters, download, api_name="history_export")

    def pick_trace(shown: pd.DataFrame, selected: gr.SelectData) -> str:
        return str(shown.iloc[selected.index[0]]["prediction_id"])

    async def trace(prediction_id: str, request: gr.Request) -> dict:
        if not prediction_id or not prediction_id.strip():
            raise Refusal("Choisissez une prédiction dans le tableau.")
        found = await backend.trace(prediction_id, request.username)
        return json.loads(json.dumps(found, default=str))

    # A click in the table opens the trace; a typed id opens it on Enter (not at every key).
    table.select(pick_trace, table, trace_id, api_visibility="private").then(
        trace, trace_id, trace_view, api_name="open_trace", api_visibility="private"
    )
    trace_id.submit(trace, trace_id, trace_view, api_name="trace")


def _filters(
    backend: UiBackend, source: str, label: str, since: str | None, until: str | None
) -> PredictionFilter:
    """The history's filters as HR typed them; a date that cannot be read is refused in
    French, never dropped."""
    try:
        start = views.typed_moment(since, backend.timezone, end_of_day=False)
        end = views.typed_moment(until, backend.timezone, end_of_day=True)
    except ValueError as err:
        raise Refusal(str(err), title="Date illisible") from None
    if source not in (ALL, *get_args(Source)) or label not in (ALL, "Part", "Reste"):
        raise Refusal("Choisissez un canal et une prédiction dans les listes.")
    return PredictionFilter(
        start,
        end,
        None if label == ALL else label,
        None if source == ALL else source,
        None,
    )


def _page(asked: str | None) -> int:
    try:
        number = int(str(asked).strip()) if asked not in (None, "") else 1
    except ValueError:
        number = 0
    if not 1 <= number <= 1_000_000:
        raise Refusal(f"« {str(asked)[:20]} » n'est pas un numéro de page (1, 2, 3…).")
    return number


def _moment(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def wire_surveillance(backend: UiBackend, surveillance: tuple) -> None:
    controls, button, outputs, distribution = surveillance
    summary, psi, column, days, quality, export, report = outputs

    async def analyse(
        window: float | None,
        since: float | None,
        until: float | None,
        source: str,
        request: gr.Request,
    ) -> tuple:
        size = int(window) if window is not None and 1 <= window <= 50_000 else None
        if size is None:
            raise Refusal("La fenêtre va de 1 à 50 000 prédictions.")
        drift, live, path = await backend.monitoring(
            size,
            _moment(since),
            _moment(until),
            None if source == ALL else source,
            request.username,
        )
        labels = [row["label"] for row in drift.get("columns", [])]
        return (
            views.drift_summary(drift, live),
            views.psi_frame(drift),
            gr.Dropdown(choices=labels, value=labels[0] if labels else None),
            views.days_frame(drift),
            views.quality_frame(live),
            gr.DownloadButton(value=str(path), visible=True),
            drift,
        )

    button.click(analyse, controls, list(outputs), api_name="surveillance")

    def compare(drift: dict, label: object) -> pd.DataFrame:
        return views.distribution_frame(drift or {}, label)

    column.change(compare, [report, column], distribution, api_visibility="private")


def wire_lifecycle(ui: gr.Blocks, backend: UiBackend, lifecycle: tuple) -> None:
    """The registry and the trainings, read when the page opens and on demand; while a
    training runs, the timer reads them again every few seconds (and stops after)."""
    refresh, timer, outputs = lifecycle

    async def read(request: gr.Request) -> tuple[str, pd.DataFrame, pd.DataFrame, gr.Timer]:
        registry, trainings = await backend.lifecycle(request.username)
        return (
            views.training_progress(trainings.runs),
            views.runs_frame(trainings.runs),
            views.versions_frame(registry.models),
            gr.Timer(active=views.training_under_way(trainings.runs)),
        )

    shown = [*outputs, timer]
    refresh.click(read, None, shown, api_name="model_lifecycle")
    timer.tick(read, None, shown, api_visibility="private")
    ui.load(read, None, shown, api_visibility="private")
