"""Every validation message an HR user can meet is French: each field with each kind of bad
value, each consistency rule, an unknown column, a bad employee number; through the form's
sentence and the CSV table alike."""

import re
from typing import Any

import pytest
from pydantic import ValidationError

from src.fields import FIELDS, ORDER_RULES, Kind
from src.schemas import record_from_values
from src.ui.batch import BatchFileError, parse_batch
from src.ui.french import french_values
from src.ui.messages import french_error, sentence
from tests.conftest import EMPLOYEE_1
from tests.ui.conftest import csv_bytes

#: Words of pydantic's and our own English messages; none may reach a French reader.
ENGLISH = re.compile(
    r"\b(value|values|must|exceed|should|input|valid|integer|number|greater|less|than|equal|"
    r"field|required|allowed|expected|got|error|missing|unknown|extra|permitted|the|is|be|"
    r"and|of|not|percentage|true|false)\b",
    re.IGNORECASE,
)


def _bad_values(kind: Kind, minimum: float | None, maximum: float | None) -> list[object]:
    if kind is Kind.CATEGORY:
        return ["Autre chose", 3, None]
    if kind is Kind.BOOLEAN:
        return ["peut-être", 2.5, None]
    bad: list[object] = [minimum - 1, maximum + 1, "beaucoup", None, float("inf")]
    return [*bad, minimum + 0.5] if kind is Kind.INTEGER else bad


CASES = [
    (spec.name, value)
    for spec in FIELDS
    for value in _bad_values(spec.kind, spec.minimum, spec.maximum)
]


def _errors(record: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as refused:
        record_from_values(record)
    return refused.value.errors()


def _french(error: dict[str, Any]) -> None:
    said = sentence(error)
    described = french_error(error)
    for text in (said, described["champ"], described["erreur"], described["autorisé"]):
        assert not ENGLISH.search(text.replace(described["colonne"], "")), (error, text)


@pytest.mark.parametrize(("name", "value"), CASES)
def test_each_bad_value_of_each_field_is_said_in_french(name: str, value: object) -> None:
    for error in _errors({**EMPLOYEE_1, name: value}):
        _french(error)


@pytest.mark.parametrize("rule", ORDER_RULES, ids=lambda rule: rule.smaller)
def test_each_consistency_rule_is_said_in_french_with_both_labels(rule: Any) -> None:
    record = {**EMPLOYEE_1, rule.smaller: 30, rule.larger: 5}
    if rule.larger == "annees_dans_l_entreprise":
        record["annee_experience_totale"] = 40
    errors = [e for e in _errors(record) if e["type"] == "years_order"]
    assert errors
    for error in errors:
        _french(error)
        assert "dépasse" in sentence(error)


def test_an_unknown_column_and_a_bad_employee_number_are_said_in_french() -> None:
    errors = _errors({**EMPLOYEE_1, "salaire": 10, "id_employee": "abc"})
    assert {french_error(e)["erreur"] for e in errors} == {
        "champ inconnu",
        "« abc » n'est pas un numéro de salarié",
    }
    for error in errors:
        _french(error)


def test_the_csv_table_says_the_same_as_the_form() -> None:
    rows = [{**EMPLOYEE_1, "age": "10", "genre": "X", "annees_dans_le_poste_actuel": "7"}]
    with pytest.raises(BatchFileError) as refused:
        parse_batch(csv_bytes(rows))
    table = refused.value.errors.to_dict("records")
    errors = _errors(french_values(rows[0]))  # what the form reads from the same text
    assert [row["erreur"] for row in table] == [french_error(e)["erreur"] for e in errors]
    for row in table:
        assert not ENGLISH.search(f"{row['erreur']} {row['valeurs autorisées']}"), row


def test_numbers_are_written_the_french_way() -> None:
    [error] = _errors({**EMPLOYEE_1, "revenu_mensuel": 50.5})
    assert sentence(error) == (
        "Revenu mensuel (€) : 50,5 est hors des valeurs permises (autorisé : de 100 à 100 000)"
    )
