"""GET /monitoring/drift over HTTP, on SQLite and PostgreSQL: the window is read from the
stored predictions, each employee once, and compared with the model's training profile."""

from typing import Any

from fastapi.testclient import TestClient

from tests.database.conftest import TOKEN

AUTH = {"X-API-Key": TOKEN}


def _score(client: TestClient, employees: list[dict[str, Any]]) -> None:
    answered = client.post("/predict/batch", json={"employees": employees}, headers=AUTH)
    assert answered.status_code == 200, answered.text


def _drift(client: TestClient, **params: object) -> dict[str, Any]:
    response = client.get("/monitoring/drift", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def test_with_few_predictions_the_answer_is_not_enough_data(
    client: TestClient, records: list[dict]
) -> None:
    _score(client, records[:20])
    report = _drift(client)
    assert report["status"] == "not enough data"
    assert report["sample_size"] == 20 and report["minimum_sample"] == 200
    assert report["window"]["requested"] == 1000 and report["window"]["source"] == "all"


def test_the_training_population_scored_again_has_not_drifted(
    client: TestClient, records: list[dict]
) -> None:
    _score(client, records[:600])
    report = _drift(client)
    assert report["status"] == "ok", report["drifted"]
    assert report["sample_size"] == 600 and report["drifted"] == []
    assert report["probability"]["sample_size"] == 600
    assert report["probability"]["drifted"] is False
    assert {row["name"] for row in report["columns"]} >= {"age", "revenu_mensuel", "poste"}


def test_shifted_traffic_is_flagged_on_the_fields_that_moved(
    client: TestClient, records: list[dict]
) -> None:
    """Overtime for everyone and a salary grid raised by 30 %: both fields flagged, and the
    window (newest first) is only the shifted traffic."""
    _score(client, records[:300])
    shifted = [
        {**record, "heures_supplementaires": True, "revenu_mensuel": record["revenu_mensuel"] * 1.3}
        for record in records[300:700]
    ]
    _score(client, shifted)
    report = _drift(client, window=400)
    assert report["status"] == "alert"
    assert {"heures_supplementaires", "revenu_mensuel"} <= set(report["drifted"])
    assert "age" not in report["drifted"]
    earlier = _drift(client, window=300, until=report["window"]["first"])
    assert earlier["status"] == "ok"


def test_an_employee_scored_many_times_counts_once(client: TestClient, records: list[dict]) -> None:
    _score(client, records[:250])
    _score(client, [records[0]] * 50)
    report = _drift(client)
    assert report["sample_size"] == 250
    assert report["window"]["repeats_dropped"] == 50


def test_the_window_can_be_one_channel(client: TestClient, records: list[dict]) -> None:
    _score(client, records[:250])
    assert _drift(client, source="ui")["sample_size"] == 0
    assert _drift(client, source="api")["sample_size"] == 250


def test_a_window_outside_the_allowed_range_is_a_422(client: TestClient) -> None:
    for window in (0, 50_001):
        response = client.get("/monitoring/drift", params={"window": window}, headers=AUTH)
        assert response.status_code == 422
        assert "window" in response.text
    assert client.get("/monitoring/drift").status_code == 401
