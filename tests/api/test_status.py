"""Public status routes over HTTP, with the lifespan loading the bundled model."""

import json

import pytest
from fastapi.testclient import TestClient

from src.artifacts import LoadedModel
from tests.api.conftest import AUTH
from tests.conftest import EMPLOYEE_1


def test_health_reports_ok_and_the_loaded_model(client: TestClient, shipped: LoadedModel) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    assert health["model"] == {
        "version": shipped.metadata["version"],
        "source": "local",
        "fallback_reason": "MODEL_REPO_ID is not set",
    }
    assert health["database"] == {
        "backend": "sqlite",
        "status": "ok",
        "spooled_traces": 0,
        "refused_traces": 0,
    }


def test_health_reports_the_latency_of_recent_predictions(client: TestClient) -> None:
    client.post("/predict", json=EMPLOYEE_1, headers=AUTH)
    latency = client.get("/health").json()["latency"]
    assert latency["count"] >= 1
    assert 0 < latency["p50_ms"] <= latency["p99_ms"]


def test_model_route_serves_the_metadata(client: TestClient, shipped: LoadedModel) -> None:
    body = client.get("/model").json()
    assert body["sha256"] == shipped.metadata["sha256"]
    assert body["metrics"]["cv"]["roc_auc"]["mean"] >= 0.84
    baseline = shipped.metadata["explanation"]["baseline_logit"]
    assert body["explanation_baseline"] == pytest.approx(baseline, abs=1e-12)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/predict", "post"),
        ("/predict/batch", "post"),
        ("/health", "get"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/model", "get"),
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
    assert _stable(answered.json()) == _stable(example)


@pytest.mark.parametrize(
    ("path", "method"),
    [("/employees/{id_employee}", "get"), ("/employees/{id_employee}/predict", "post")],
)
def test_the_public_docs_show_an_employee_route_on_a_synthetic_profile(
    client: TestClient, path: str, method: str
) -> None:
    operation = client.get("/openapi.json").json()["paths"][path][method]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    answered = client.request(method, path.replace("{id_employee}", "1"), headers=AUTH).json()
    assert set(example) == set(answered)  # the shape of a real answer


def test_the_public_docs_show_no_real_employee(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    example = paths["/employees/{id_employee}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    stored = client.get("/employees/1", headers=AUTH).json()
    assert example["record"] != stored["record"]  # the docs need no token
    assert json.dumps(EMPLOYEE_1) not in json.dumps(paths)


def test_history_examples_in_the_docs_are_what_a_prediction_leaves(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    employee = paths["/predict"]["post"]["requestBody"]["content"]["application/json"]["example"]
    page_example, trace_example = (
        paths[path]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        for path in ("/predictions", "/predictions/{prediction_id}")
    )
    prediction_id = client.post("/predict", json=employee, headers=AUTH).json()["prediction_id"]

    page = client.get("/predictions", params={"page_size": 1}, headers=AUTH).json()
    trace = client.get(f"/predictions/{prediction_id}", headers=AUTH).json()

    assert _of_now(page["items"][0]) == _of_now(page_example["items"][0])
    assert _of_now(trace) == _of_now(trace_example)


def _of_now(body: dict) -> dict:
    """A history view without what belongs to one call: its ids, times, latency and hash."""
    moment = {"prediction_id", "request_id", "created_at", "received_at", "sent_at"}
    moment |= {"latency_ms", "body_sha256"}
    return {
        key: _of_now(value) if isinstance(value, dict) else value
        for key, value in body.items()
        if key not in moment
    }


def _stable(body: dict) -> dict:
    """The body without what changes from one call to the next: ids, the latency window."""
    if "predictions" in body:
        return {"predictions": [_stable(p) for p in body["predictions"]]}
    return {k: v for k, v in body.items() if k not in ("prediction_id", "latency")}
