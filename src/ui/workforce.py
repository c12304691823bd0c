"""The workforce view: the employees still in the company, scored by the model that answers,
the risk by department, job and age band, and who is at risk, with why.

A read of stored data, not a new prediction: nothing is traced for it (1,500 rows per open
would fill the drift window with the training population and hide real drift), the read is
audited like the history's, and what it shows follows from the stored records and the model
version it names, so it can be shown again exactly.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from src.prediction import LEAVES, Predictor, Scoring
from src.ui.batch import top_factors
from src.ui.explanations import Explained, explain_scorings
from src.ui.messages import number_text
from src.ui.views import decision_text, percent

#: Upper bounds (excluded) and names of the age bands; the last band has no upper bound.
AGE_BANDS = ((25, "moins de 25 ans"), (35, "25 à 34 ans"), (45, "35 à 44 ans"), (55, "45 à 54 ans"))
OLDEST_BAND = "55 ans et plus"
AGE_GROUPING = "tranche d'âge"
#: What the risk is broken down by: the column's name and how an employee falls in it.
GROUPINGS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "département": lambda record: str(record["departement"]),
    "poste": lambda record: str(record["poste"]),
    AGE_GROUPING: lambda record: age_band(int(record["age"])),
}
GROUP_COLUMNS = ["effectif", "à risque", "% à risque", "risque moyen (%)"]
AT_RISK_COLUMNS = [
    "n° salarié",
    "département",
    "poste",
    "âge",
    "risque (%)",
    "ce qui augmente son risque",
]


@dataclass(frozen=True)
class ScoredEmployee:
    id_employee: int
    record: dict[str, Any]
    scoring: Scoring
    explained: Explained

    @property
    def at_risk(self) -> bool:
        return self.scoring.label == LEAVES


@dataclass(frozen=True)
class Workforce:
    model_version: str
    threshold: float
    employees: list[ScoredEmployee]  # the riskiest first
    departed: int  # stored employees known to have left: not in the workforce


def age_band(age: int) -> str:
    return next((name for bound, name in AGE_BANDS if age < bound), OLDEST_BAND)


def score_workforce(
    predictor: Predictor,
    model_version: str,
    stored: Sequence[tuple[int, dict[str, Any], bool]],
    reported: Mapping[int, bool],
) -> Workforce:
    """The stored employees still present, scored and explained. Whether one has left is
    HR's newest report (`POST /outcomes`) when there is one, else the loaded data's flag."""
    present = [(i, record) for i, record, left in stored if not reported.get(i, left)]
    records = [record for _, record in present]
    scorings = predictor.predict(records) if records else []
    explained = explain_scorings(scorings, records)
    employees = [
        ScoredEmployee(i, record, scoring, reasons)
        for (i, record), scoring, reasons in zip(present, scorings, explained, strict=True)
    ]
    employees.sort(key=lambda e: (-e.scoring.probability, e.id_employee))
    return Workforce(model_version, predictor.threshold, employees, len(stored) - len(present))


def workforce_summary(workforce: Workforce) -> str:
    """Markdown: how many are scored, by which model, how many are at risk."""
    count = len(workforce.employees)
    if count == 0:
        return "**Aucun salarié présent n'est enregistré.**"
    leaving = sum(e.at_risk for e in workforce.employees)
    mean = sum(e.scoring.probability for e in workforce.employees) / count
    departed = (
        f" {number_text(workforce.departed)} salariés déjà partis ne sont pas comptés."
        if workforce.departed
        else ""
    )
    return (
        f"### {number_text(leaving)} salariés à risque de départ sur {number_text(count)} "
        f"({percent(leaving / count)})\n"
        f"Risque moyen : **{percent(mean)}** · seuil d'alerte : "
        f"**{percent(workforce.threshold)}** · modèle `{workforce.model_version}`.{departed}"
    )


def group_frame(workforce: Workforce, grouping: str) -> pd.DataFrame:
    """The risk in each group of `grouping` (a key of `GROUPINGS`), the most exposed first
    (the age bands youngest first)."""
    place = GROUPINGS[grouping]
    groups: dict[str, list[ScoredEmployee]] = {}
    for employee in workforce.employees:
        groups.setdefault(place(employee.record), []).append(employee)
    rows = [
        {
            grouping: name,
            "effectif": len(members),
            "à risque": sum(e.at_risk for e in members),
            "% à risque": round(100 * sum(e.at_risk for e in members) / len(members)),
            "risque moyen (%)": round(
                100 * sum(e.scoring.probability for e in members) / len(members)
            ),
        }
        for name, members in groups.items()
    ]
    frame = pd.DataFrame(rows, columns=[grouping, *GROUP_COLUMNS])
    if grouping == AGE_GROUPING:  # the bands in their own order, youngest first
        order = [name for _, name in AGE_BANDS] + [OLDEST_BAND]
        frame = frame.sort_values(grouping, key=lambda names: names.map(order.index))
    else:
        frame = frame.sort_values(
            ["% à risque", "risque moyen (%)", grouping], ascending=[False, False, True]
        )
    return frame.reset_index(drop=True)


def at_risk_frame(workforce: Workforce) -> pd.DataFrame:
    """The employees at risk of leaving, the riskiest first; numbers as numbers, so that a
    click on a column's header sorts it."""
    rows = [
        {
            "n° salarié": e.id_employee,
            "département": e.record["departement"],
            "poste": e.record["poste"],
            "âge": e.record["age"],
            "risque (%)": round(100 * e.scoring.probability),
            "ce qui augmente son risque": top_factors(e.explained, raising=True),
        }
        for e in workforce.employees
        if e.at_risk
    ]
    return pd.DataFrame(rows, columns=AT_RISK_COLUMNS)


def searched(frame: pd.DataFrame, wanted: str | None) -> pd.DataFrame:
    """The rows of `frame` that hold every word of `wanted` somewhere, in any case:
    « commercial heures » finds the sales staff whose overtime raises their risk."""
    words = str(wanted or "").casefold().split()
    if not words:
        return frame
    rows = frame.astype(str).agg(" ".join, axis=1).str.casefold()
    kept = rows.map(lambda row: all(word in row for word in words))
    return frame[kept].reset_index(drop=True)


def export_frame(workforce: Workforce) -> pd.DataFrame:
    """Every present employee with their risk and its main factors, for French Excel."""
    rows = [
        {
            "n° salarié": e.id_employee,
            "département": e.record["departement"],
            "poste": e.record["poste"],
            "âge": e.record["age"],
            "tranche d'âge": age_band(int(e.record["age"])),
            "probabilité (%)": round(100 * e.scoring.probability, 1),
            "niveau de risque": e.scoring.risk_level,
            "décision": decision_text(e.scoring.label),
            "principaux facteurs": top_factors(e.explained),
            "modèle": workforce.model_version,
        }
        for e in workforce.employees
    ]
    return pd.DataFrame(rows)
