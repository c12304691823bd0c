"""The UI's building blocks: each tab's components, laid out, returned for wiring.

`src/ui/blocks.py` puts them together for each audience and wires the events.
"""

from collections.abc import Callable

import gradio as gr

from src.fields import FIELDS_BY_NAME
from src.levers import LEVERS
from src.ui import views
from src.ui.batch import ERROR_COLUMNS
from src.ui.form import field_input

#: The what-if tab's inputs: what HR can act on, the fields of `src.levers.LEVERS`, so that
#: every lever the model suggests can be tried there.
SCENARIO_FIELDS = tuple(dict.fromkeys(lever.field for lever in LEVERS))
ALL = "Tous"


def cleared(button: gr.Button, outputs: list[gr.components.Component]) -> gr.events.Dependency:
    """A click that first empties `outputs`, in the browser alone (no call to the server):
    after a refused input, the previous answer does not stay on screen under the error as if
    it were the answer to what was just typed. Chain the handler with `.then`."""
    empty = f"() => [{', '.join(['null'] * len(outputs))}]"
    return button.click(None, None, outputs, js=empty, api_visibility="private")


def prediction_outputs() -> tuple[gr.Markdown, gr.BarPlot, gr.JSON, gr.Markdown]:
    """The answer's summary and reasons, the factors' chart, the raw JSON, and for an
    employee at risk the levers that would lower it."""
    summary = gr.Markdown()
    chart = gr.BarPlot(
        x="facteur",
        y="points",
        color="effet",
        color_map={views.UP: "#d62728", views.DOWN: "#2ca02c"},
        title="Effet de chaque facteur sur le risque, en points, par rapport au salarié "
        "de référence",
        y_title="points de risque",
        x_title="facteur — valeur du salarié",
        sort="-y",
        x_label_angle=-30,
        height=420,
    )
    suggested = gr.Markdown()
    with gr.Accordion("Détails techniques (JSON)", open=False):
        raw = gr.JSON(label="Réponse complète")
    return summary, chart, raw, suggested


def employee_picker(label: str) -> gr.Dropdown:
    # The choices come from the database once the app has started, so they are not known
    # when the page is built: any value is let through and checked by `employee_id`.
    return gr.Dropdown(label=label, choices=[], value=None, allow_custom_value=True)


def employee_tab() -> tuple[gr.Dropdown, gr.Markdown, gr.Dataframe, tuple[gr.Button, ...]]:
    employee = employee_picker("Salarié (tapez un numéro, un poste, un département…)")
    known = gr.Markdown()
    with gr.Row():
        predict_button = gr.Button("Prédire pour ce salarié", variant="primary")
        open_button = gr.Button("Ouvrir dans le formulaire pour tester des changements")
    record = gr.Dataframe(label="Dossier RH", interactive=False, max_height=420)
    return employee, known, record, (predict_button, open_button)


def simulation_tab(start: Callable[[], gr.Dropdown]) -> tuple:
    """`start` makes the picker of what a scenario starts from (a stored employee for HR, a
    demo profile for the public)."""
    gr.Markdown(
        "Partez d'un profil, changez un ou deux leviers, et comparez le risque avant et après."
    )
    picker = start()
    with gr.Row():
        levers = [
            field_input(FIELDS_BY_NAME[name], None if name != "heures_supplementaires" else False)
            for name in SCENARIO_FIELDS
        ]
    button = gr.Button("Comparer", variant="primary")
    comparison = gr.Markdown()
    changed = gr.Markdown()
    suggested = gr.Markdown()  # the levers the model suggests for the employee as they are
    return picker, levers, button, comparison, changed, suggested


def batch_tab() -> tuple:
    gr.Markdown(
        "Un fichier CSV (UTF-8, séparateur `,` ou `;`) avec une colonne par champ, aux noms "
        "canoniques de l'API (`age`, `genre`, `revenu_mensuel`, …) et, si vous l'avez, "
        "`id_employee`. Au plus 10 000 lignes. Si une ligne est invalide, rien n'est prédit."
    )
    # Bytes, not a path: Gradio's path mode leaves an empty temporary file per upload.
    upload = gr.File(label="Fichier CSV", file_types=[".csv"], type="binary")
    button = gr.Button("Prédire le lot", variant="primary")
    with gr.Accordion("Ou les trois extraits RH bruts (SIRH, évaluation, sondage)", open=False):
        gr.Markdown(
            "Tels que le SIRH les exporte (comme dans `data/`) : ils sont joints et nettoyés "
            "comme pour l'entraînement, et chaque salarié garde son numéro."
        )
        extracts = gr.File(
            label="Les trois extraits", file_types=[".csv"], file_count="multiple", type="binary"
        )
        extracts_button = gr.Button("Prédire depuis les extraits", variant="primary")
    status = gr.Markdown()
    table = gr.Dataframe(label="Résultats, du risque le plus élevé au plus faible", max_height=500)
    errors = gr.Dataframe(label="Erreurs à corriger", headers=ERROR_COLUMNS, max_height=300)
    download = gr.DownloadButton("Télécharger le CSV prédit", visible=False)
    return upload, button, extracts, extracts_button, status, table, errors, download


#: The group tables side by side: the group's name wide enough for « Ressources Humaines »,
#: the numbers' headers on two lines at most.
HALF_WIDTH_GROUPS = ["31%", "16%", "15%", "16%", "22%"]


def workforce_tab() -> tuple:
    """The summary, the risk by group, the employees at risk and a search in them, the
    refresh and the export."""
    summary = gr.Markdown()
    with gr.Row():
        half = {"interactive": False, "wrap": True, "column_widths": HALF_WIDTH_GROUPS}
        by_department = gr.Dataframe(label="Par département", **half)
        by_age = gr.Dataframe(label="Par tranche d'âge", **half)
    by_job = gr.Dataframe(label="Par poste", interactive=False, wrap=True)
    # Gradio's own search box of a table says "Filter..." in every language: a box of ours.
    search = gr.Textbox(
        label="Chercher dans la liste",
        placeholder="un département, un poste, un facteur : Commercial, Heures supplémentaires…",
        max_lines=1,
    )
    at_risk = gr.Dataframe(
        label="Salariés à risque de départ, les plus exposés d'abord (le menu ⋮ d'un en-tête "
        "trie ; un clic sur une ligne ouvre le salarié)",
        interactive=False,
        max_height=560,
        wrap=True,
        elem_id="workforce-at-risk",
        column_widths=["9%", "13%", "15%", "6%", "9%", "48%"],
    )
    with gr.Row():
        refresh = gr.Button("Actualiser")
        export = gr.Button("Exporter tous les salariés (CSV pour Excel)")
    download = gr.DownloadButton("Télécharger l'export", visible=False)
    tables = (by_department, by_job, by_age, at_risk)
    return summary, tables, search, (refresh, export), download


def history_tab(zone: str) -> tuple:
    """The filters (dates typed in `zone`), the page asked for, the table, its export, and a
    trace opened by a click or by its id."""
    with gr.Row():
        source = gr.Dropdown([ALL, "api", "ui", "cli"], value=ALL, label="Canal")
        label = gr.Dropdown(
            [ALL, *((words, code) for code, words in views.DECISIONS.items())],
            value=ALL,
            label="Prédiction",
        )
        hint = f"JJ/MM/AAAA, avec l'heure si besoin (heure de {zone})"
        since = gr.Textbox(label="Depuis le", placeholder="01/12/2026", info=hint, max_lines=1)
        until = gr.Textbox(label="Jusqu'au", placeholder="31/12/2026 18:00", info=hint, max_lines=1)
        page = gr.Textbox(label="Page", value="1", max_lines=1)
    with gr.Row():
        button = gr.Button("Rechercher", variant="primary")
        export = gr.Button("Exporter (CSV pour Excel, 10 000 lignes au plus)")
    status = gr.Markdown()
    download = gr.DownloadButton("Télécharger l'export", visible=False)
    table = gr.Dataframe(
        label="Prédictions, les plus récentes d'abord (cliquez une ligne pour voir sa trace)",
        interactive=False,
        max_height=420,
    )
    trace_id = gr.Textbox(label="Identifiant de prédiction", placeholder="prediction_id")
    with gr.Accordion("Trace complète", open=True):
        trace_view = gr.JSON()
    filters = [source, label, since, until]
    return filters, page, (button, export), (status, table, download), trace_id, trace_view


def surveillance_tab() -> tuple:
    gr.Markdown(
        "Les salariés prédits récemment ressemblent-ils à ceux sur lesquels le modèle a appris ? "
        "Et, pour ceux dont on connaît maintenant l'issue, le modèle voyait-il juste ? "
        "PSI : 0,1 = écart notable, 0,2 = écart fort. Procédure : `docs/RUNBOOK.md`."
    )
    with gr.Row():
        source = gr.Dropdown([ALL, "api", "ui"], value="api", label="Canal")
        window = gr.Number(value=1000, precision=0, label="Fenêtre (prédictions, de 1 à 50 000)")
        since = gr.DateTime(label="Depuis", include_time=True, type="timestamp", timezone="UTC")
        until = gr.DateTime(label="Jusqu'à", include_time=True, type="timestamp", timezone="UTC")
    button = gr.Button("Analyser", variant="primary")
    summary = gr.Markdown()
    psi = gr.BarPlot(
        x="champ", y="PSI", color="état", title="Dérive par champ (PSI)", sort="-y", height=420
    )
    column = gr.Dropdown([], label="Champ à comparer", interactive=True)
    distribution = gr.BarPlot(
        x="valeur",
        y="part",
        color="série",
        title="Distribution : entraînement et récent",
        sort=None,
        height=320,
    )
    days = gr.LinePlot(
        x="jour", y="valeur", color="série", title="Probabilités prédites par jour", height=320
    )
    quality = gr.Dataframe(label="Qualité sur les issues connues", interactive=False)
    export = gr.DownloadButton("Télécharger le rapport (HTML)", visible=False)
    report = gr.State({})
    controls = [window, since, until, source]
    return controls, button, (summary, psi, column, days, quality, export, report), distribution


def model_tab() -> tuple[gr.Markdown, gr.Dataframe, gr.LinePlot, gr.Dataframe]:
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


#: How often the Modèle tab refreshes while a training runs (it stops when none does).
TRAINING_REFRESH_SECONDS = 5.0


def lifecycle_section() -> tuple:
    """The HR space's view of the registry and the trainings, below the model card."""
    gr.Markdown(
        "### Versions et entraînements\n"
        "Les versions enregistrées et les entraînements lancés par l'API "
        "(`POST /training/runs`). Pendant un entraînement, l'avancement se met à jour seul."
    )
    refresh = gr.Button("Actualiser")
    progress = gr.HTML()
    runs = gr.Dataframe(headers=views.RUN_COLUMNS, label="Entraînements récents", interactive=False)
    versions = gr.Dataframe(
        headers=views.VERSION_COLUMNS, label="Versions du modèle", interactive=False
    )
    timer = gr.Timer(TRAINING_REFRESH_SECONDS, active=False)
    return refresh, timer, (progress, runs, versions)


def session_tab() -> gr.Dataframe:
    gr.Markdown(
        "Les prédictions faites dans cette session du navigateur, et elles seules. "
        "L'historique complet et les dossiers des salariés sont réservés à l'espace RH."
    )
    return gr.Dataframe(
        headers=views.SESSION_COLUMNS, label="Mes prédictions", interactive=False, max_height=420
    )
