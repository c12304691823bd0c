"""The Gradio UI, built for one of two audiences, on the same service as the REST API.

The public demo (`/ui/`, anyone): predict from the form, what-ifs on synthetic demo profiles,
score an uploaded CSV, this browser session's own predictions, the model card. Nothing in it
reads a stored employee, the history or a trace, so no event of it can return them.

The HR space (`/rh/`, mounted only when `UI_USERS` is set, behind Gradio's sign-in): the same,
plus the stored employees, what-ifs on them, the full history and traces; every such read is
recorded in `requests` with the signed-in user.

Built (not launched) when the app is created: Gradio must be mounted before the server starts.
The handlers reach the service through `UiBackend`, which the lifespan fills in. The events
named with `api_name` are each audience's API (a test lists them); the others are the page's
own plumbing and stay out of the API page.
"""

import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import gradio as gr
import pandas as pd

from src.schemas import Prediction
from src.ui import components, views
from src.ui.backend import UiBackend, employee_id
from src.ui.batch import ERROR_COLUMNS, RESULT_COLUMNS, BatchFileError, ParsedBatch
from src.ui.components import ALL, SCENARIO_FIELDS
from src.ui.form import FIELD_NAMES, employee_form, form_values

#: Gradio hands a handler progress reporting when its default is a `gr.Progress`.
_PROGRESS = gr.Progress()
QUEUE_CONCURRENCY = 8
QUEUE_MAX_SIZE = 64
#: Uploaded and scored files this UI put in Gradio's cache: looked for every 10 minutes,
#: deleted after an hour (and when the app stops). They hold HR records.
CACHE_CLEANING = (600, 3600)
#: The public's session list keeps its newest rows only.
SESSION_ROWS = 1_000


def build_ui(backend: UiBackend, profiles: dict[str, dict[str, Any]], hr: bool) -> gr.Blocks:
    """The UI for HR (`hr`) or for the public; `profiles` are the synthetic demo employees,
    the first of which the form opens with."""
    title = "espace RH" if hr else "démonstration publique"
    with gr.Blocks(
        title=f"TechNova — risque de départ ({title})",
        analytics_enabled=False,
        delete_cache=CACHE_CLEANING,
    ) as ui:
        gr.Markdown(
            "# TechNova Partners — risque de départ des salariés\n"
            "Estimation de la probabilité qu'un salarié quitte l'entreprise, avec les "
            "facteurs qui l'expliquent. Chaque prédiction est enregistrée pour l'audit."
            + ("" if hr else " Les données des salariés sont réservées à l'espace RH (`/rh/`).")
        )
        with gr.Tabs() as tabs:
            with gr.Tab("Prédire", id="predict"):
                form = employee_form(next(iter(profiles.values())))
                predict_button = gr.Button("Prédire", variant="primary")
                outputs = components.prediction_outputs()
            if hr:
                with gr.Tab("Employé", id="employee"):
                    employee_parts = components.employee_tab()
                    employee_outputs = components.prediction_outputs()
            with gr.Tab("Simulation", id="simulation"):
                simulation = components.simulation_tab(
                    lambda: (
                        components.employee_picker("Salarié")
                        if hr
                        else gr.Dropdown(
                            list(profiles), value=None, label="Profil de démonstration"
                        )
                    )
                )
            with gr.Tab("Lot (CSV)", id="batch"):
                batch = components.batch_tab()
            with gr.Tab("Historique" if hr else "Mes prédictions", id="history"):
                history = components.history_tab() if hr else components.session_tab()
            with gr.Tab("Modèle", id="model"):
                model = components.model_tab()

        _wire_predict(backend, form, predict_button, outputs)
        _wire_batch(backend, batch)
        if hr:
            _wire_employee(backend, employee_parts, employee_outputs, form, tabs)
            _wire_employee_simulation(backend, simulation)
            _wire_history(backend, history)
        else:
            _wire_profile_simulation(backend, profiles, simulation)
            _wire_session(outputs[2], batch, history)
        _wire_load(ui, backend, hr, model, employee_parts[0] if hr else None, simulation[0])
    ui.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE, api_open=False)
    return ui


def _wire_predict(backend: UiBackend, form: list, button: gr.Button, outputs: tuple) -> None:
    async def predict(*values: object) -> tuple[str, pd.DataFrame, dict]:
        prediction = await backend.predict_form(dict(zip(FIELD_NAMES, values, strict=True)))
        return _shown(prediction, backend)

    button.click(predict, form, list(outputs), api_name="predict")


def _wire_employee(
    backend: UiBackend, parts: tuple, outputs: tuple, form: list, tabs: gr.Tabs
) -> None:
    employee, known, record, (predict_button, open_button) = parts

    async def show_employee(chosen: object, request: gr.Request) -> tuple[str, pd.DataFrame]:
        if chosen in (None, ""):
            return "", pd.DataFrame(columns=["champ", "valeur"])
        stored, left = await backend.employee(employee_id(chosen), request.username)
        return f"**{views.outcome_text(left)}**", views.record_frame(stored)

    employee.change(show_employee, employee, [known, record], api_name="employee")

    async def predict_employee(chosen: object) -> tuple[str, pd.DataFrame, dict]:
        return _shown(await backend.predict_employee(employee_id(chosen)), backend)

    predict_button.click(predict_employee, employee, list(outputs), api_name="predict_employee")

    async def open_in_form(chosen: object, request: gr.Request) -> list[object]:
        stored, _ = await backend.employee(employee_id(chosen), request.username)
        return [*form_values(stored), gr.Tabs(selected="predict")]

    open_button.click(open_in_form, employee, [*form, tabs], api_visibility="private")


def _wire_employee_simulation(backend: UiBackend, simulation: tuple) -> None:
    picker, levers, button, comparison, changed = simulation

    async def fill_levers(chosen: object, request: gr.Request) -> list[object]:
        if chosen in (None, ""):
            return [gr.update() for _ in SCENARIO_FIELDS]
        stored, _ = await backend.employee(employee_id(chosen), request.username)
        return [stored[name] for name in SCENARIO_FIELDS]

    picker.change(fill_levers, picker, levers, api_visibility="private")

    async def simulate(request: gr.Request, chosen: object, *values: object) -> tuple[str, str]:
        id_employee = employee_id(chosen)
        before, _ = await backend.employee(id_employee, request.username)
        return await _compared(backend, id_employee, before, values)

    button.click(simulate, [picker, *levers], [comparison, changed], api_name="simulate")


def _wire_profile_simulation(
    backend: UiBackend, profiles: dict[str, dict[str, Any]], simulation: tuple
) -> None:
    picker, levers, button, comparison, changed = simulation

    def profile(name: object) -> dict[str, Any]:
        if name not in profiles:
            raise gr.Error("Choisissez un profil de démonstration.")
        return profiles[str(name)]

    def fill_levers(name: object) -> list[object]:
        if name in (None, ""):
            return [gr.update() for _ in SCENARIO_FIELDS]
        return [profile(name)[field] for field in SCENARIO_FIELDS]

    picker.change(fill_levers, picker, levers, api_visibility="private")

    async def simulate(name: object, *values: object) -> tuple[str, str]:
        return await _compared(backend, None, profile(name), values)

    button.click(simulate, [picker, *levers], [comparison, changed], api_name="simulate")


async def _compared(
    backend: UiBackend, id_employee: int | None, before: dict[str, Any], values: tuple
) -> tuple[str, str]:
    after = {**before, **dict(zip(SCENARIO_FIELDS, values, strict=True))}
    first, second = await backend.compare(id_employee, before, after)
    moved = views.changed_fields(before, after)
    note = "Leviers modifiés : " + (", ".join(moved) if moved else "aucun")
    return views.comparison_summary(first, second), note


def _wire_batch(backend: UiBackend, batch: tuple) -> None:
    upload, batch_button, extracts, extracts_button, *batch_outputs = batch

    async def shown_batch(
        scoring: Awaitable[tuple[ParsedBatch, list[Prediction]]], progress: gr.Progress
    ) -> tuple[str, pd.DataFrame, pd.DataFrame, Any]:
        progress(0.1, desc="Lecture et validation")
        try:
            parsed, predictions = await scoring
        except BatchFileError as err:
            hidden = gr.DownloadButton(visible=False)
            return f"**{err}**", pd.DataFrame(columns=RESULT_COLUMNS), err.errors, hidden
        progress(0.8, desc=f"{len(predictions)} salariés prédits, export")
        table, scored = backend.scored_results(parsed, predictions)
        leaving = sum(p.prediction == "Part" for p in predictions)
        status = f"**{len(predictions)} salariés prédits, dont {leaving} à risque de départ.**"
        empty = pd.DataFrame(columns=ERROR_COLUMNS)
        return status, table, empty, gr.DownloadButton(value=str(scored), visible=True)

    async def score_batch(
        path: str | None, progress: gr.Progress = _PROGRESS
    ) -> tuple[str, pd.DataFrame, pd.DataFrame, Any]:
        if not path:
            raise gr.Error("Déposez d'abord un fichier CSV.")
        return await shown_batch(backend.score_batch(backend.uploaded(path)), progress)

    async def score_extracts(
        paths: list[str] | None, progress: gr.Progress = _PROGRESS
    ) -> tuple[str, pd.DataFrame, pd.DataFrame, Any]:
        if not paths:
            raise gr.Error("Déposez d'abord les trois extraits.")
        files = [backend.uploaded(path) for path in paths]
        return await shown_batch(backend.score_extracts(files), progress)

    # A 10,000-row file takes a core for a moment: two at once.
    extracts_button.click(
        score_extracts, extracts, batch_outputs, api_name="score_extracts", concurrency_limit=2
    )
    batch_button.click(
        score_batch, upload, batch_outputs, api_name="score_batch", concurrency_limit=2
    )


def _wire_history(backend: UiBackend, history: tuple) -> None:
    filters, button, table, trace_id, trace_view = history

    async def list_history(
        source: str, label: str, since: float | None, until: float | None, request: gr.Request
    ) -> pd.DataFrame:
        rows = await backend.history(
            None if source == ALL else source,
            None if label == ALL else label,
            _moment(since),
            _moment(until),
            request.username,
        )
        return views.history_frame(rows)

    button.click(list_history, filters, table, api_name="history")

    def pick_trace(shown: pd.DataFrame, selected: gr.SelectData) -> str:
        return str(shown.iloc[selected.index[0]]["prediction_id"])

    async def trace(prediction_id: str, request: gr.Request) -> dict:
        if not prediction_id or not prediction_id.strip():
            raise gr.Error("Choisissez une prédiction dans le tableau.")
        found = await backend.trace(prediction_id, request.username)
        return json.loads(json.dumps(found, default=str))

    # A click in the table opens the trace; a typed id opens it on Enter (not at every key).
    table.select(pick_trace, table, trace_id, api_visibility="private").then(
        trace, trace_id, trace_view, api_name="open_trace", api_visibility="private"
    )
    trace_id.submit(trace, trace_id, trace_view, api_name="trace")


def _wire_session(raw: gr.JSON, batch: tuple, table: gr.Dataframe) -> None:
    """The public's own predictions, kept in the browser session's state only: what the form
    and the batches answered, as they are shown."""
    mine = gr.State([])

    def remember(rows: list[dict[str, Any]], shown: dict | None) -> tuple[list, pd.DataFrame]:
        rows = [*rows, views.session_row(shown)][-SESSION_ROWS:] if shown else rows
        return rows, views.session_frame(rows)

    def remember_batch(rows: list[dict[str, Any]], scored: pd.DataFrame) -> tuple:
        rows = [*rows, *views.session_rows(scored)][-SESSION_ROWS:]
        return rows, views.session_frame(rows)

    raw.change(remember, [mine, raw], [mine, table], api_visibility="private")
    results = batch[5]
    results.change(remember_batch, [mine, results], [mine, table], api_visibility="private")


def _wire_load(
    ui: gr.Blocks,
    backend: UiBackend,
    hr: bool,
    model: tuple,
    employee: gr.Dropdown | None,
    simulation_picker: gr.Dropdown,
) -> None:
    overview, metrics, calibration, slices = model

    async def on_load(request: gr.Request) -> list[object]:
        metadata, source, fallback = backend.model()
        shown = [
            views.model_overview(metadata, source, fallback),
            views.metrics_frame(metadata["metrics"]),
            views.calibration_frame(metadata["metrics"]),
            views.slices_frame(metadata["metrics"]),
        ]
        if not hr:
            return shown
        employees = await backend.employees(request.username)
        choices = [views.employee_choice(i, record) for i, record, _ in employees]
        return [*shown, gr.Dropdown(choices=choices), gr.Dropdown(choices=choices)]

    pickers = [employee, simulation_picker] if hr else []
    shown = [overview, metrics, calibration, slices, *pickers]
    ui.load(on_load, None, shown, api_visibility="private")


def _shown(prediction: Prediction, backend: UiBackend) -> tuple[str, pd.DataFrame, dict]:
    return (
        views.prediction_summary(prediction),
        views.factor_frame(prediction, backend.feature_labels),
        prediction.model_dump(mode="json"),
    )


def _moment(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
