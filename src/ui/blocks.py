"""The Gradio UI for HR: six tabs on the same service as the REST API, mounted at `/ui/`.

Built (not launched) when the app is created: Gradio must be mounted before the server starts.
The handlers reach the service through `UiBackend`, which the lifespan fills in. The events
named with `api_name` are the UI's public API (a test lists them); the others are the page's
own plumbing and stay out of the API page.
"""

import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from anyio import to_thread

from src.fields import FIELDS_BY_NAME
from src.schemas import Prediction
from src.ui import views
from src.ui.backend import UiBackend, employee_id
from src.ui.batch import ERROR_COLUMNS, RESULT_COLUMNS, BatchFileError, ParsedBatch
from src.ui.form import FIELD_NAMES, employee_form, field_input, form_values

#: The what-if tab's levers: what HR can act on.
SCENARIO_FIELDS = (
    "heures_supplementaires",
    "augmentation_salaire_precedente",
    "revenu_mensuel",
    "satisfaction_employee_environnement",
    "satisfaction_employee_equilibre_pro_perso",
    "frequence_deplacement",
)
ALL = "Tous"
#: Gradio hands a handler progress reporting when its default is a `gr.Progress`.
_PROGRESS = gr.Progress()
QUEUE_CONCURRENCY = 8
QUEUE_MAX_SIZE = 64


def build_ui(backend: UiBackend, defaults: dict[str, Any]) -> gr.Blocks:
    """The whole UI; `defaults` is the employee the form opens with."""
    with gr.Blocks(title="TechNova — risque de départ", analytics_enabled=False) as demo:
        gr.Markdown(
            "# TechNova Partners — risque de départ des salariés\n"
            "Estimation de la probabilité qu'un salarié quitte l'entreprise, avec les "
            "facteurs qui l'expliquent. Chaque prédiction est enregistrée pour l'audit."
        )
        with gr.Tabs() as tabs:
            with gr.Tab("Prédire", id="predict"):
                form = employee_form(defaults)
                predict_button = gr.Button("Prédire", variant="primary")
                summary, chart, raw = _prediction_outputs()
            with gr.Tab("Employé", id="employee"):
                employee, known, record, employee_buttons = _employee_tab()
                employee_summary, employee_chart, employee_raw = _prediction_outputs()
            with gr.Tab("Simulation", id="simulation"):
                sim_employee, levers, compare_button, comparison, sim_changed = _simulation_tab()
            with gr.Tab("Lot (CSV)", id="batch"):
                upload, batch_button, extracts, extracts_button, *batch_views = _batch_tab()
                batch_status, batch_table, errors, download = batch_views
            with gr.Tab("Historique", id="history"):
                filters, history_button, history_table, trace_id, trace_view = _history_tab()
            with gr.Tab("Modèle", id="model"):
                overview, metrics, calibration, slices = _model_tab()

        async def predict(*values: object) -> tuple[str, pd.DataFrame, dict]:
            prediction = await backend.predict_form(dict(zip(FIELD_NAMES, values, strict=True)))
            return _shown(prediction, backend)

        predict_button.click(predict, form, [summary, chart, raw], api_name="predict")

        def show_employee(chosen: object) -> tuple[str, pd.DataFrame]:
            if chosen in (None, ""):
                return "", pd.DataFrame(columns=["champ", "valeur"])
            stored, left = backend.employee(employee_id(chosen))
            return f"**{views.outcome_text(left)}**", views.record_frame(stored)

        employee.change(show_employee, employee, [known, record], api_name="employee")

        async def predict_employee(chosen: object) -> tuple[str, pd.DataFrame, dict]:
            return _shown(await backend.predict_employee(employee_id(chosen)), backend)

        employee_buttons[0].click(
            predict_employee,
            employee,
            [employee_summary, employee_chart, employee_raw],
            api_name="predict_employee",
        )

        def open_in_form(chosen: object) -> list[object]:
            stored, _ = backend.employee(employee_id(chosen))
            return [*form_values(stored), gr.Tabs(selected="predict")]

        employee_buttons[1].click(open_in_form, employee, [*form, tabs], api_visibility="private")

        def fill_levers(chosen: object) -> list[object]:
            if chosen in (None, ""):
                return [gr.update() for _ in SCENARIO_FIELDS]
            stored, _ = backend.employee(employee_id(chosen))
            return [stored[name] for name in SCENARIO_FIELDS]

        sim_employee.change(fill_levers, sim_employee, levers, api_visibility="private")

        async def simulate(chosen: object, *values: object) -> tuple[str, str]:
            id_employee = employee_id(chosen)
            before, _ = await to_thread.run_sync(backend.employee, id_employee)  # a query
            after = {**before, **dict(zip(SCENARIO_FIELDS, values, strict=True))}
            first, second = await backend.compare(id_employee, before, after)
            changed = views.changed_fields(before, after)
            note = "Leviers modifiés : " + (", ".join(changed) if changed else "aucun")
            return views.comparison_summary(first, second), note

        compare_button.click(
            simulate, [sim_employee, *levers], [comparison, sim_changed], api_name="simulate"
        )

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
            return await shown_batch(backend.score_batch(Path(path).read_bytes()), progress)

        async def score_extracts(
            paths: list[str] | None, progress: gr.Progress = _PROGRESS
        ) -> tuple[str, pd.DataFrame, pd.DataFrame, Any]:
            if not paths:
                raise gr.Error("Déposez d'abord les trois extraits.")
            files = [Path(path).read_bytes() for path in paths]
            return await shown_batch(backend.score_extracts(files), progress)

        batch_outputs = [batch_status, batch_table, errors, download]
        extracts_button.click(
            score_extracts,
            extracts,
            batch_outputs,
            api_name="score_extracts",
            concurrency_limit=2,
        )
        batch_button.click(
            score_batch,
            upload,
            batch_outputs,
            api_name="score_batch",
            concurrency_limit=2,  # a 10,000-row file takes a core for a moment
        )

        def history(
            source: str, label: str, since: float | None, until: float | None
        ) -> pd.DataFrame:
            rows = backend.history(
                None if source == ALL else source,
                None if label == ALL else label,
                _moment(since),
                _moment(until),
            )
            return views.history_frame(rows)

        history_button.click(history, filters, history_table, api_name="history")

        def pick_trace(table: pd.DataFrame, selected: gr.SelectData) -> str:
            return str(table.iloc[selected.index[0]]["prediction_id"])

        def trace(prediction_id: str) -> dict:
            if not prediction_id or not prediction_id.strip():
                raise gr.Error("Choisissez une prédiction dans le tableau.")
            return json.loads(json.dumps(backend.trace(prediction_id), default=str))

        # A click in the table opens the trace; a typed id opens it on Enter (not at every key).
        history_table.select(pick_trace, history_table, trace_id, api_visibility="private").then(
            trace, trace_id, trace_view, api_name="open_trace", api_visibility="private"
        )
        trace_id.submit(trace, trace_id, trace_view, api_name="trace")

        def on_load() -> list[object]:
            choices = [views.employee_choice(i, r) for i, r, _ in backend.employees]
            metadata, source, fallback = backend.model()
            return [
                gr.Dropdown(choices=choices),
                gr.Dropdown(choices=choices),
                views.model_overview(metadata, source, fallback),
                views.metrics_frame(metadata["metrics"]),
                views.calibration_frame(metadata["metrics"]),
                views.slices_frame(metadata["metrics"]),
                history(ALL, ALL, None, None),
            ]

        demo.load(
            on_load,
            None,
            [employee, sim_employee, overview, metrics, calibration, slices, history_table],
            api_visibility="private",
        )
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE, api_open=False)
    return demo


def _shown(prediction: Prediction, backend: UiBackend) -> tuple[str, pd.DataFrame, dict]:
    return (
        views.prediction_summary(prediction),
        views.factor_frame(prediction, backend.feature_labels),
        prediction.model_dump(mode="json"),
    )


def _moment(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _prediction_outputs() -> tuple[gr.Markdown, gr.BarPlot, gr.JSON]:
    summary = gr.Markdown()
    chart = gr.BarPlot(
        x="facteur",
        y="contribution",
        color="effet",
        color_map={views.UP: "#d62728", views.DOWN: "#2ca02c"},
        title="Ce qui pousse le risque vers le haut ou vers le bas",
        sort="-y",
        x_label_angle=-30,
        height=360,
    )
    with gr.Accordion("Détails techniques (JSON)", open=False):
        raw = gr.JSON(label="Réponse complète")
    return summary, chart, raw


def _employee_picker(label: str) -> gr.Dropdown:
    # The choices come from the database once the app has started, so they are not known
    # when the page is built: any value is let through and checked by `employee_id`.
    return gr.Dropdown(label=label, choices=[], value=None, allow_custom_value=True)


def _employee_tab() -> tuple[gr.Dropdown, gr.Markdown, gr.Dataframe, tuple[gr.Button, ...]]:
    employee = _employee_picker("Salarié (tapez un numéro, un poste, un département…)")
    known = gr.Markdown()
    with gr.Row():
        predict_button = gr.Button("Prédire pour ce salarié", variant="primary")
        open_button = gr.Button("Ouvrir dans le formulaire pour tester des changements")
    record = gr.Dataframe(label="Dossier RH", interactive=False, max_height=420)
    return employee, known, record, (predict_button, open_button)


def _simulation_tab() -> tuple[gr.Dropdown, list, gr.Button, gr.Markdown, gr.Markdown]:
    gr.Markdown(
        "Partez d'un salarié, changez un ou deux leviers, et comparez le risque avant et après."
    )
    employee = _employee_picker("Salarié")
    with gr.Row():
        levers = [
            field_input(FIELDS_BY_NAME[name], None if name != "heures_supplementaires" else False)
            for name in SCENARIO_FIELDS
        ]
    button = gr.Button("Comparer", variant="primary")
    comparison = gr.Markdown()
    changed = gr.Markdown()
    return employee, levers, button, comparison, changed


def _batch_tab() -> tuple:
    gr.Markdown(
        "Un fichier CSV (UTF-8, séparateur `,` ou `;`) avec une colonne par champ, aux noms "
        "canoniques de l'API (`age`, `genre`, `revenu_mensuel`, …) et, si vous l'avez, "
        "`id_employee`. Au plus 10 000 lignes. Si une ligne est invalide, rien n'est prédit."
    )
    upload = gr.File(label="Fichier CSV", file_types=[".csv"], type="filepath")
    button = gr.Button("Prédire le lot", variant="primary")
    with gr.Accordion("Ou les trois extraits RH bruts (SIRH, évaluation, sondage)", open=False):
        gr.Markdown(
            "Tels que le SIRH les exporte (comme dans `data/`) : ils sont joints et nettoyés "
            "comme pour l'entraînement, et chaque salarié garde son numéro."
        )
        extracts = gr.File(
            label="Les trois extraits", file_types=[".csv"], file_count="multiple", type="filepath"
        )
        extracts_button = gr.Button("Prédire depuis les extraits", variant="primary")
    status = gr.Markdown()
    table = gr.Dataframe(label="Résultats, du risque le plus élevé au plus faible", max_height=500)
    errors = gr.Dataframe(label="Erreurs à corriger", headers=ERROR_COLUMNS, max_height=300)
    download = gr.DownloadButton("Télécharger le CSV prédit", visible=False)
    return upload, button, extracts, extracts_button, status, table, errors, download


def _history_tab() -> tuple:
    with gr.Row():
        source = gr.Dropdown([ALL, "api", "ui"], value=ALL, label="Canal")
        label = gr.Dropdown([ALL, "Part", "Reste"], value=ALL, label="Prédiction")
        since = gr.DateTime(label="Depuis", include_time=True, type="timestamp", timezone="UTC")
        until = gr.DateTime(label="Jusqu'à", include_time=True, type="timestamp", timezone="UTC")
    button = gr.Button("Rechercher", variant="primary")
    table = gr.Dataframe(
        label="Prédictions récentes (cliquez une ligne pour voir sa trace)",
        interactive=False,
        max_height=420,
    )
    trace_id = gr.Textbox(label="Identifiant de prédiction", placeholder="prediction_id")
    with gr.Accordion("Trace complète", open=True):
        trace_view = gr.JSON()
    return [source, label, since, until], button, table, trace_id, trace_view


def _model_tab() -> tuple[gr.Markdown, gr.Dataframe, gr.LinePlot, gr.Dataframe]:
    overview = gr.Markdown()
    metrics = gr.Dataframe(label="Performances", interactive=False)
    calibration = gr.LinePlot(
        x="prédit",
        y="observé",
        color="série",
        title="Calibration : probabilité prédite et taux de départ observé",
        x_lim=[0, 1],
        y_lim=[0, 1],
        height=360,
    )
    slices = gr.Dataframe(label="Performances par groupe", interactive=False)
    return overview, metrics, calibration, slices
