"""Public status routes over HTTP, with the lifespan loading the bundled model."""

import pytest
from fastapi.testclient import TestClient

from src.artifacts import LoadedModel
from tests.api.conftest import AUTH


def test_health_reports_ok_and_the_loaded_model(client: TestClient, shipped: LoadedModel) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "model": {
            "version": shipped.metadata["version"],
            "source": "local",
            "fallback_reason": "MODEL_REPO_ID is not set",
        },
    }


def test_model_route_serves_the_metadata(client: TestClient, shipped: LoadedModel) -> None:
    body = client.get("/model").json()
    assert body["sha256"] == shipped.metadata["sha256"]
    assert body["metrics"]["cv"]["roc_auc"]["mean"] >= 0.84


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/predict", "post"),
        ("/predict/batch", "post"),
        ("/health", "get"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/model", "get"),
        ("/employees/{id_employee}", "get"),
        ("/employees/{id_employee}/predict", "post"),
    ],
)
def test_every_route_has_a_real_example_in_the_docs(
    client: TestClient, path: str, method: str
) -> None:
    operation = client.get("/openapi.json").json()["paths"][path][method]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    kwargs = {"json": body["example"]} if body else {}
    url = path.replace("{id_employee}", "1")
    answered = client.request(method, url, headers=AUTH, **kwargs)
    assert answered.status_code == 200
    assert _without_ids(answered.json()) == _without_ids(example)


def _without_ids(body: dict) -> dict:
    if "predictions" in body:
        return {"predictions": [_without_ids(p) for p in body["predictions"]]}
    return {k: v for k, v in body.items() if k != "prediction_id"}
