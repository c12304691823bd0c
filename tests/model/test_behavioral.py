"""Directional and invariance checks: the model moves the way HR knowledge says it should."""

from typing import Any

import pytest

from src.prediction import Predictor


def _probability(predictor: Predictor, record: dict[str, Any]) -> float:
    return predictor.predict([record])[0].probability


@pytest.mark.parametrize(
    ("field", "safer", "riskier"),
    [
        ("heures_supplementaires", False, True),
        ("satisfaction_employee_environnement", 4, 1),
        ("satisfaction_employee_nature_travail", 4, 1),
        ("frequence_deplacement", "Aucun", "Frequent"),
        ("nombre_participation_pee", 1, 0),
        ("revenu_mensuel", 12000.0, 2500.0),
        ("statut_marital", "Marié(e)", "Célibataire"),
    ],
)
def test_risk_moves_in_the_expected_direction(
    predictor: Predictor, make_employee: Any, field: str, safer: object, riskier: object
) -> None:
    low = _probability(predictor, make_employee(**{field: safer}))
    high = _probability(predictor, make_employee(**{field: riskier}))
    assert low < high


def test_extra_keys_such_as_the_employee_id_do_not_change_the_answer(
    predictor: Predictor, make_employee: Any
) -> None:
    with_id = {**make_employee(), "id_employee": 1}
    assert predictor.predict([with_id]) == predictor.predict([make_employee()])
