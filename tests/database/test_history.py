"""Prediction history over HTTP, on SQLite and PostgreSQL: newest first, paged, filtered, and
the full trace of one prediction."""

import hashlib
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from fastapi.testclient import TestClient

from src.schemas import Prediction, prediction_body
from tests.conftest import EMPLOYEE_1
from tests.database.conftest import TOKEN

AUTH = {"X-API-Key": TOKEN}


@pytest.fixture
def made(client: TestClient, records: list[dict]) -> list[dict]:
    """Seven predictions, oldest first: one single, a batch of five, one stored employee."""
    single = client.post("/predict", json=EMPLOYEE_1, headers=AUTH).json()
    batch = client.post("/predict/batch", json={"employees": records[1:6]}, headers=AUTH).json()
    stored = client.post("/employees/1/predict", headers=AUTH).json()
    return [single, *batch["predictions"], stored]


def _history(client: TestClient, **params: object) -> dict:
    response = client.get("/predictions", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def test_history_lists_newest_first(client: TestClient, made: list[dict]) -> None:
    page = _history(client)
    assert page["total"] == 7
    assert page["items"][0]["prediction_id"] == made[-1]["prediction_id"]
    assert page["items"][-1]["prediction_id"] == made[0]["prediction_id"]
    times = [item["created_at"] for item in page["items"]]
    assert times == sorted(times, reverse=True)


def test_history_pages_cover_every_prediction_once(client: TestClient, made: list[dict]) -> None:
    pages = [_history(client, page=n, page_size=3) for n in (1, 2, 3)]
    ids = [item["prediction_id"] for page in pages for item in page["items"]]
    assert [len(page["items"]) for page in pages] == [3, 3, 1]
    assert sorted(ids) == sorted(p["prediction_id"] for p in made)


def test_history_filters_by_label(client: TestClient, made: list[dict]) -> None:
    leaving = {p["prediction_id"] for p in made if p["prediction"] == "Part"}
    page = _history(client, label="Part")
    assert {item["prediction_id"] for item in page["items"]} == leaving
    assert page["total"] == len(leaving)


def test_history_filters_by_employee_and_source(client: TestClient, made: list[dict]) -> None:
    # the single /predict sends employee 1's record without its id: only the stored one links
    page = _history(client, id_employee=1)
    assert [item["prediction_id"] for item in page["items"]] == [made[-1]["prediction_id"]]
    assert page["items"][0]["route"] == "/employees/1/predict"
    assert _history(client, source="api")["total"] == 7
    assert _history(client, source="ui")["total"] == 0


def test_history_filters_by_time_range(client: TestClient, made: list[dict]) -> None:
    now = datetime.now(UTC)
    assert _history(client, since=(now - timedelta(minutes=5)).isoformat())["total"] == 7
    assert _history(client, since=(now + timedelta(minutes=5)).isoformat())["total"] == 0
    assert _history(client, until=(now - timedelta(minutes=5)).isoformat())["total"] == 0
    assert len(made) == 7


def test_history_refuses_times_without_an_offset(client: TestClient) -> None:
    response = client.get("/predictions", params={"since": "2026-11-22T10:00:00"}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.since"


def test_trace_of_a_batch_member_has_everything(
    client: TestClient, made: list[dict], records: list[dict]
) -> None:
    answer = made[3]  # third employee of the batch, records[3]
    trace = client.get(f"/predictions/{answer['prediction_id']}", headers=AUTH).json()
    assert trace["request"]["route"] == "/predict/batch" and trace["request"]["position"] == 2
    assert trace["input"]["id_employee"] == records[3]["id_employee"]
    assert set(trace["features"]) >= {"revenu_mensuel_log", "satisfaction_moyenne", "poste"}
    assert trace["result"]["probability"] == answer["probability"]
    assert trace["result"]["explanation"] == answer["explanation"]
    assert trace["model"]["version"] == "1.0.0" and len(trace["model"]["sha256"]) == 64
    assert trace["response"]["status_code"] == 200
    assert trace["response"]["sent"] == answer


def test_trace_rebuilds_the_exact_bytes_that_were_sent(client: TestClient) -> None:
    answered = client.post("/predict", json=EMPLOYEE_1, headers=AUTH)
    trace = client.get(f"/predictions/{answered.json()['prediction_id']}", headers=AUTH).json()
    assert trace["request"]["request_id"] == answered.headers["X-Request-ID"]
    assert orjson.dumps(trace["response"]["sent"]) == answered.content
    assert trace["response"]["body_sha256"] == hashlib.sha256(answered.content).hexdigest()


def test_an_answer_sent_before_the_baseline_existed_is_rebuilt_without_it() -> None:
    """Traces stored by an older release hold no baseline: their rebuilt body must still hash
    to what was sent then."""
    sent_then = {
        "prediction_id": "p",
        "prediction": "Reste",
        "probability": 0.1,
        "threshold": 0.3,
        "risk_level": "faible",
        "model_version": "1.0.0",
        "explanation": [{"feature": "age", "contribution": -0.2}],
    }
    rebuilt = Prediction.model_validate(prediction_body(*sent_then.values(), None))
    assert orjson.dumps(rebuilt.model_dump(mode="json")) == orjson.dumps(sent_then)
    now = Prediction.model_validate(prediction_body(*sent_then.values(), -1.5))
    assert now.model_dump(mode="json") == {**sent_then, "explanation_baseline": -1.5}


def test_batch_answer_is_rebuilt_from_its_members_traces(
    client: TestClient, records: list[dict]
) -> None:
    answered = client.post("/predict/batch", json={"employees": records[:4]}, headers=AUTH)
    traces = [
        client.get(f"/predictions/{p['prediction_id']}", headers=AUTH).json()
        for p in answered.json()["predictions"]
    ]
    rebuilt = orjson.dumps({"predictions": [trace["response"]["sent"] for trace in traces]})
    assert rebuilt == answered.content
    assert {trace["response"]["body_sha256"] for trace in traces} == {
        hashlib.sha256(answered.content).hexdigest()
    }


def test_unknown_prediction_is_a_404(client: TestClient) -> None:
    response = client.get("/predictions/0000", headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {"detail": "no prediction with id 0000"}


def test_history_needs_a_token(client: TestClient) -> None:
    assert client.get("/predictions").status_code == 401
    assert client.get("/predictions/0000").status_code == 401
