"""What HR people read: predictions, factors, employees and the model in French words and
tables. Pure functions of the service's answers, so they are tested without a browser."""

from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field, ValidationError

from src.fields import FIELDS, FIELDS_BY_NAME, Kind
from src.schemas import Prediction

DECISIONS = {"Part": "risque de départ", "Reste": "devrait rester"}
TOP_FACTORS = 10
UP, DOWN = "augmente le risque", "diminue le risque"


def percent(value: float) -> str:
    return f"{value:.0%}".replace("%", " %")


def prediction_summary(prediction: Prediction) -> str:
    """Markdown: the decision, the probability, the risk level and how the threshold reads."""
    return (
        f"### {prediction.prediction} — {DECISIONS[prediction.prediction]}\n"
        f"- Probabilité de départ : **{percent(prediction.probability)}**\n"
        f"- Niveau de risque : **{prediction.risk_level}**\n"
        f"- Seuil de décision : {percent(prediction.threshold)} "
        f"(au-dessus : « Part »)\n"
        f"- Modèle : version {prediction.model_version}, "
        f"identifiant de la prédiction `{prediction.prediction_id}`"
    )


def factor_frame(prediction: Prediction, labels: dict[str, str]) -> pd.DataFrame:
    """The largest contributions, labelled, with the direction they push the risk."""
    rows = [
        {
            "facteur": labels.get(factor.feature, factor.feature),
            "contribution": round(factor.contribution, 4),
            "effet": UP if factor.contribution > 0 else DOWN,
        }
        for factor in prediction.explanation[:TOP_FACTORS]
    ]
    return pd.DataFrame(rows, columns=["facteur", "contribution", "effet"])


def record_frame(record: dict[str, Any]) -> pd.DataFrame:
    """An employee's record as a two-column table, French labels, Oui/Non for flags."""
    rows = []
    for spec in FIELDS:
        value = record.get(spec.name)
        if spec.kind is Kind.BOOLEAN:
            value = "Oui" if value else "Non"
        elif spec.kind is Kind.PERCENT:
            value = f"{value:g} %"
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
        f"| Décision | {before.prediction} | {after.prediction} |\n"
        f"| Probabilité de départ | {percent(before.probability)} "
        f"| {percent(after.probability)} |\n"
        f"| Niveau de risque | {before.risk_level} "
        f"| {after.risk_level} |\n\n"
        f"**Variation : {delta * 100:+.1f} points ({direction})**"
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Labels of the fields the scenario changed."""
    return [FIELDS_BY_NAME[name].label for name in after if before.get(name) != after[name]]


HISTORY_COLUMNS = {
    "created_at": "date (UTC)",
    "source": "canal",
    "id_employee": "salarié",
    "prediction": "prédiction",
    "probability": "probabilité",
    "risk_level": "risque",
    "model_version": "modèle",
    "prediction_id": "prediction_id",
}


def history_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A page of history (`database.repository.list_predictions`) with French headers."""
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    frame["id_employee"] = frame["id_employee"].astype("Int64")
    frame["probability"] = frame["probability"].round(4)
    return frame.rename(columns=HISTORY_COLUMNS)


_METRICS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "f1": "F1",
    "recall": "Rappel",
    "precision": "Précision",
    "brier": "Brier",
}


def model_overview(metadata: dict[str, Any], source: str, fallback_reason: str | None) -> str:
    """Markdown: which model answers, where it came from, its threshold and risk levels."""
    origin = "Hugging Face Hub" if source == "hub" else "artefact local (models/)"
    lines = [
        f"### {metadata['name']} — version {metadata['version']}",
        f"- Source : **{origin}**" + (f" — {fallback_reason}" if fallback_reason else ""),
        f"- Entraîné le : {metadata['trained_at']}",
        f"- Modèle : {metadata['estimator']['description']}",
        f"- Données : {metadata['training_data']['n_employees']} salariés, "
        f"{metadata['training_data']['n_leavers']} départs",
        f"- Seuil de décision : {percent(metadata['threshold'])}",
        "- Niveaux de risque : "
        + ", ".join(
            f"{level} de {percent(low)} à {percent(high)}"
            for level, (low, high) in metadata["risk_levels"].items()
        ),
        f"- Empreinte sha256 : `{metadata['sha256']}`",
    ]
    return "\n".join(lines)


def metrics_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """Cross-validation (mean ± std) and holdout, one row per metric."""
    rows = [
        {
            "métrique": label,
            "validation croisée": "{mean:.3f} ± {std:.3f}".format(**metrics["cv"][key]),
            "jeu de test": f"{metrics['holdout'][key]:.3f}",
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
            "groupe": group,
            "valeur": value,
            "effectif": scores["n"],
            "taux de départ": round(scores["leave_rate"], 3),
            **{label: round(scores[key], 3) for key, label in _METRICS.items() if key in scores},
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
            "prédiction": self.prediction,
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
                "prediction": row.get("prédiction"),
                "probability": row.get("probabilité"),
                "risk_level": row.get("niveau de risque"),
            }
        )
        if entry is not None:
            rows.append(entry)
    return rows


def session_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The newest first."""
    return pd.DataFrame(rows[::-1], columns=SESSION_COLUMNS)
