"""The Gradio UI, built for one of two audiences, on the same service as the REST API.

The public demo (`/ui/`, anyone): predict from the form, what-ifs on synthetic demo profiles,
score an uploaded CSV, this browser session's own predictions, the model card. Nothing in it
reads a stored employee, the history or a trace, so no event of it can return them.

The HR space (`/rh/`, mounted only when `UI_USERS` is set, behind Gradio's sign-in): the same,
plus the workforce view (every present employee scored, the risk by group, who is at risk
and why), the stored employees, what-ifs on them, the full history and traces, and the model's
surveillance (drift, live quality, a report to download); every such read is recorded in
`requests` with the signed-in user.

Built (not launched) when the app is created: Gradio must be mounted before the server starts.
The handlers reach the service through `UiBackend`, which the lifespan fills in. The events
named with `api_name` are each audience's API (a test lists them); the others are the page's
own plumbing and stay out of the API page.
"""

from collections.abc import Awaitable
from typing import Any

import gradio as gr
import pandas as pd

from src.fields import FIELDS_BY_NAME
from src.schemas import Prediction
from src.ui import components, hr_events, views
from src.ui.answers import answered, compared
from src.ui.backend import Caller, UiBackend
from src.ui.batch import ERROR_COLUMNS, RESULT_COLUMNS, BatchFileError, ParsedBatch
from src.ui.components import SCENARIO_FIELDS
from src.ui.form import FIELD_NAMES, employee_form, input_value
from src.ui.refusal import Refusal

#: Gradio hands a handler progress reporting when its default is a `gr.Progress`.
_PROGRESS = gr.Progress()
#: Each space has its own queue, so anonymous load never delays HR users: events at once,
#: events waiting (beyond, Gradio answers "queue full"), batches at once.
QUEUES = {"hr": (8, 64, 2), "public": (4, 32, 1)}
#: How often an idle Gradio queue looks for events to start and progress to send, seconds:
#: Gradio's own values on Windows. Its values elsewhere (1 ms and 10 ms) kept the idle service
#: at 7 % of a core for the two spaces' polling alone (bench/startup_idle.py); an event now
#: waits at most 50 ms more to start, against the 100 ms or more a UI event takes.
IDLE_POLL_S, PROGRESS_POLL_S = 0.05, 0.1
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
            if hr:  # what an HR manager opens first
                with gr.Tab("Effectifs", id="workforce"):
                    workforce = components.workforce_tab()
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
                history = (
                    components.history_tab(backend.timezone.key) if hr else components.session_tab()
                )
            if hr:
                with gr.Tab("Surveillance", id="surveillance"):
                    surveillance = components.surveillance_tab()
            with gr.Tab("Modèle", id="model"):
                model = components.model_tab()
                if hr:
                    lifecycle = components.lifecycle_section()

        concurrency, waiting, batches = QUEUES["hr" if hr else "public"]
        _wire_predict(backend, form, predict_button, outputs)
        _wire_batch(backend, batch, batches)
        if hr:
            hr_events.wire_employee(backend, employee_parts, employee_outputs, form, tabs)
            hr_events.wire_workforce(ui, backend, workforce, employee_parts[0], tabs)
            hr_events.wire_employee_simulation(backend, simulation)
            hr_events.wire_history(backend, history)
            hr_events.wire_surveillance(backend, surveillance)
            hr_events.wire_lifecycle(ui, backend, lifecycle)
        else:
            _wire_profile_simulation(backend, profiles, simulation)
            _wire_session(outputs[2], batch, history)
        _wire_load(ui, backend, hr, model, employee_parts[0] if hr else None, simulation[0])
    ui.queue(default_concurrency_limit=concurrency, max_size=waiting, api_open=False)
    quiet_when_idle(ui)
    return ui


def quiet_when_idle(ui: gr.Blocks) -> None:
    """Slower polling for the space's queue (`IDLE_POLL_S`): Gradio has no setting for it,
    its queue reads these two attributes at each turn of its loops."""
    queue = ui._queue  # noqa: SLF001  (the queue `ui.queue()` made; Gradio exposes no other way)
    queue.sleep_when_free = IDLE_POLL_S
    queue.progress_update_sleep_when_free = PROGRESS_POLL_S


def _wire_predict(backend: UiBackend, form: list, button: gr.Button, outputs: tuple) -> None:
    async def predict(request: gr.Request, *values: object) -> tuple[str, pd.DataFrame, dict, str]:
        values_by_name = dict(zip(FIELD_NAMES, values, strict=True))
        caller = Caller.of(request)
        return await answered(backend, *await backend.predict_form(values_by_name, caller), caller)

    components.cleared(button, list(outputs)).then(predict, form, list(outputs), api_name="predict")


def _wire_profile_simulation(
    backend: UiBackend, profiles: dict[str, dict[str, Any]], simulation: tuple
) -> None:
    picker, levers, button, comparison, changed, suggested = simulation

    def profile(name: object) -> dict[str, Any]:
        if name not in profiles:
            raise Refusal("Choisissez un profil de démonstration.")
        return profiles[str(name)]

    def fill_levers(name: object) -> list[object]:
        if name in (None, ""):
            return [gr.update() for _ in SCENARIO_FIELDS]
        record = profile(name)
        return [input_value(FIELDS_BY_NAME[field], record[field]) for field in SCENARIO_FIELDS]

    picker.change(fill_levers, picker, levers, api_visibility="private")

    async def simulate(request: gr.Request, name: object, *values: object) -> tuple[str, str, str]:
        return await compared(backend, None, profile(name), values, Caller.of(request))

    outputs = [comparison, changed, suggested]
    components.cleared(button, outputs).then(
        simulate, [picker, *levers], outputs, api_name="simulate"
    )


def _wire_batch(backend: UiBackend, batch: tuple, at_once: int) -> None:
    """The CSV tab. Its handlers get the uploaded files' bytes: the gate (`src/ui/gate.py`)
    lets an event name only files uploaded to its own space."""
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
        content: bytes | None, request: gr.Request, progress: gr.Progress = _PROGRESS
    ) -> tuple[str, pd.DataFrame, pd.DataFrame, Any]:
        if not content:
            raise Refusal("Déposez d'abord un fichier CSV.")
        return await shown_batch(backend.score_batch(content, Caller.of(request)), progress)

    async def score_extracts(
        files: list[bytes] | None, request: gr.Request, progress: gr.Progress = _PROGRESS
    ) -> tuple[str, pd.DataFrame, pd.DataFrame, Any]:
        if not files:
            raise Refusal("Déposez d'abord les trois extraits.")
        return await shown_batch(backend.score_extracts(files, Caller.of(request)), progress)

    # A 10,000-row file takes a core for a moment.
    batches = {"concurrency_limit": at_once, "concurrency_id": "batches"}
    extracts_button.click(
        score_extracts, extracts, batch_outputs, api_name="score_extracts", **batches
    )
    batch_button.click(score_batch, upload, batch_outputs, api_name="score_batch", **batches)


def _wire_session(raw: gr.JSON, batch: tuple, table: gr.Dataframe) -> None:
    """The public's own predictions, kept in the browser session's state only: what the form
    and the batches answered, as they are shown."""
    mine = gr.State([])

    def remember(rows: list[dict[str, Any]], shown: object) -> tuple[list, pd.DataFrame]:
        row = views.session_row(shown)
        rows = [*rows, row][-SESSION_ROWS:] if row is not None else rows
        return rows, views.session_frame(rows)

    def remember_batch(rows: list[dict[str, Any]], scored: object) -> tuple:
        rows = [*rows, *views.session_rows(scored)[:SESSION_ROWS]][-SESSION_ROWS:]
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
            views.model_overview(metadata, source, fallback, backend.timezone),
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
