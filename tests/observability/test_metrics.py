"""GET /metrics as Prometheus reads it: the text format parsed by prometheus-client's own
parser, after real calls; route templates, never raw paths; public without the predictions'
results, or everything behind its token; never recorded in the audit trail."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from database.engine import create_database_engine
from database.models import Request
from tests.conftest import EMPLOYEE_1, make_settings

TOKEN = "metrics-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SCRAPER = {"Authorization": "Bearer scrape-secret"}
#: What describes a call's content: only for the scraper with METRICS_TOKEN.
RESULTS = {
    "attrition_predictions",
    "attrition_prediction_probability",
    "attrition_batch_size",
    "attrition_group_size",
    "attrition_group_duration_seconds",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app whose scrape wants METRICS_TOKEN (as the compose stack's Prometheus has it)."""
    settings = make_settings(
        tmp_path_factory.mktemp("metrics"), api_tokens=TOKEN, metrics_token="scrape-secret"
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _samples(client: TestClient, headers: dict[str, str] = SCRAPER) -> dict:
    text = client.get("/metrics", headers=headers).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_calls_are_counted_by_route_template_and_status_class(client: TestClient) -> None:
    before = _samples(client)
    client.post("/employees/7/predict", headers=AUTH)
    client.post("/employees/8/predict", headers=AUTH)
    client.post("/predict", json={}, headers=AUTH)  # 422
    after = _samples(client)
    route = "/employees/{id_employee}/predict"
    counted = "attrition_http_requests_total"
    assert (
        _value(after, counted, route=route, method="POST", status_class="2xx")
        - _value(before, counted, route=route, method="POST", status_class="2xx")
        == 2
    )
    assert _value(after, counted, route="/predict", method="POST", status_class="4xx") >= 1
    assert not any("/employees/7" in str(labels) for _, labels in after)  # no raw path
    durations = "attrition_http_request_duration_seconds_count"
    assert _value(after, durations, route=route, method="POST") >= 2


def test_predictions_are_counted_by_source_label_and_risk(client: TestClient) -> None:
    before = _samples(client)
    answered = client.post("/predict/batch", json={"employees": [EMPLOYEE_1] * 3}, headers=AUTH)
    assert answered.status_code == 200
    after = _samples(client)
    counted = {"source": "api", "label": "Part", "risk_level": "élevé"}
    name = "attrition_predictions_total"
    assert _value(after, name, **counted) - _value(before, name, **counted) == 3
    probabilities = "attrition_prediction_probability_count"
    assert _value(after, probabilities) - _value(before, probabilities) == 3
    batches = "attrition_batch_size_sum"
    assert _value(after, batches, source="api") - _value(before, batches, source="api") == 3
    for queue in ("scoring", "writing"):
        assert _value(after, "attrition_group_size_count", queue=queue) >= 1
        assert _value(after, "attrition_group_duration_seconds_count", queue=queue) >= 1


def test_the_model_storage_and_process_are_exported(client: TestClient) -> None:
    samples = _samples(client)
    [info] = [labels for name, labels in samples if name == "attrition_model_info"]
    assert dict(info)["version"] == client.get("/model").json()["version"]
    assert dict(info)["source"] == "local" and len(dict(info)["sha256"]) == 12
    assert _value(samples, "attrition_model_loaded_timestamp_seconds") > 1.7e9
    assert _value(samples, "attrition_database_up") == 1
    assert _value(samples, "attrition_database_ready") == 1
    assert _value(samples, "attrition_spooled_traces") == 0
    assert _value(samples, "attrition_refused_traces") == 0
    assert _value(samples, "attrition_ui_queue_depth", space="/ui") == 0
    assert _value(samples, "process_resident_memory_bytes") > 0
    assert not any(name.endswith("_created") for name, _ in samples)


def test_scrapes_are_not_recorded_in_the_audit_trail(client: TestClient) -> None:
    engine = create_database_engine(client.app.state.service.writer.engine.url)
    with Session(engine) as session:
        before = session.scalar(select(func.count()).select_from(Request))
        for _ in range(3):
            assert client.get("/metrics", headers=SCRAPER).status_code == 200
        assert session.scalar(select(func.count()).select_from(Request)) == before
    engine.dispose()


def test_with_a_metrics_token_the_scrape_needs_it(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=AUTH).status_code == 401  # an API token is not it
    scraped = client.get("/metrics", headers=SCRAPER)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")


def test_the_public_scrape_gives_away_no_callers_result(tmp_path: Path) -> None:
    """Without METRICS_TOKEN anyone may scrape: two scrapes around one call show that it
    happened, never what it answered (no count by label or risk, no probability sum)."""
    with TestClient(create_app(make_settings(tmp_path, api_tokens=TOKEN))) as client:
        client.post("/predict", json=EMPLOYEE_1, headers=AUTH)  # every series exists
        before = _samples(client, headers={})
        answer = client.post("/predict", json=EMPLOYEE_1, headers=AUTH).json()
        after = _samples(client, headers={})
    names = {name for name, _ in after}
    assert not any(name.startswith(tuple(RESULTS)) for name in names)
    assert {"attrition_http_requests_total", "attrition_model_info"} <= names
    moved = {key: after[key] - before.get(key, 0.0) for key in after}
    assert not any(abs(delta - answer["probability"]) < 1e-9 for delta in moved.values())
    assert not any(abs(delta - (1 - answer["probability"])) < 1e-9 for delta in moved.values())


def test_an_openmetrics_scraper_gets_openmetrics(client: TestClient) -> None:
    accept = {"Accept": "application/openmetrics-text; version=1.0.0", **SCRAPER}
    scraped = client.get("/metrics", headers=accept)
    assert scraped.headers["content-type"].startswith("application/openmetrics-text")
    assert scraped.text.endswith("# EOF\n")


def test_a_refused_token_call_is_counted_under_its_route(client: TestClient) -> None:
    before = _samples(client)
    assert client.get("/predictions").status_code == 401  # refused before the router runs
    after = _samples(client)
    name, labels = "attrition_http_requests_total", {"method": "GET", "status_class": "4xx"}
    assert _value(after, name, route="/predictions", **labels) == (
        _value(before, name, route="/predictions", **labels) + 1
    )
