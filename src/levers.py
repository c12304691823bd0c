"""What HR could change for an employee, and what each change would do to the risk: every
scenario is scored by the model itself, so no rule about what lowers the risk is written here.

Written here is only which changes HR can make (`LEVERS`): end overtime, a larger raise, a
higher salary, less travel, a training, an action on one kind of satisfaction. Nothing a
person is (age, gender, marital status, education) is ever a lever, and nothing in the past
that HR cannot undo (years of experience, previous employers).

For an employee, `advise` scores each applicable lever alone, ranks those that lower the risk,
and searches every combination of them for the smallest one that brings the employee under
the decision threshold (the fewest changes; among those, the lowest risk). With the nine
levers that is at most 512 scenarios, one batch for the predictor: a millisecond or so.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from src.fields import FIELDS_BY_NAME
from src.prediction import Predictor

Record = Mapping[str, Any]
#: The fields of a record no lever may ever touch: who the person is.
PROTECTED = frozenset({"age", "genre", "statut_marital", "niveau_education", "domaine_etude"})

_TRAVEL_DOWN = {"Frequent": "Occasionnel", "Occasionnel": "Aucun"}
#: A lever must lower the risk by half a point at least to be suggested: below, it does
#: nothing a person would notice (at 100 % every lever moves the risk by 0,0 point).
SMALLEST = 0.005


@dataclass(frozen=True)
class Lever:
    name: str
    action: str  # what HR would do, in French
    field: str  # the one field it changes
    change: Callable[[Any], Any]  # the field's new value; the same value: not applicable


def _raised(field: str, step: float) -> Callable[[Any], Any]:
    """One step up, never beyond what the field allows."""
    top = FIELDS_BY_NAME[field].maximum
    return lambda value: min(top, value + step)


def _satisfaction(field: str, what: str) -> Lever:
    return Lever(field, f"Agir sur {what} (satisfaction + 1)", field, _raised(field, 1))


LEVERS: tuple[Lever, ...] = (
    Lever(
        "heures_supplementaires",
        "Mettre fin aux heures supplémentaires",
        "heures_supplementaires",
        lambda _: False,
    ),
    Lever(
        "augmentation_salaire_precedente",
        "Augmentation de 5 points de plus au prochain cycle",
        "augmentation_salaire_precedente",
        _raised("augmentation_salaire_precedente", 5),
    ),
    Lever(
        "revenu_mensuel",
        "Salaire mensuel + 10 %",
        "revenu_mensuel",
        lambda value: min(FIELDS_BY_NAME["revenu_mensuel"].maximum, round(value * 1.1)),
    ),
    Lever(
        "frequence_deplacement",
        "Moins de déplacements (un cran de moins)",
        "frequence_deplacement",
        lambda value: _TRAVEL_DOWN.get(value, value),
    ),
    Lever(
        "nb_formations_suivies",
        "Une formation de plus",
        "nb_formations_suivies",
        _raised("nb_formations_suivies", 1),
    ),
    _satisfaction("satisfaction_employee_environnement", "l'environnement de travail"),
    _satisfaction("satisfaction_employee_nature_travail", "la nature du travail"),
    _satisfaction("satisfaction_employee_equipe", "l'équipe"),
    _satisfaction("satisfaction_employee_equilibre_pro_perso", "l'équilibre pro/perso"),
)


@dataclass(frozen=True)
class Scenario:
    levers: tuple[Lever, ...]
    record: dict[str, Any]
    probability: float


@dataclass(frozen=True)
class Advice:
    current: float  # the employee's risk as they are
    threshold: float
    alone: list[Scenario]  # each lever that lowers the risk (by `SMALLEST` at least), best first
    combination: Scenario | None  # the fewest levers that bring the risk under the threshold


def applicable(record: Record) -> list[Lever]:
    """The levers that would change something for this employee."""
    return [lever for lever in LEVERS if lever.change(record[lever.field]) != record[lever.field]]


def with_levers(record: Record, levers: Sequence[Lever]) -> dict[str, Any]:
    """The record with each lever's change applied."""
    changed = dict(record)
    for lever in levers:
        changed[lever.field] = lever.change(record[lever.field])
    return changed


def advise(predictor: Predictor, record: Record) -> Advice:
    """Each lever alone, then the smallest combination under the threshold, if any."""
    levers = applicable(record)
    subsets = [subset for size in range(len(levers) + 1) for subset in combinations(levers, size)]
    records = [with_levers(record, subset) for subset in subsets]
    scored = [s.probability for s in predictor.predict(records)]  # the empty set: as they are
    scenarios = [
        Scenario(subset, changed, probability)
        for subset, changed, probability in zip(subsets, records, scored, strict=True)
    ]
    current, threshold = scenarios[0].probability, predictor.threshold
    alone = sorted(
        (s for s in scenarios if len(s.levers) == 1 and s.probability <= current - SMALLEST),
        key=lambda s: s.probability,
    )
    helpful = {s.levers[0].name for s in alone}
    under = [
        s
        for s in scenarios[1:]
        if s.probability < threshold and all(lever.name in helpful for lever in s.levers)
    ]
    combination = min(under, key=lambda s: (len(s.levers), s.probability), default=None)
    return Advice(current, threshold, alone, combination)
