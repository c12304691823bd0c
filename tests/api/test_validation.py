"""Every bad input is a clear 4xx: the field, what is allowed; never a 500."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from src.fields import FIELDS, Kind
from tests.api.conftest import AUTH


def _invalid_values(kind: Kind) -> list[object]:
    common: list[object] = [None, [], {}]
    if kind is Kind.CATEGORY:
        return [*common, "inconnu", 3]
    if kind is Kind.BOOLEAN:
        return [*common, "Peut-être", "yes"]
    return [*common, -1000, 1e9, "beaucoup"]


MATRIX = [(spec.name, value) for spec in FIELDS for value in _invalid_values(spec.kind)]


@pytest.mark.parametrize(("field", "value"), MATRIX)
def test_invalid_field_returns_422_naming_it(
    client: TestClient, make_employee: Any, field: str, value: object
) -> None:
    response = client.post("/predict", json=make_employee(**{field: value}), headers=AUTH)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert error["allowed"]


@pytest.mark.parametrize("field", [spec.name for spec in FIELDS])
def test_missing_field_returns_422_naming_it(
    client: TestClient, make_employee: Any, field: str
) -> None:
    record = make_employee()
    del record[field]
    response = client.post("/predict", json=record, headers=AUTH)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_unknown_field_is_rejected(client: TestClient, make_employee: Any) -> None:
    response = client.post("/predict", json={**make_employee(), "salaire": 1}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "salaire",
        "message": "Extra inputs are not permitted",
    }


def test_whole_number_fields_reject_fractions(client: TestClient, make_employee: Any) -> None:
    response = client.post("/predict", json=make_employee(age=41.5), headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["allowed"] == "16 to 75"


def test_inconsistent_years_are_rejected_naming_both_fields(
    client: TestClient, make_employee: Any
) -> None:
    record = make_employee(annees_dans_le_poste_actuel=7)  # 6 years in the company
    response = client.post("/predict", json=record, headers=AUTH)
    assert response.status_code == 422
    assert (
        "annees_dans_le_poste_actuel (7) must not exceed annees_dans_l_entreprise (6)"
        in (response.json()["errors"][0]["message"])
    )


@pytest.mark.parametrize(
    ("overrides", "same_as"),
    [
        ({"heures_supplementaires": "Oui"}, {"heures_supplementaires": True}),
        ({"heures_supplementaires": "Non"}, {"heures_supplementaires": False}),
        ({"augmentation_salaire_precedente": "11 %"}, {"augmentation_salaire_precedente": 11}),
    ],
)
def test_extract_spellings_are_accepted_as_their_values(
    client: TestClient, make_employee: Any, overrides: dict, same_as: dict
) -> None:
    spelled = client.post("/predict", json=make_employee(**overrides), headers=AUTH).json()
    plain = client.post("/predict", json=make_employee(**same_as), headers=AUTH).json()
    assert spelled["probability"] == plain["probability"]


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"null", b"[]", b"[{}]", b'"text"', b"42", b"{}", b"\xff\xfe", b"NaN"],
)
def test_malformed_bodies_return_4xx_json(client: TestClient, body: bytes) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    for path in ("/predict", "/predict/batch"):
        response = client.post(path, content=body, headers=headers)
        assert 400 <= response.status_code < 500, (path, body)
        assert "detail" in response.json()


def test_nan_is_not_a_number_for_the_api(client: TestClient, make_employee: Any) -> None:
    body = json.dumps(make_employee(revenu_mensuel=float("nan")))  # Python writes NaN
    headers = {**AUTH, "Content-Type": "application/json"}
    response = client.post("/predict", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "revenu_mensuel"
