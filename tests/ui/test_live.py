"""The UI driven for real: gradio_client against a live server on loopback, checking what
it shows and what it stored (source `ui`)."""

import csv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database.models import ApiResponse, EmployeeInput, PredictionResult, Request
from src.fields import Extract
from src.ui.blocks import SCENARIO_FIELDS
from src.ui.form import FIELD_NAMES
from tests.conftest import DATA_DIR, EMPLOYEE_1
from tests.live_server import LiveServer

#: The UI's public API: every event that has a name. Anything else is the page's plumbing.
PUBLIC_ENDPOINTS = {
    "/predict",
    "/employee",
    "/predict_employee",
    "/simulate",
    "/score_batch",
    "/score_extracts",
    "/history",
    "/trace",
}


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Iterator[Client]:
    yield Client(live.url, verbose=False, download_files=False)


def _form(**overrides: object) -> list[object]:
    return [overrides.get(name, EMPLOYEE_1[name]) for name in FIELD_NAMES]


def _request(live: LiveServer, prediction_id: str) -> Request:
    with Session(live.engine) as session:
        return session.scalars(
            select(Request)
            .join(EmployeeInput, EmployeeInput.request_id == Request.id)
            .join(PredictionResult, PredictionResult.input_id == EmployeeInput.id)
            .where(PredictionResult.id == prediction_id)
        ).one()


def _count(live: LiveServer, model: type) -> int:
    with Session(live.engine) as session:
        return session.scalar(select(func.count()).select_from(model))


#: The page's own plumbing: reachable by the browser, not an API.
PRIVATE_HANDLERS = {"open_in_form", "fill_levers", "pick_trace", "open_trace", "on_load"}


def test_only_the_intended_handlers_are_public(client: Client, live: LiveServer) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == PUBLIC_ENDPOINTS
    assert not api["unnamed_endpoints"]
    config = httpx.get(f"{live.url}config").json()
    handlers = {d["api_name"]: d["api_visibility"] for d in config["dependencies"]}
    assert handlers == {name.strip("/"): "public" for name in PUBLIC_ENDPOINTS} | dict.fromkeys(
        PRIVATE_HANDLERS, "private"
    )
    assert (config["analytics_enabled"], config["run_history"]) == (False, False)


def test_the_form_shows_the_prediction_and_stores_it_as_a_ui_call(
    client: Client, live: LiveServer
) -> None:
    summary, chart, raw = client.predict(*_form(), api_name="/predict")
    assert "Part — risque de départ" in summary
    assert "**55 %**" in summary
    assert chart["data"][0][:1] == ["Heures supplémentaires"]
    assert raw["prediction"] == "Part"
    request = _request(live, raw["prediction_id"])
    assert (request.source, request.route, request.status_code) == ("ui", "/ui/predict", 200)
    assert request.client_key_hash is None


def test_an_inconsistent_form_is_refused_with_the_rule_and_recorded(
    client: Client, live: LiveServer
) -> None:
    predictions = _count(live, PredictionResult)
    with pytest.raises(AppError, match=r"annees_dans_le_poste_actuel \(7\) must not exceed"):
        client.predict(*_form(annees_dans_le_poste_actuel=7), api_name="/predict")
    assert _count(live, PredictionResult) == predictions
    with Session(live.engine) as session:
        rejected = session.execute(
            select(Request, ApiResponse.body)
            .join(ApiResponse, ApiResponse.request_id == Request.id)
            .where(Request.status_code == 422, Request.route == "/ui/predict")
        ).all()
    assert len(rejected) == 1
    request, body = rejected[0]
    assert (request.route, request.error) == ("/ui/predict", "invalid request")
    assert "must not exceed" in body["errors"][0]["message"]


def test_a_stored_employee_is_shown_and_predicted_in_one_click(
    client: Client, live: LiveServer
) -> None:
    known, record = client.predict(1, api_name="/employee")
    assert known == "**A quitté l'entreprise**"
    assert ["Âge", "41"] in record["data"]
    summary, _, raw = client.predict(1, api_name="/predict_employee")
    assert "55 %" in summary
    stored = _request(live, raw["prediction_id"])
    assert (stored.source, stored.route) == ("ui", "/ui/employee")


@pytest.mark.parametrize("chosen", [99999, "abc"])
def test_an_unknown_or_malformed_employee_gets_a_message(client: Client, chosen: object) -> None:
    with pytest.raises(AppError, match="Salarié inconnu|n'est pas un numéro"):
        client.predict(chosen, api_name="/predict_employee")


def test_a_scenario_is_compared_with_the_employee_as_they_are(
    client: Client, live: LiveServer
) -> None:
    levers = {name: EMPLOYEE_1[name] for name in SCENARIO_FIELDS}
    levers["heures_supplementaires"] = False
    requests = _count(live, Request)
    comparison, changed = client.predict(1, *levers.values(), api_name="/simulate")
    assert "| Décision | Part |" in comparison
    assert "baisse" in comparison
    assert changed == "Leviers modifiés : Heures supplémentaires"
    assert _count(live, Request) == requests + 1  # both scored in one traced call


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_batch_file_is_scored_sorted_by_risk_and_downloadable(
    client: Client, live: LiveServer, tmp_path: Path
) -> None:
    calm = {**EMPLOYEE_1, "heures_supplementaires": "Non", "satisfaction_employee_equipe": 4}
    rows = [calm, {**EMPLOYEE_1, "heures_supplementaires": "Oui"}]
    status, table, errors, download = client.predict(
        handle_file(str(_write_csv(tmp_path / "lot.csv", rows))), api_name="/score_batch"
    )
    assert status.startswith("**2 salariés prédits")
    assert [row[0] for row in table["data"]] == [3, 2]  # file lines, riskiest first
    assert errors["data"] == []
    assert download["visible"] is True
    prediction_ids = [row[-1] for row in table["data"]]
    requests = {_request(live, pid).id for pid in prediction_ids}
    assert len(requests) == 1
    assert _request(live, prediction_ids[0]).route == "/ui/batch"


def test_an_invalid_batch_file_is_reported_and_nothing_is_stored(
    client: Client, live: LiveServer, tmp_path: Path
) -> None:
    predictions = _count(live, PredictionResult)
    rows = [EMPLOYEE_1, {**EMPLOYEE_1, "genre": "X"}]
    status, table, errors, download = client.predict(
        handle_file(str(_write_csv(tmp_path / "faux.csv", rows))), api_name="/score_batch"
    )
    assert "1 erreur(s)" in status
    assert table["data"] == []
    assert errors["data"][0][:2] == [3, "genre"]
    assert download["visible"] is False
    assert _count(live, PredictionResult) == predictions
    with Session(live.engine) as session:
        recorded = session.scalars(select(Request).where(Request.route == "/ui/batch")).all()
    assert [r.status_code for r in recorded if r.error] == [422]


def test_history_lists_ui_predictions_and_opens_a_trace(client: Client) -> None:
    _, _, raw = client.predict(*_form(age=50), api_name="/predict")
    table = client.predict("ui", "Part", None, None, api_name="/history")
    ids = [row[-1] for row in table["data"]]
    assert raw["prediction_id"] in ids
    assert {row[1] for row in table["data"]} == {"ui"}
    trace = client.predict(raw["prediction_id"], api_name="/trace")
    assert trace["input"]["age"] == 50
    assert trace["request"]["source"] == "ui"
    assert trace["response"]["sent"]["probability"] == raw["probability"]


def test_the_raw_extracts_are_scored_for_every_employee_linked_by_id(
    client: Client, live: LiveServer
) -> None:
    files = [handle_file(str(DATA_DIR / extract.value)) for extract in Extract]
    status, table, errors, download = client.predict(files, api_name="/score_extracts")
    assert status.startswith("**1470 salariés prédits")
    assert len(table["data"]) == 1470
    probabilities = [row[3] for row in table["data"]]
    assert probabilities == sorted(probabilities, reverse=True)
    request = _request(live, table["data"][0][-1])
    assert request.route == "/ui/extracts"
    with Session(live.engine) as session:
        linked = session.scalar(
            select(func.count())
            .select_from(EmployeeInput)
            .where(EmployeeInput.request_id == request.id, EmployeeInput.id_employee.is_not(None))
        )
    assert linked == 1470
