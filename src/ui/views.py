"""What HR people read: predictions, factors, employees and the model in French words and
tables. Pure functions of the service's answers, so they are tested without a browser."""

import html
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel, Field, ValidationError

from src.api.routes.models import RegisteredModel
from src.api.routes.training import TrainingRunView
from src.fields import FIELDS, FIELDS_BY_NAME, Kind
from src.levers import Advice
from src.monitoring import report
from src.schemas import Prediction
from src.ui.explanations import Explained, sentences
from src.ui.messages import number_text

#: The model's decision as HR reads it; the API keeps its codes ("Part", "Reste"). Not « pas
#: de risque » for the stayers: below the threshold, the risk level can still be « moyen ».
DECISIONS = {"Part": "Risque de départ", "Reste": "Sous le seuil d'alerte"}
_CODES = {words: code for code, words in DECISIONS.items()}


def decision_text(code: str) -> str:
    return DECISIONS.get(code, code)


def decision_code(shown: object) -> object:
    """The API's code of a decision shown in words (a table the page sends back)."""
    return _CODES.get(shown, shown) if isinstance(shown, str) else shown


TOP_FACTORS = 10
UP, DOWN = "augmente le risque", "diminue le risque"


def percent(value: float) -> str:
    """« 55 % »; « moins de 1 % » rather than a « 0 % » that reads as no risk at all."""
    if 0 < value < 0.005:
        return "moins de 1 %"
    return f"{value:.0%}".replace("%", " %")


def under_threshold(value: float, threshold: float) -> str:
    """`value` as `percent` says it, or to a tenth beside the threshold when both would read
    alike: « 32 % » under a « 32 % » threshold reads as a mistake."""
    if percent(value) != percent(threshold):
        return percent(value)
    return f"{french_decimal(100 * value, 1)} %, seuil {french_decimal(100 * threshold, 1)} %"


def points(value: float) -> str:
    """A move of risk in percentage points, signed, as French writes it: « +38,0 points »,
    « −0,4 point » (a true minus sign; singular below two)."""
    text = f"{value:+.1f}".replace(".", ",").replace("-", "−")
    return f"{text} point{'s' if abs(value) >= 2 else ''}"


def prediction_summary(prediction: Prediction, explained: Explained) -> str:
    """Markdown: the decision, the probability, the risk level, how the threshold reads, and
    the factors that matter most in sentences."""
    reasons = "\n".join(f"- {line}" for line in sentences(explained))
    return (
        f"### {decision_text(prediction.prediction)}\n"
        f"- Probabilité de départ : **{percent(prediction.probability)}**\n"
        f"- Niveau de risque : **{prediction.risk_level}**\n"
        f"- Seuil d'alerte : {percent(prediction.threshold)} "
        f"(à partir de ce seuil : risque de départ)\n"
        f"- Modèle : version {prediction.model_version}, "
        f"identifiant de la prédiction `{prediction.prediction_id}`\n\n"
        f"#### Ce qui compte le plus\n"
        f"Par rapport au salarié de référence (le salarié moyen des données d'entraînement, "
        f"risque de {percent(explained.reference_probability)}) :\n{reasons}"
    )


def factor_frame(explained: Explained) -> pd.DataFrame:
    """The largest effects in points of risk, each factor with its value and direction."""
    rows = [
        {
            "facteur": factor.name,
            "points": round(factor.points, 1),
            "effet": UP if factor.points > 0 else DOWN,
        }
        for factor in explained.factors[:TOP_FACTORS]
    ]
    return pd.DataFrame(rows, columns=["facteur", "points", "effet"])


def levers_text(advice: Advice, answers: list[Prediction]) -> str:
    """Markdown: the levers that lower the risk, most effective first, and the fewest that
    bring the employee under the threshold. `answers`: the traced scenarios, the employee
    as they are first, then each lever alone, then the combination."""
    current, *alone = answers
    combined = alone.pop() if advice.combination is not None else None
    header = (
        f"#### Leviers (risque actuel {percent(current.probability)}, "
        f"seuil {percent(current.threshold)})\n"
    )
    if not advice.alone:
        return header + "Aucun des leviers possibles ne diminue le risque de ce salarié."
    rows = "\n".join(
        f"| {scenario.levers[0].action} | {percent(answer.probability)} "
        f"| {points(100 * (answer.probability - current.probability))} |"
        for scenario, answer in zip(advice.alone, alone, strict=True)
    )
    table = "| Action, seule | Risque après | Variation |\n|---|---|---|\n" + rows
    if combined is None or advice.combination is None:
        verdict = "Aucune combinaison de ces leviers ne fait passer ce salarié sous le seuil."
    else:
        actions = " + ".join(lever.action for lever in advice.combination.levers)
        verdict = (
            f"**Le moins de changements pour passer sous le seuil** : {actions} → "
            f"{under_threshold(combined.probability, combined.threshold)} "
            f"({decision_text(combined.prediction)})."
        )
    return f"{header}{table}\n\n{verdict}"


def record_frame(record: dict[str, Any]) -> pd.DataFrame:
    """An employee's record as a two-column table, French labels, Oui/Non for flags."""
    rows = []
    for spec in FIELDS:
        value = record.get(spec.name)
        if spec.kind is Kind.BOOLEAN:
            value = "Oui" if value else "Non"
        elif spec.kind is Kind.PERCENT:
            value = f"{number_text(value)} %"
        elif spec.kind is not Kind.CATEGORY:
            value = number_text(value)
        rows.append({"champ": spec.label, "valeur": str(value)})
    return pd.DataFrame(rows, columns=["champ", "valeur"])


def employee_choice(id_employee: int, record: dict[str, Any]) -> tuple[str, int]:
    """A dropdown entry that can be searched by id, job, department or age."""
    label = f"n° {id_employee} — {record['poste']}, {record['departement']}, {record['age']} ans"
    return label, id_employee


def outcome_text(left: bool) -> str:
    return "A quitté l'entreprise" if left else "Toujours dans l'entreprise"


def comparison_summary(before: Prediction, after: Prediction) -> str:
    """Markdown: how the risk moved between the employee as they are and the scenario."""
    delta = after.probability - before.probability
    direction = "hausse" if delta > 0 else "baisse" if delta < 0 else "stable"
    return (
        "| | Situation actuelle | Scénario |\n|---|---|---|\n"
        f"| Décision | {decision_text(before.prediction)} | {decision_text(after.prediction)} |\n"
        f"| Probabilité de départ | {percent(before.probability)} "
        f"| {percent(after.probability)} |\n"
        f"| Niveau de risque | {before.risk_level} "
        f"| {after.risk_level} |\n\n"
        f"**Variation : {points(delta * 100)} ({direction})**"
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Labels of the fields the scenario changed."""
    return [FIELDS_BY_NAME[name].label for name in after if before.get(name) != after[name]]


HISTORY_COLUMNS = {
    "created_at": "date",
    "source": "canal",
    "id_employee": "salarié",
    "prediction": "prédiction",
    "probability": "probabilité",
    "risk_level": "risque",
    "model_version": "modèle",
    "prediction_id": "prediction_id",
}
HISTORY_PAGE_ROWS = 100


def history_frame(rows: list[dict[str, Any]], zone: ZoneInfo) -> pd.DataFrame:
    """A page of history (`database.repository.list_predictions`) with French headers, in
    the HR space's time zone."""
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    frame["created_at"] = (
        pd.to_datetime(frame["created_at"], utc=True)
        .dt.tz_convert(zone)
        .dt.strftime("%d/%m/%Y %H:%M:%S")
    )
    frame["id_employee"] = frame["id_employee"].astype("Int64")
    frame["probability"] = frame["probability"].map(percent)
    frame["prediction"] = frame["prediction"].map(decision_text)
    columns = {**HISTORY_COLUMNS, "created_at": f"date ({zone.key})"}
    return frame.rename(columns=columns)


def history_status(page: int, total: int) -> str:
    pages = max(1, -(-total // HISTORY_PAGE_ROWS))
    return f"Page {page} sur {pages} — {number_text(total)} prédiction(s)"


#: Dates as HR types them: French first, then ISO 8601.
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%Hh%M", "%Hh")


def typed_moment(text: str | None, zone: ZoneInfo, end_of_day: bool) -> datetime | None:
    """A typed date (« 31/12/2026 », « 31/12/2026 14:30 », « 2026-12-31T14:30 ») in `zone`,
    as a UTC instant; a date alone is its first instant, or with `end_of_day` the first
    instant of the next day (an « until » bound is exclusive and includes its day). None when
    nothing is typed; ValueError, in French, when it cannot be read: a filter is never dropped
    without a word."""
    if text is None or not text.strip():
        return None
    typed = " ".join(text.strip().replace("T", " ").split())
    day, _, clock = typed.partition(" ")
    for date_format in _DATE_FORMATS:
        try:
            date = datetime.strptime(day, date_format)
        except ValueError:
            continue
        if not clock:
            moment = date + timedelta(days=1) if end_of_day else date
            return moment.replace(tzinfo=zone).astimezone(UTC)
        for time_format in _TIME_FORMATS:
            try:
                hours = datetime.strptime(clock, time_format)
            except ValueError:
                continue
            local = date.replace(hour=hours.hour, minute=hours.minute, second=hours.second)
            return local.replace(tzinfo=zone).astimezone(UTC)
    raise ValueError(
        f"« {text.strip()[:40]} » n'est pas une date lisible : écrivez par exemple 31/12/2026 "
        f"ou 31/12/2026 14:30 (heure de {zone.key})"
    )


_METRICS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "f1": "F1",
    "recall": "Rappel",
    "precision": "Précision",
    "brier": "Brier",
}


_DATA_SOURCES = {
    "extracts": "extraits RH",
    "database": "salariés enregistrés et issues déclarées via POST /outcomes",
}


#: How the estimators read in French; the card's English description stays in the metadata.
_ESTIMATORS_FR = {
    "logistic_regression": "régression logistique pondérée par classe, sur les variables "
    "numériques standardisées et les catégories en indicatrices, calibrée par la méthode de "
    "Platt (sigmoïde, 5 plis)",
    "gradient_boosting": "gradient boosting d'arbres, calibré par la méthode de Platt",
}
_SLICE_GROUPS_FR = {
    "genre": "Genre",
    "age_band": "Tranche d'âge",
    "departement": "Département",
    "statut_marital": "Statut marital",
}


def fallback_text(reason: str | None) -> str | None:
    """Why the bundled model answers, for HR: the configuration's case in words, a Hub
    failure with its technical detail kept for whoever reports it."""
    if reason is None:
        return None
    if reason == "MODEL_REPO_ID is not set":
        return "aucun dépôt du Hub n'est configuré (MODEL_REPO_ID)"
    return f"le modèle du Hub n'a pas pu être utilisé (détail technique : {reason})"


def french_decimal(value: float, digits: int, signed: bool = False) -> str:
    """« 0,856 », « −0,0009 »: a decimal comma and a true minus sign."""
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace(".", ",").replace("-", "−")


def model_overview(
    metadata: dict[str, Any], source: str, fallback_reason: str | None, zone: ZoneInfo
) -> str:
    """Markdown: which model answers, where it came from, its threshold and risk levels."""
    origin = {
        "hub": "Hugging Face Hub",
        "registry": "registre de modèles (activé sans redémarrage)",
    }
    origin = origin.get(source, "artefact local (models/)")
    why = fallback_text(fallback_reason)
    trained = datetime.fromisoformat(metadata["trained_at"]).astimezone(zone)
    estimator = metadata["estimator"]
    data = metadata["training_data"]
    lines = [
        f"### {metadata['name']} — version {metadata['version']}",
        f"- Source : **{origin}**" + (f" — {why}" if why else ""),
        f"- Entraîné le : {trained:%d/%m/%Y à %H:%M} (heure de {zone.key})",
        "- Modèle : "
        + _ESTIMATORS_FR.get(estimator["family"], estimator["family"])
        + (f", régularisation C = {number_text(estimator['C'])}" if "C" in estimator else ""),
        f"- Données : {number_text(data['n_employees'])} salariés, "
        f"{number_text(data['n_leavers'])} départs ("
        + _DATA_SOURCES.get(data.get("source"), "extraits RH")
        + ")",
        f"- Seuil d'alerte : {percent(metadata['threshold'])}",
        "- Niveaux de risque : "
        + ", ".join(
            f"{level} de {percent(low)} à {percent(high)}"
            for level, (low, high) in metadata["risk_levels"].items()
        ),
        f"- Empreinte sha256 : `{metadata['sha256']}`",
        *_comparison_lines((metadata.get("lifecycle") or {}).get("comparison")),
    ]
    return "\n".join(lines)


_DECISIONS_FR = {"promote": "promu (pas moins bon)", "keep the champion": "refusé (champion gardé)"}


def _comparison_lines(comparison: dict[str, Any] | None) -> list[str]:
    """The comparison with the champion of its training, in French."""
    if not comparison:
        return []
    lines = [
        "",
        f"#### Comparaison avec le champion {comparison['champion']} "
        f"(mêmes {comparison['folds']} plis, test de Nadeau–Bengio)",
        f"Décision : **{_DECISIONS_FR.get(comparison['decision'], comparison['decision'])}**",
        "",
        "| mesure | champion | ce modèle | écart (+ = mieux) | borne à 95 % | marge |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {_METRICS.get(test['metric'], test['metric'])} "
        f"| {french_decimal(test['champion_mean'], 3)} "
        f"| {french_decimal(test['challenger_mean'], 3)} "
        f"| {french_decimal(test['advantage'], 4, signed=True)} "
        f"| {french_decimal(test['lower_bound'], 4, signed=True)} "
        f"| −{number_text(test['margin'])} |"
        for test in comparison["metrics"]
    ]
    worse = [row for row in comparison["slices"] if row["worse"]]
    lines.append("")
    lines.append(
        "Groupes moins bien traités : "
        + (
            "; ".join(
                f"{_SLICE_GROUPS_FR.get(row['group'], row['group'])} = {row['value']} "
                f"({_METRICS.get(row['metric'], row['metric'])} "
                f"{french_decimal(row['champion'], 2)} → {french_decimal(row['challenger'], 2)})"
                for row in worse
            )
            or "aucun"
        )
    )
    return lines


def metrics_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """Cross-validation (mean ± std) and holdout, one row per metric."""
    rows = [
        {
            "métrique": label,
            "validation croisée": f"{french_decimal(metrics['cv'][key]['mean'], 3)} ± "
            f"{french_decimal(metrics['cv'][key]['std'], 3)}",
            "jeu de test": french_decimal(metrics["holdout"][key], 3),
        }
        for key, label in _METRICS.items()
    ]
    return pd.DataFrame(rows)


def calibration_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """Predicted against observed leave rates per probability bin, and the ideal diagonal."""
    rows = []
    for bin_ in metrics["calibration"]:
        rows.append(
            {
                "prédit": bin_["mean_probability"],
                "observé": bin_["observed_rate"],
                "série": "modèle",
            }
        )
        rows.append(
            {
                "prédit": bin_["mean_probability"],
                "observé": bin_["mean_probability"],
                "série": "idéal",
            }
        )
    return pd.DataFrame(rows, columns=["prédit", "observé", "série"])


def slices_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """Metrics per group (gender, age band, …): where the model is weaker."""
    rows = [
        {
            "groupe": _SLICE_GROUPS_FR.get(group, group),
            "valeur": value,
            "effectif": scores["n"],
            "taux de départ": percent(scores["leave_rate"]),
            **{
                label: french_decimal(scores[key], 3)
                for key, label in _METRICS.items()
                if key in scores
            },
        }
        for group, values in metrics["slices"].items()
        for value, scores in values.items()
    ]
    return pd.DataFrame(rows)


#: The public's session list: what each of its own predictions said.
SESSION_COLUMNS = ["prediction_id", "prédiction", "probabilité", "niveau de risque"]


_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class _SessionEntry(BaseModel):
    """A prediction as the session list keeps it. The list is built from what the page sends
    back (the answer it showed), which a client can forge: anything but a prediction of this
    shape is left out, so the list cannot be made to hold arbitrary data."""

    prediction_id: str = Field(pattern=_UUID)
    prediction: Literal["Part", "Reste"]
    probability: float = Field(ge=0, le=1)
    risk_level: Literal["faible", "moyen", "élevé"]

    def row(self) -> dict[str, Any]:
        return {
            "prediction_id": self.prediction_id,
            "prédiction": decision_text(self.prediction),
            "probabilité": percent(self.probability),
            "niveau de risque": self.risk_level,
        }


def session_row(shown: object) -> dict[str, Any] | None:
    """One of the session's predictions, from the answer the form showed; None if it is not
    one."""
    try:
        return _SessionEntry.model_validate(shown).row()
    except ValidationError:
        return None


def session_rows(scored: object) -> list[dict[str, Any]]:
    """A scored batch's rows (as the results table shows them), as the session list shows
    them; rows that are not predictions are left out."""
    if not isinstance(scored, pd.DataFrame) or "prediction_id" not in scored:
        return []
    rows = []
    for row in scored.to_dict("records"):
        entry = session_row(
            {
                "prediction_id": row.get("prediction_id"),
                "prediction": decision_code(row.get("prédiction")),
                "probability": _shown_percent(row.get("probabilité")),
                "risk_level": row.get("niveau de risque"),
            }
        )
        if entry is not None:
            rows.append(entry)
    return rows


def _shown_percent(shown: object) -> object:
    """« 55 % » as the results table shows it -> 0.55; anything else as it is."""
    if isinstance(shown, str) and shown.endswith("%"):
        try:
            return float(shown.removesuffix("%").strip().replace(",", ".")) / 100
        except ValueError:
            return shown
    return shown


def session_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The newest first."""
    return pd.DataFrame(rows[::-1], columns=SESSION_COLUMNS)


DRIFT_STATES = {True: "en dérive", False: "stable"}


def drift_summary(drift: dict[str, Any], quality: dict[str, Any]) -> str:
    """Markdown: the window, the drift status and the drifted fields, live quality."""
    status = report.STATUS_FR.get(drift["status"], drift["status"])
    window = drift.get("window", {})
    lines = [
        f"### Dérive : {status}",
        f"- Fenêtre : {drift.get('sample_size', 0)} salariés (minimum "
        f"{drift.get('minimum_sample', '—')}), prédictions du "
        f"{report.french_time(window.get('first'))} au {report.french_time(window.get('last'))}",
    ]
    if "columns" in drift:
        drifted = [row["label"] for row in drift["columns"] if row["drifted"]]
        lines.append(f"- Champs en dérive : {', '.join(drifted) if drifted else 'aucun'}")
        score = drift["probability"]
        if "psi" in score:
            state = DRIFT_STATES[score["drifted"]]
            lines.append(f"- Probabilités prédites : PSI {score['psi']:.2f} ({state})")
    if "metrics" in quality:
        auc = quality["metrics"]["roc_auc"]
        interval = auc["interval_95"]
        shown = (
            ""
            if interval is None
            else f" (intervalle à 95 % {interval[0]:.2f} – {interval[1]:.2f})"
        )
        lines.append(
            f"- Qualité sur {quality['sample_size']} issues connues : ROC-AUC "
            f"{auc['value']:.2f}{shown}, {'alerte' if quality['alerts'] else 'conforme'}"
        )
    else:
        lines.append(
            f"- Qualité : pas assez d'issues connues ({quality.get('sample_size', 0)} sur "
            f"{quality.get('minimum', '—')} nécessaires)"
        )
    return "\n".join(lines)


def psi_frame(drift: dict[str, Any]) -> pd.DataFrame:
    """One bar a profiled column: its PSI and whether it drifted, strongest first."""
    rows = [
        {"champ": row["label"], "PSI": row["psi"], "état": DRIFT_STATES[row["drifted"]]}
        for row in drift.get("columns", [])
    ]
    return pd.DataFrame(rows, columns=["champ", "PSI", "état"])


def distribution_frame(drift: dict[str, Any], label: object) -> pd.DataFrame:
    """The training and window shares of one column, by category or by training decile."""
    row = next((r for r in drift.get("columns", []) if r["label"] == label), None)
    rows: list[dict[str, Any]] = []
    if row is not None and row["kind"] == "category":
        for value, shares in row["shares"].items():
            rows.append({"valeur": value, "part": shares["training"], "série": "entraînement"})
            rows.append({"valeur": value, "part": shares["window"], "série": "récent"})
    elif row is not None:
        edges = row["bins"]["edges"]
        names = _bin_names(edges)
        for series, key in (("entraînement", "training"), ("récent", "window")):
            for name, share in zip(names, row["bins"][key], strict=True):
                rows.append({"valeur": name, "part": share, "série": series})
    return pd.DataFrame(rows, columns=["valeur", "part", "série"])


def _bin_names(edges: list[float]) -> list[str]:
    def number(value: float) -> str:
        return f"{value:.4g}".replace(".", ",")

    names = [f"≤ {number(edges[0])}"]
    names += [
        f"{number(low)} – {number(high)}" for low, high in zip(edges, edges[1:], strict=False)
    ]
    return [*names, f"> {number(edges[-1])}"]


def days_frame(drift: dict[str, Any]) -> pd.DataFrame:
    """The window's probabilities day by day, for a line plot (median, 90th percentile, share
    at risk)."""
    rows = []
    for day in drift.get("probability_by_day", []):
        moment = pd.Timestamp(day["day"])
        rows += [
            {"jour": moment, "valeur": day["median"], "série": "médiane"},
            {"jour": moment, "valeur": day["p90"], "série": "90e centile"},
            {"jour": moment, "valeur": day["share_at_risk"], "série": "part à risque"},
        ]
    return pd.DataFrame(rows, columns=["jour", "valeur", "série"])


def quality_frame(quality: dict[str, Any]) -> pd.DataFrame:
    """Live quality, one metric a row, beside the training cross-validation figure."""
    columns = ["mesure", "valeur", "intervalle à 95 %", "validation croisée", "issues connues"]
    rows = []
    for name, estimate in quality.get("metrics", {}).items():
        interval, training = estimate["interval_95"], estimate["training_cv"]
        rows.append(
            {
                "mesure": report.METRICS_FR.get(name, name),
                "valeur": estimate["value"],
                "intervalle à 95 %": "—"
                if interval is None
                else f"{interval[0]:.3f} – {interval[1]:.3f}",
                "validation croisée": "—" if training is None else f"{training['mean']:.3f}",
                "issues connues": quality["sample_size"],
            }
        )
    return pd.DataFrame(rows, columns=columns)


_STATUSES = {
    "champion": "champion (en service)",
    "challenger": "candidat (à promouvoir)",
    "refused": "refusé",
    "retired": "retiré",
}
_RUN_STATUSES = {
    "queued": "en attente",
    "running": "en cours",
    "succeeded": "terminé",
    "failed": "échoué",
}
#: A training's stages, as `src.train` names them, in French (the version or model named
#: at the end of a stage is kept).
_STAGES = (
    ("cross-validating the champion", "validation croisée du champion"),
    ("cross-validating", "validation croisée de"),
    ("fitting the model on all the data", "ajustement final sur toutes les données"),
    ("holdout", "évaluation sur le jeu de test"),
    ("starting", "démarrage"),
)
VERSION_COLUMNS = [
    "version",
    "statut",
    "en service ici",
    "entraîné le",
    "données",
    "ROC-AUC (CV)",
    "décision",
    "activé le",
]
RUN_COLUMNS = ["demandé le", "statut", "avancement", "étape", "résultat"]


def _day(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%d/%m/%Y %H:%M} UTC"


def stage_text(stage: str | None) -> str:
    if not stage:
        return ""
    for english, french in _STAGES:
        if stage.startswith(english):
            return french + stage.removeprefix(english)
    return stage


def versions_frame(models: list[RegisteredModel]) -> pd.DataFrame:
    """The registry (`GET /models`'s `models`), newest first, in French."""
    rows = [
        {
            "version": model.version,
            "statut": _STATUSES.get(model.status or "", model.status or "servi sans registre"),
            "en service ici": "oui" if model.serving_here else "",
            "entraîné le": _day(model.trained_at),
            "données": _data_text(model.training_data),
            "ROC-AUC (CV)": f"{model.cv['roc_auc']:.3f}" if "roc_auc" in model.cv else "",
            "décision": _DECISIONS_FR.get(model.decision or "", model.decision or ""),
            "activé le": _day(model.promoted_at),
        }
        for model in models
    ]
    return pd.DataFrame(rows, columns=VERSION_COLUMNS)


def _data_text(data: dict[str, Any] | None) -> str:
    """What a version learnt from; from the database, how many of HR's reports changed an
    outcome the extracts gave (what a reviewer checks before promoting it)."""
    if not data:
        return ""
    if data.get("source") != "database":
        return "extraits RH"
    reported = data.get("reported_outcomes", {})
    return (
        f"base : {reported.get('reported_used', 0)} issues déclarées, dont "
        f"{reported.get('reported_changed', 0)} changent les extraits"
    )


def _run_result(run: TrainingRunView) -> str:
    if run.error:
        return f"erreur : {run.error}"
    if not run.result:
        return ""
    decision = _DECISIONS_FR.get(run.result["decision"], run.result["decision"])
    return f"version {run.result['version']} — {decision}"


def runs_frame(runs: list[TrainingRunView]) -> pd.DataFrame:
    """The newest training runs (`GET /training/runs`), in French."""
    rows = [
        {
            "demandé le": _day(run.requested_at),
            "statut": _RUN_STATUSES.get(run.status, run.status),
            "avancement": f"{run.progress.done} / {run.progress.total}"
            if run.progress.total
            else "",
            "étape": stage_text(run.progress.stage),
            "résultat": _run_result(run),
        }
        for run in runs
    ]
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def training_progress(runs: list[TrainingRunView]) -> str:
    """HTML: a progress bar for the run under way, if there is one."""
    running = next((run for run in runs if run.status in ("queued", "running")), None)
    if running is None:
        return "<p>Aucun entraînement en cours.</p>"
    done, total = running.progress.done, running.progress.total
    share = done / total if total else 0.0
    what = html.escape(stage_text(running.progress.stage) or "en attente de démarrage")
    return (
        f"<p>Entraînement en cours : {what} ({done} / {total or '?'})</p>"
        f'<progress max="1" value="{share:.3f}" style="width:100%" '
        f'aria-label="Avancement de l\'entraînement">{share:.0%}</progress>'
    )


def training_under_way(runs: list[TrainingRunView]) -> bool:
    return any(run.status in ("queued", "running") for run in runs)
