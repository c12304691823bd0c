"""The levers HR can act on: only what HR can change, each scored by the model, and the
smallest combination under the threshold checked against every smaller one."""

from itertools import combinations

import pytest

from src.levers import LEVERS, PROTECTED, Advice, advise, applicable, with_levers
from src.prediction import Predictor
from src.schemas import record_from_values
from tests.conftest import EMPLOYEE_1

#: What HR can act on, as the issue lists it: overtime, raise, salary, travel, training,
#: satisfaction actions.
ACTIONABLE = {
    "heures_supplementaires",
    "augmentation_salaire_precedente",
    "revenu_mensuel",
    "frequence_deplacement",
    "nb_formations_suivies",
    "satisfaction_employee_environnement",
    "satisfaction_employee_nature_travail",
    "satisfaction_employee_equipe",
    "satisfaction_employee_equilibre_pro_perso",
}


def _at_risk(predictor: Predictor, records: list[dict]) -> list[dict]:
    scored = predictor.predict(records)
    return [
        record for record, scoring in zip(records, scored, strict=True) if scoring.label == "Part"
    ]


def test_a_lever_changes_one_thing_hr_can_act_on_and_never_who_the_person_is(
    records: list[dict],
) -> None:
    assert {lever.field for lever in LEVERS} <= ACTIONABLE
    assert not PROTECTED & {lever.field for lever in LEVERS}
    assert {"age", "genre", "statut_marital"} <= PROTECTED
    for record in records[:300]:
        for lever in applicable(record):
            changed = with_levers(record, [lever])
            assert {k for k in record if changed[k] != record[k]} == {lever.field}
        record_from_values(with_levers(record, applicable(record)))  # still a valid employee


def test_employee_1_is_told_that_ending_overtime_alone_brings_them_under_the_threshold(
    predictor: Predictor,
) -> None:
    advice = advise(predictor, EMPLOYEE_1)
    assert advice.current == pytest.approx(0.5527, abs=1e-4)
    first = advice.alone[0]
    assert first.levers[0].name == "heures_supplementaires"
    assert first.probability == pytest.approx(0.18, abs=0.005)
    probabilities = [scenario.probability for scenario in advice.alone]
    assert probabilities == sorted(probabilities) and max(probabilities) < advice.current
    assert advice.combination is not None and advice.combination.levers == first.levers


def _smallest_size_under(predictor: Predictor, record: dict, advice: Advice) -> int | None:
    """Brute force: every subset of the levers that help, smallest first."""
    helpful = [scenario.levers[0] for scenario in advice.alone]
    for size in range(1, len(helpful) + 1):
        subsets = list(combinations(helpful, size))
        scored = predictor.predict([with_levers(record, subset) for subset in subsets])
        if any(scoring.probability < predictor.threshold for scoring in scored):
            return size
    return None


def test_the_combination_is_the_fewest_changes_that_cross_the_threshold(
    predictor: Predictor, records: list[dict]
) -> None:
    """Over every employee at risk in the extracts: some need one change, some several, a few
    cannot be brought under the threshold with these levers at all."""
    sizes = []
    for record in _at_risk(predictor, records):
        advice = advise(predictor, record)
        expected = _smallest_size_under(predictor, record, advice)
        if advice.combination is None:
            assert expected is None
            sizes.append(None)
            continue
        assert len(advice.combination.levers) == expected
        assert advice.combination.probability < advice.threshold
        [scored] = predictor.predict([advice.combination.record])
        assert scored.probability == advice.combination.probability  # the model's own answer
        sizes.append(expected)
    assert {1, 2, 3} <= set(sizes) and None in sizes
