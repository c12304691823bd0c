"""The periodic monitoring check as operators see it: drift and live quality on /metrics, and
their statuses (never a field's figures) in the public /health."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from tests.conftest import make_settings

TOKEN = "monitoring-test-token"
AUTH = {"X-API-Key": TOKEN}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, records: list[dict]) -> Iterator[TestClient]:
    """An app whose API traffic is overtime for everyone (300 employees)."""
    folder = tmp_path_factory.mktemp("monitoring")
    settings = make_settings(folder, api_tokens=TOKEN, monitoring_interval_seconds=3600)
    with TestClient(create_app(settings)) as client:
        shifted = [{**record, "heures_supplementaires": True} for record in records[:300]]
        answered = client.post("/predict/batch", json={"employees": shifted}, headers=AUTH)
        assert answered.status_code == 200
        state = client.app.state  # type: ignore[attr-defined]
        state.monitor.refresh(state.service.read_session)  # what the hourly task would do
        yield client


def _samples(client: TestClient) -> dict[tuple[str, frozenset], float]:
    families = text_string_to_metric_families(client.get("/metrics").text)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


def test_drift_is_exported_per_column(client: TestClient) -> None:
    samples = _samples(client)
    overtime = frozenset({("column", "heures_supplementaires")})
    assert samples[("attrition_drift_psi", overtime)] > 0.2
    assert samples[("attrition_drift_drifted", overtime)] == 1.0
    assert samples[("attrition_drift_drifted", frozenset({("column", "age")}))] == 0.0
    assert samples[("attrition_drift_window_size", frozenset())] == 300
    assert samples[("attrition_drift_probability_psi", frozenset())] > 0
    assert samples[("attrition_monitoring_alert", frozenset({("check", "drift")}))] == 1.0
    assert samples[("attrition_monitoring_alert", frozenset({("check", "quality")}))] == 0.0
    assert samples[("attrition_live_outcomes", frozenset())] == 0
    assert samples[("attrition_monitoring_last_run_timestamp_seconds", frozenset())] > 0


def test_health_shows_the_statuses_but_no_hr_figures(client: TestClient) -> None:
    monitoring: dict[str, Any] = client.get("/health").json()["monitoring"]
    assert monitoring["drift"]["status"] == "alert"
    assert monitoring["drift"]["drifted_fields"] >= 1 and monitoring["drift"]["alerts"] >= 1
    assert monitoring["quality"]["status"] == "not enough data"
    assert "heures_supplementaires" not in str(monitoring)
    assert client.get("/health").json()["status"] == "ok"  # an alert is no reason to restart


def test_the_drift_route_gives_the_same_picture(client: TestClient) -> None:
    report = client.get("/monitoring/drift", params={"source": "api"}, headers=AUTH).json()
    periodic = client.app.state.monitor.latest.drift  # type: ignore[attr-defined]
    assert report["columns"] == periodic["columns"]
    assert report["drifted"][0] == "heures_supplementaires"


def test_the_check_runs_by_itself_at_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, api_tokens=TOKEN)
    with TestClient(create_app(settings)) as client:
        for _ in range(100):
            if client.get("/health").json()["monitoring"]["computed_at"] is not None:
                break
            time.sleep(0.05)
        assert client.get("/health").json()["monitoring"]["drift"]["status"] == "not enough data"
