"""The monitoring report as a standalone HTML page, in French, for a period: what the HR space's
Surveillance tab exports, to be read offline or attached to an incident note.

Written here rather than with a report library: the page is a handful of tables built from the
two reports the API already gives, and needs nothing beyond the standard library's escaping.
"""

from datetime import UTC, datetime
from html import escape
from typing import Any

STATUS_FR = {
    "ok": "aucune dérive",
    "warning": "dérive sans alerte (champs peu influents, ou trop peu de champs)",
    "alert": "alerte",
    "not enough data": "pas assez de données",
    "no training profile": "modèle sans profil d'entraînement",
}
SOURCE_FR = {"api": "API", "ui": "interface", "all": "tous"}
METRICS_FR = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "brier": "Brier (plus bas = mieux)",
    "recall": "Rappel au seuil",
    "precision": "Précision au seuil",
}
_STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
    "th{background:#f3f3f3}.drift{background:#fde2e1}"
)


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _table(headers: list[str], rows: list[list[str]], marked: list[bool] | None = None) -> str:
    marks = marked or [False] * len(rows)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = ""
    for row, mark in zip(rows, marks, strict=True):
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in row)
        body += f"<tr class='drift'>{cells}</tr>" if mark else f"<tr>{cells}</tr>"
    return f"<table><tr>{head}</tr>{body}</table>"


def drift_section(drift: dict[str, Any]) -> str:
    status = STATUS_FR.get(drift["status"], drift["status"])
    parts = [
        "<h2>Dérive des données</h2>",
        f"<p>État : <strong>{escape(status)}</strong> — {drift.get('sample_size', 0)} salariés "
        f"dans la fenêtre (minimum {drift.get('minimum_sample', '—')}).</p>",
    ]
    if "columns" not in drift:
        return "".join(parts)
    drifted = [row for row in drift["columns"] if row["drifted"]]
    parts.append(
        f"<p>Champs en dérive : {len(drifted)} ; part des champs RH en dérive : "
        f"{drift['share_of_fields_drifted']:.0%}.</p>"
    )
    rows = [
        [
            row["label"],
            _number(row["psi"]),
            "KS" if row["test"] == "ks" else "khi-deux",
            f"{row['q_value']:.2g}",
            "oui" if row["drifted"] else "non",
        ]
        for row in drift["columns"]
    ]
    headers = ["Champ", "PSI", "Test", "p ajustée", "Dérive"]
    parts.append(_table(headers, rows, [row["drifted"] for row in drift["columns"]]))
    score = drift.get("probability", {})
    if "psi" in score:
        parts.append(
            f"<p>Probabilités prédites : PSI {_number(score['psi'])}, "
            f"{'dérive' if score['drifted'] else 'pas de dérive'} "
            f"({score['sample_size']} prédictions du modèle en service).</p>"
        )
    days = drift.get("probability_by_day", [])
    if days:
        day_rows = [
            [
                d["day"],
                str(d["count"]),
                _number(d["median"]),
                _number(d["p90"]),
                f"{d['share_at_risk']:.0%}",
            ]
            for d in days
        ]
        headers = ["Jour (UTC)", "Prédictions", "Médiane", "90e centile", "Part à risque"]
        parts.append("<h3>Probabilités par jour</h3>" + _table(headers, day_rows))
    return "".join(parts)


def quality_section(quality: dict[str, Any]) -> str:
    status = {"ok": "conforme", "alert": "alerte"}.get(quality["status"], "pas assez de données")
    parts = [
        "<h2>Qualité sur les issues connues</h2>",
        f"<p>État : <strong>{escape(status)}</strong> — {quality.get('sample_size', 0)} "
        f"prédictions dont l'issue est connue (minimum {quality.get('minimum', '—')}).</p>",
    ]
    if "metrics" not in quality:
        return "".join(parts)
    rows = []
    for name, estimate in quality["metrics"].items():
        interval = estimate["interval_95"]
        training = estimate["training_cv"]
        rows.append(
            [
                METRICS_FR.get(name, name),
                _number(estimate["value"]),
                "—" if interval is None else f"{_number(interval[0])} – {_number(interval[1])}",
                "—" if training is None else _number(training["mean"]),
            ]
        )
    headers = ["Mesure", "Valeur", "Intervalle à 95 %", "Validation croisée"]
    parts.append(_table(headers, rows))
    return "".join(parts)


def french_time(value: datetime | str | None) -> str:
    """A report's timestamp (a datetime, or ISO text once through JSON) as HR reads it."""
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%d/%m/%Y %H:%M UTC")


def render_report(drift: dict[str, Any], quality: dict[str, Any]) -> str:
    """The page: period, model, drift and live quality."""
    window = drift.get("window", {})
    period = f"du {french_time(window.get('first'))} au {french_time(window.get('last'))}"
    made = french_time(datetime.now(UTC))
    source = window.get("source", "all")
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>Rapport de surveillance du modèle</title><style>{_STYLE}</style></head><body>"
        "<h1>Rapport de surveillance du modèle d'attrition</h1>"
        f"<p>Modèle {escape(str(drift.get('model_version', '—')))} ; prédictions {escape(period)} "
        f"(canal : {escape(SOURCE_FR.get(source, str(source)))}) ; rapport établi le {made}.</p>"
        f"{drift_section(drift)}{quality_section(quality)}</body></html>"
    )
