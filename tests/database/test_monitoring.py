"""GET /monitoring/performance on SQLite and PostgreSQL: live quality of the predictions an
outcome names, against the training figures; "not enough data" below the minimum sample."""

from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi.testclient import TestClient

from src.artifacts import LoadedModel
from src.monitoring.quality import MINIMUM_SAMPLE, live_quality
from tests.database.conftest import TOKEN

AUTH = {"X-API-Key": TOKEN}


def test_with_few_outcomes_the_report_says_not_enough_data(client: TestClient) -> None:
    report = client.get("/monitoring/performance", headers=AUTH).json()
    assert report["status"] == "not enough data"
    assert report["minimum"] == MINIMUM_SAMPLE


def test_the_report_measures_the_predictions_that_outcomes_name(client: TestClient) -> None:
    """The stored employees' own predictions, with the outcomes the extracts know posted
    back: the model ranks its training population well, so the live ROC-AUC is high."""
    outcomes: list[dict] = []
    id_employee = 0
    while len(outcomes) < 120:  # the extracts' ids have gaps
        id_employee += 1
        employee = client.get(f"/employees/{id_employee}", headers=AUTH)
        if employee.status_code == 404:
            continue
        predicted = client.post(f"/employees/{id_employee}/predict", headers=AUTH).json()
        outcomes.append(
            {
                "id_employee": id_employee,
                "left": employee.json()["a_quitte_l_entreprise"],
                "date": "2026-11-30",
                "prediction_id": predicted["prediction_id"],
            }
        )
    posted = client.post("/outcomes/batch", json={"outcomes": outcomes}, headers=AUTH)
    assert posted.status_code == 201
    report = client.get("/monitoring/performance", headers=AUTH).json()
    assert report["status"] == "ok" and report["sample_size"] == 120
    assert report["left"] == sum(o["left"] for o in outcomes)
    auc = report["metrics"]["roc_auc"]
    assert auc["value"] > 0.75
    low, high = auc["interval_95"]
    assert low <= auc["value"] <= high
    assert auc["training_cv"]["mean"] > 0.8
    assert [band["risk_level"] for band in report["calibration"]] == ["faible", "moyen", "élevé"]
    assert sum(band["count"] for band in report["calibration"]) == 120
    only_ui = client.get("/monitoring/performance", params={"source": "ui"}, headers=AUTH)
    assert only_ui.json()["sample_size"] == 0  # all were made through the API


def test_the_report_needs_both_kinds_of_outcome(shipped: LoadedModel) -> None:
    report = live_quality([0.2] * 80, [False] * 80, shipped.metadata)
    assert report["status"] == "not enough data"


def test_a_useless_model_gets_an_interval_around_one_half(shipped: LoadedModel) -> None:
    rng = np.random.default_rng(7)
    left = rng.random(400) < 0.2
    report = live_quality(rng.random(400).tolist(), left.tolist(), shipped.metadata)
    low, high = report["metrics"]["roc_auc"]["interval_95"]
    assert low < 0.5 < high
    assert report["status"] == "alert"  # its whole interval is below the training range
    assert any(alert.startswith("roc_auc: live 95 % interval") for alert in report["alerts"])


def test_a_model_as_good_as_in_training_raises_no_alert(shipped: LoadedModel) -> None:
    rng = np.random.default_rng(8)
    left = rng.random(600) < 0.2
    scores = np.clip(np.where(left, 0.45, 0.12) + rng.normal(0, 0.12, 600), 0.001, 0.999)
    report = live_quality(scores.tolist(), left.tolist(), shipped.metadata)
    assert report["metrics"]["roc_auc"]["value"] > 0.8
    assert report["status"] == "ok" and report["alerts"] == []


def test_an_outcome_without_prediction_id_measures_the_employees_latest_prediction(
    client: TestClient,
) -> None:
    """Reported by employee only: each is matched to that employee's newest prediction made
    no later than the outcome's date; the extracts' own outcomes are never counted."""
    outcomes, predicted = [], {}
    id_employee = 0
    while len(outcomes) < 60:
        id_employee += 1
        employee = client.get(f"/employees/{id_employee}", headers=AUTH)
        if employee.status_code == 404:
            continue
        client.post(f"/employees/{id_employee}/predict", headers=AUTH)  # older: not counted
        predicted[id_employee] = client.post(
            f"/employees/{id_employee}/predict", headers=AUTH
        ).json()["probability"]
        left = employee.json()["a_quitte_l_entreprise"]
        outcomes.append(
            {"id_employee": id_employee, "left": left, "date": datetime.now(UTC).date().isoformat()}
        )
    assert (
        client.post("/outcomes/batch", json={"outcomes": outcomes}, headers=AUTH).status_code == 201
    )
    report = client.get("/monitoring/performance", headers=AUTH).json()
    assert report["sample_size"] == 60  # one per employee, not 120, not the 1,470 of the extracts
    assert report["left"] == sum(o["left"] for o in outcomes)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    late = [{"id_employee": 1, "left": True, "date": yesterday}]  # before any prediction
    client.post("/outcomes/batch", json={"outcomes": late}, headers=AUTH)
    assert client.get("/monitoring/performance", headers=AUTH).json()["sample_size"] == 59
