"""Predictions over HTTP: the contract's keys, batches in order, limits."""

import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import create_app
from src.fields import FIELDS
from tests.api.conftest import AUTH
from tests.conftest import make_settings


def test_predict_returns_the_contract_keys(client: TestClient, make_employee: Any) -> None:
    body = client.post("/predict", json=make_employee(), headers=AUTH).json()
    assert set(body) == {
        "prediction_id",
        "prediction",
        "probability",
        "threshold",
        "risk_level",
        "model_version",
        "explanation",
        "explanation_baseline",
    }
    assert (body["prediction"], body["risk_level"]) == ("Part", "élevé")
    assert body["probability"] == pytest.approx(0.552702441301, abs=1e-9)
    assert body["explanation"][0] == {
        "feature": "heures_supplementaires",
        "contribution": pytest.approx(1.2388, abs=1e-4),
    }


def test_a_client_rebuilds_the_probability_from_the_baseline_and_the_contributions(
    client: TestClient, make_employee: Any
) -> None:
    body = client.post("/predict", json=make_employee(), headers=AUTH).json()
    logit = body["explanation_baseline"] + sum(f["contribution"] for f in body["explanation"])
    assert 1 / (1 + math.exp(-logit)) == pytest.approx(body["probability"], abs=1e-12)
    assert body["explanation_baseline"] == client.get("/model").json()["explanation_baseline"]


def test_the_published_schema_of_an_answer_names_each_of_its_keys(
    client: TestClient, make_employee: Any
) -> None:
    body = client.post("/predict", json=make_employee(), headers=AUTH).json()
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    published = [name for name in schemas if name.startswith("Prediction") and "-" in name]
    assert published == []  # one shape for input and output: nothing serialised aside
    assert set(schemas["Prediction"]["properties"]) == set(body)
    assert set(schemas["Prediction"]["required"]) == set(body) - {"explanation_baseline"}


def test_each_prediction_gets_its_own_id(client: TestClient, make_employee: Any) -> None:
    ids = {client.post("/predict", json=make_employee(), headers=AUTH).json()["prediction_id"]}
    ids.add(client.post("/predict", json=make_employee(), headers=AUTH).json()["prediction_id"])
    assert len(ids) == 2


def test_batch_keeps_order_and_equals_single_predictions(
    client: TestClient, records: list[dict]
) -> None:
    employees = records[:30]
    batch = client.post("/predict/batch", json={"employees": employees}, headers=AUTH).json()
    singles = [client.post("/predict", json=e, headers=AUTH).json() for e in employees]
    strip = [{k: v for k, v in p.items() if k != "prediction_id"} for p in batch["predictions"]]
    assert strip == [{k: v for k, v in p.items() if k != "prediction_id"} for p in singles]


def test_batch_of_ten_thousand_is_answered(client: TestClient, records: list[dict]) -> None:
    employees = [records[i % len(records)] for i in range(10_000)]
    response = client.post("/predict/batch", json={"employees": employees}, headers=AUTH)
    assert response.status_code == 200
    assert len(response.json()["predictions"]) == 10_000


def test_batch_over_ten_thousand_returns_413(client: TestClient, make_employee: Any) -> None:
    employees = [make_employee()] * 10_001
    response = client.post("/predict/batch", json={"employees": employees}, headers=AUTH)
    assert response.status_code == 413
    assert response.json() == {"detail": "a batch holds at most 10000 employees"}


def test_empty_batch_returns_422(client: TestClient) -> None:
    response = client.post("/predict/batch", json={"employees": []}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "employees"


def test_invalid_employee_in_a_batch_is_named_by_position(
    client: TestClient, make_employee: Any
) -> None:
    employees = [make_employee(), make_employee(genre="X")]
    response = client.post("/predict/batch", json={"employees": employees}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "employees.1.genre"


def test_body_over_the_limit_returns_413_before_parsing(make_employee: Any, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, api_tokens="t", max_body_bytes=2048)
    with TestClient(create_app(settings)) as small:
        body = {"employees": [make_employee()] * 5}
        response = small.post("/predict/batch", json=body, headers={"X-API-Key": "t"})
        assert response.status_code == 413
        assert response.json() == {"detail": "request body over 2048 bytes"}
        streamed = small.post(
            "/predict",
            content=iter([b"{" + b" " * 3000, b"}"]),
            headers={"X-API-Key": "t", "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413


def test_api_schema_agrees_with_the_model_metadata(client: TestClient) -> None:
    """The API's record schema and the model's feature schema describe the same fields."""
    openapi = client.get("/openapi.json").json()
    properties = openapi["components"]["schemas"]["EmployeeRecord"]["properties"]
    metadata_fields = client.get("/model").json()["input_schema"]["fields"]
    assert set(properties) - {"id_employee"} == {f["name"] for f in metadata_fields}
    for field in metadata_fields:
        schema = properties[field["name"]]
        if "allowed" in field:
            assert schema["enum"] == field["allowed"], field["name"]
        elif "minimum" in field:
            numeric = next(s for s in schema.get("anyOf", [schema]) if "minimum" in s)
            assert (numeric["minimum"], numeric["maximum"]) == (field["minimum"], field["maximum"])
    assert [f.name for f in FIELDS] == [f["name"] for f in metadata_fields]
