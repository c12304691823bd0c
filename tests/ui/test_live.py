"""The UI driven for real: gradio_client against a live server on loopback, checking what
it shows and what it stored (source `ui`): the public demo as an anonymous visitor, the HR
space signed in."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pandas as pd
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database import training_runs
from database.models import ApiResponse, Employee, EmployeeInput, PredictionResult, Request
from src.fields import Extract
from src.tracing import ui_user_key_hash
from src.ui.components import SCENARIO_FIELDS
from src.ui.form import FIELD_NAMES
from tests.conftest import DATA_DIR, EMPLOYEE_1
from tests.live_server import LIVE_TOKEN, LiveServer
from tests.ui.conftest import HR_USER, join_event, write_csv

#: Each audience's API: every event that has a name. Anything else is the page's plumbing.
PUBLIC_ENDPOINTS = {"/predict", "/simulate", "/score_batch", "/score_extracts"}
HR_ENDPOINTS = PUBLIC_ENDPOINTS | {
    "/employee",
    "/predict_employee",
    "/history",
    "/history_export",
    "/trace",
    "/surveillance",
    "/model_lifecycle",
    "/workforce",
    "/workforce_export",
}
#: The page's own plumbing: reachable by the browser, not an API.
PUBLIC_PLUMBING = {"fill_levers", "remember", "remember_batch", "on_load"}
HR_PLUMBING = {
    *("open_in_form", "fill_levers", "pick_trace", "open_trace", "compare", "on_load"),
    *("show", "open_employee"),
}
PROFILES = json.loads((DATA_DIR / "demo_profiles.json").read_text("utf-8"))["profiles"]


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Iterator[Client]:
    """An anonymous visitor of the public demo."""
    yield Client(live.url, verbose=False, download_files=False)


@pytest.fixture(scope="module")
def hr(live: LiveServer) -> Iterator[Client]:
    """A signed-in HR user of the HR space."""
    yield Client(f"{live.base_url}/rh/", auth=HR_USER, verbose=False, download_files=False)


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


def _handlers(url: str, cookies: httpx.Cookies | None = None) -> dict[str, str]:
    """The events the server runs, by name, and their visibility. The browser-only ones (they
    empty an answer before the next one comes) must have no server side and be private."""
    config = httpx.get(f"{url}config", cookies=cookies).json()
    assert (config["analytics_enabled"], config["run_history"]) == (False, False)
    browser_only = [d for d in config["dependencies"] if not d["backend_fn"]]
    assert browser_only and all(d["js"] and d["api_visibility"] == "private" for d in browser_only)
    return {d["api_name"]: d["api_visibility"] for d in config["dependencies"] if d["backend_fn"]}


def test_the_public_demo_has_only_its_public_events(client: Client, live: LiveServer) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == PUBLIC_ENDPOINTS
    assert not api["unnamed_endpoints"]
    public = {name.strip("/"): "public" for name in PUBLIC_ENDPOINTS}
    assert _handlers(live.url) == public | dict.fromkeys(PUBLIC_PLUMBING, "private")


def test_the_hr_space_has_the_employee_and_history_events(hr: Client) -> None:
    api = hr.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == HR_ENDPOINTS


def test_an_anonymous_visitor_cannot_open_the_hr_space(live: LiveServer) -> None:
    with pytest.raises(ValueError, match="credentials were not provided"):
        Client(f"{live.base_url}/rh/", verbose=False)
    for path in ("config", "gradio_api/info", "gradio_api/queue/join"):
        answered = httpx.request(
            "POST" if path.endswith("join") else "GET",
            f"{live.base_url}/rh/{path}",
            json={"data": [1], "fn_index": 0, "session_hash": "x"},
        )
        assert answered.status_code == 401, path


def test_a_wrong_password_opens_nothing_and_every_sign_in_is_audited(live: LiveServer) -> None:
    with pytest.raises(ValueError):
        Client(f"{live.base_url}/rh/", auth=(HR_USER[0], "guess"), verbose=False)
    Client(f"{live.base_url}/rh/", auth=HR_USER, verbose=False)
    attempts = [
        (row.status_code, row.method, row.source)
        for row in _audited_reads(live, "/rh/login")
        if row.client_key_hash == ui_user_key_hash(HR_USER[0])
    ]
    assert (400, "POST", "ui") in attempts and (200, "POST", "ui") in attempts  # as answered
    with Session(live.engine) as session:  # the password is nowhere in the trail
        bodies = session.scalars(select(ApiResponse.body)).all()
    assert not any(HR_USER[1] in str(body) or "guess" in str(body) for body in bodies)


def test_no_event_of_the_public_page_returns_a_stored_employee(live: LiveServer) -> None:
    """Every event of the page, plumbing included, called by its index as a script would."""
    config = httpx.get(f"{live.url}config").json()
    for dependency in config["dependencies"]:
        said = join_event(live.url, dependency["api_name"], [1] * len(dependency["inputs"]))
        assert "n° 1 —" not in said and "quitté" not in said, dependency["api_name"]
        assert "Traceback" not in said and "/work/" not in said


def test_a_server_file_named_in_place_of_an_upload_is_refused(live: LiveServer) -> None:
    server_file = {"path": str(DATA_DIR / "extrait_sirh.csv"), "meta": {"_type": "gradio.FileData"}}
    said = join_event(live.url, "score_batch", [server_file])
    assert said.startswith("403 ")  # refused at the gate: nothing of it is read
    assert "id_employee" not in said and "extrait_sirh" not in said and "colonnes" not in said


def test_the_form_shows_the_prediction_and_stores_it_as_a_ui_call(
    client: Client, live: LiveServer
) -> None:
    summary, chart, raw, _ = client.predict(*_form(), api_name="/predict")
    assert "### Risque de départ\n" in summary
    assert "**55 %**" in summary
    assert chart["data"][0][:2] == ["Heures supplémentaires — Oui", 21.9]  # points of risk
    assert "Heures supplémentaires — Oui : augmente le risque d'environ 22 points." in summary
    assert raw["prediction"] == "Part"
    request = _request(live, raw["prediction_id"])
    assert (request.source, request.route, request.status_code) == ("ui", "/ui/predict", 200)
    assert request.client_key_hash is None


def test_numbers_typed_the_french_way_are_read_as_a_french_person_means_them(
    client: Client, live: LiveServer
) -> None:
    """`5 993,5` is 5993.5 (the browser's number box made 59935 of it); `4,1` years old is
    refused in French, never read as 41."""
    *_, raw, _ = client.predict(*_form(revenu_mensuel="5 993,5"), api_name="/predict")
    with Session(live.engine) as session:
        stored = session.scalar(
            select(EmployeeInput.payload)
            .join(PredictionResult, PredictionResult.input_id == EmployeeInput.id)
            .where(PredictionResult.id == raw["prediction_id"])
        )
    assert stored["revenu_mensuel"] == 5993.5
    with pytest.raises(AppError, match=r"Âge : 4,1 n'est pas un nombre entier"):
        client.predict(*_form(age="4,1"), api_name="/predict")


def test_an_anonymous_file_files_no_prediction_under_a_stored_employee(
    client: Client, hr: Client, live: LiveServer
) -> None:
    """The public demo cannot write into an employee's history (nor into the live quality,
    which reads an employee's newest prediction); the HR space can."""
    lot = write_csv(
        Path(live.engine.url.database).parent / "ids.csv", [{**EMPLOYEE_1, "id_employee": 2}]
    )
    for visitor in (client, hr):
        visitor.predict(handle_file(str(lot)), api_name="/score_batch")
    with Session(live.engine) as session:
        filed = session.execute(
            select(Request.client_key_hash, EmployeeInput.id_employee)
            .join(EmployeeInput, EmployeeInput.request_id == Request.id)
            .where(Request.route == "/ui/batch")
            .order_by(Request.received_at.desc())
            .limit(2)
        ).all()
    assert sorted(filed, key=lambda row: row[0] is None) == [
        (ui_user_key_hash(HR_USER[0]), 2),
        (None, None),
    ]


def _public_counts(live: LiveServer) -> dict[tuple[str, frozenset], float]:
    """What anyone reads that counts calls' content: the public scrape's counters (not HTTP
    traffic, the same for any click, nor the process) and /health's window."""
    text = httpx.get(f"{live.base_url}/metrics").text
    counts = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("attrition_")
        and not sample.name.startswith("attrition_http_")
        and sample.name.endswith(("_total", "_count", "_sum"))
    }
    counts[("health_latency_count", frozenset())] = httpx.get(f"{live.base_url}/health").json()[
        "latency"
    ]["count"]
    return counts


def test_a_ui_answer_at_risk_looks_like_any_other_from_outside(
    client: Client, live: LiveServer
) -> None:
    """An answer at risk brings its levers (a second scoring): no public figure may move
    differently for it than for an answer without risk."""
    moves = []
    for form in (_form(), _form(heures_supplementaires=False, age=50)):
        before = _public_counts(live)
        client.predict(*form, api_name="/predict")
        after = _public_counts(live)
        moves.append({key: after[key] - before.get(key, 0.0) for key in after})
    assert moves[0] == moves[1]


def test_an_employee_at_risk_gets_the_levers_that_lower_it_traced(
    client: Client, live: LiveServer
) -> None:
    """Each lever alone, most effective first, and the fewest changes under the threshold:
    answers of the audit trail (route /ui/levers), never a change of who the person is."""
    *_, suggested = client.predict(*_form(), api_name="/predict")
    rows = [line for line in suggested.splitlines() if line.startswith("| ") and "%" in line]
    assert rows[0] == "| Mettre fin aux heures supplémentaires | 18 % | −37,3 points |"
    assert len(rows) == 8 and all("−" in row for row in rows)
    assert "**Le moins de changements pour passer sous le seuil** : Mettre fin aux heures" in (
        suggested
    )
    assert not any(word in suggested for word in ("Âge", "Genre", "Statut marital"))
    [levers] = _calls(live, "/ui/levers")[-1:]
    assert levers.predictions == 1 + 8 + 1  # as they are, each lever alone, the combination
    with Session(live.engine) as session:
        ids = session.scalars(
            select(EmployeeInput.id_employee).where(EmployeeInput.request_id == levers.request.id)
        ).all()
    assert set(ids) == {None}  # scenarios: never an employee's own prediction
    *_, none = client.predict(*_form(heures_supplementaires=False, age=50), api_name="/predict")
    assert none == ""  # no risk identified: nothing to suggest


def test_an_inconsistent_form_is_refused_with_the_rule_and_recorded(
    client: Client, live: LiveServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """Refused in French under a French title; recorded in the audit trail, and not written
    to the log as a traceback that would quote what the person typed."""
    predictions = _count(live, PredictionResult)
    french = r"Années dans le poste actuel : 7 dépasse Années dans l'entreprise \(6\)"
    with pytest.raises(AppError, match=french) as refused:
        client.predict(*_form(annees_dans_le_poste_actuel=7), api_name="/predict")
    assert refused.value.title == "Saisie invalide"
    logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err
    assert _count(live, PredictionResult) == predictions
    with Session(live.engine) as session:
        request, body = session.execute(  # the newest refusal of the form: this one
            select(Request, ApiResponse.body)
            .join(ApiResponse, ApiResponse.request_id == Request.id)
            .where(Request.status_code == 422, Request.route == "/ui/predict")
            .order_by(Request.received_at.desc())
            .limit(1)
        ).one()
    assert (request.route, request.error) == ("/ui/predict", "invalid request")
    assert "must not exceed" in body["errors"][0]["message"]


@dataclass(frozen=True)
class _Call:
    request: Request
    predictions: int


def _calls(live: LiveServer, route: str) -> list[_Call]:
    """The traced calls of a route, oldest first, with how many predictions each stored."""
    with Session(live.engine) as session:
        rows = session.execute(
            select(Request, func.count(PredictionResult.id))
            .join(EmployeeInput, EmployeeInput.request_id == Request.id)
            .join(PredictionResult, PredictionResult.input_id == EmployeeInput.id)
            .where(Request.route == route)
            .group_by(Request.id)
            .order_by(Request.received_at)
        ).all()
    return [_Call(request, count) for request, count in rows]


def _audited_reads(live: LiveServer, route: str) -> list[Request]:
    with Session(live.engine) as session:
        return list(session.scalars(select(Request).where(Request.route == route)))


def test_a_stored_employee_is_shown_and_predicted_in_one_click(
    hr: Client, live: LiveServer
) -> None:
    known, record = hr.predict(1, api_name="/employee")
    assert known == "**A quitté l'entreprise**"
    assert ["Âge", "41"] in record["data"]
    [read] = _audited_reads(live, "/rh/employee/1")
    assert (read.source, read.method, read.status_code) == ("ui", "GET", 200)
    assert read.client_key_hash == ui_user_key_hash(HR_USER[0])
    summary, _, raw, _ = hr.predict(1, api_name="/predict_employee")
    assert "55 %" in summary
    assert "Nombre d'employeurs précédents — 8 : augmente le risque d'environ 19 points" in summary
    stored = _request(live, raw["prediction_id"])
    assert (stored.source, stored.route) == ("ui", "/ui/employee")
    assert stored.client_key_hash == ui_user_key_hash(HR_USER[0])  # attributed to the user


def test_the_workforce_view_scores_every_present_employee_and_follows_hr_s_reports(
    hr: Client, live: LiveServer
) -> None:
    """The page an HR manager opens first: every employee still present scored by the model
    that answers, the groups adding up, who is at risk and why; an employee HR reports as
    gone (`POST /outcomes`) leaves it at the next read; each read audited."""
    with Session(live.engine) as session:
        present = session.scalar(
            select(func.count()).select_from(Employee).where(~Employee.a_quitte_l_entreprise)
        )
    version = httpx.get(f"{live.base_url}/health").json()["model"]["version"]
    summary, departments, jobs, ages, at_risk = hr.predict("", api_name="/workforce")
    assert f"sur {present:,}".replace(",", " ") in summary and f"`{version}`" in summary
    for table in (departments, jobs, ages):
        assert sum(row[1] for row in table["data"]) == present
        assert sum(row[2] for row in table["data"]) == len(at_risk["data"])
    assert at_risk["headers"][0] == "n° salarié" and at_risk["data"]
    first = at_risk["data"][0]
    assert first[4] == max(row[4] for row in at_risk["data"]) and "(+" in first[5]

    reported = httpx.post(
        f"{live.base_url}/outcomes",
        json={"id_employee": first[0], "left": True, "date": "2026-11-30"},
        headers={"Authorization": f"Bearer {LIVE_TOKEN}"},
    )
    assert reported.status_code == 201, reported.text
    summary, *_, at_risk = hr.predict("", api_name="/workforce")
    assert f"sur {present - 1:,}".replace(",", " ") in summary
    assert first[0] not in [row[0] for row in at_risk["data"]]

    *_, found = hr.predict("commercial heures", api_name="/workforce")
    assert found["data"] and len(found["data"]) < len(at_risk["data"])
    assert all(
        row[1] == "Commercial" and "Heures supplémentaires" in row[5] for row in found["data"]
    )

    download = hr.predict(api_name="/workforce_export")
    exported = Path(download["value"]["path"])
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")  # French Excel reads it as UTF-8
    frame = pd.read_csv(exported, sep=";", encoding="utf-8-sig", decimal=",")
    assert len(frame) == present - 1 and set(frame["modèle"]) == {version}
    riskiest = max(row[4] for row in at_risk["data"])
    assert frame["probabilité (%)"].max() == pytest.approx(riskiest, abs=0.51)
    assert [r.status_code for r in _audited_reads(live, "/rh/workforce")] == [200, 200, 200]
    assert [r.status_code for r in _audited_reads(live, "/rh/workforce/export")] == [200]


@pytest.mark.parametrize("chosen", [99999, "abc", 2**63])
def test_an_unknown_or_malformed_employee_gets_a_message(hr: Client, chosen: object) -> None:
    with pytest.raises(AppError, match="Salarié inconnu|n'est pas un numéro"):
        hr.predict(chosen, api_name="/predict_employee")


def test_an_unknown_employee_read_is_audited_as_a_404(hr: Client, live: LiveServer) -> None:
    with pytest.raises(AppError, match="Salarié inconnu"):
        hr.predict(99998, api_name="/employee")
    [read] = _audited_reads(live, "/rh/employee/99998")
    assert read.status_code == 404 and "Salarié inconnu" in read.error


def test_a_scenario_is_compared_with_the_employee_as_they_are(hr: Client, live: LiveServer) -> None:
    levers = {name: EMPLOYEE_1[name] for name in SCENARIO_FIELDS}
    levers["heures_supplementaires"] = False
    comparison, changed, suggested = hr.predict(1, *levers.values(), api_name="/simulate")
    assert "| Décision | Risque de départ |" in comparison
    assert "baisse" in comparison
    assert changed == "Leviers modifiés : Heures supplémentaires"
    assert "| Mettre fin aux heures supplémentaires | 18 % | −37,3 points |" in suggested
    [simulation] = _calls(live, "/ui/simulation")
    assert simulation.predictions == 2  # both scored in one traced call


def test_a_scenario_on_a_demo_profile_needs_no_stored_employee(client: Client) -> None:
    profile = PROFILES[0]
    levers = {name: profile["record"][name] for name in SCENARIO_FIELDS}
    levers["heures_supplementaires"] = False
    comparison, changed, _ = client.predict(profile["name"], *levers.values(), api_name="/simulate")
    assert "Situation actuelle" in comparison
    assert changed == "Leviers modifiés : Heures supplémentaires"


def test_a_public_scenario_cannot_start_from_a_stored_employee(client: Client) -> None:
    levers = [EMPLOYEE_1[name] for name in SCENARIO_FIELDS]
    with pytest.raises(AppError):  # not one of the picker's choices: Gradio refuses it
        client.predict(1, *levers, api_name="/simulate")


def test_a_simulation_without_a_profile_or_with_a_lever_out_of_range_says_so_in_french(
    client: Client,
) -> None:
    """Before, Gradio's own bounds answered first, in English (`Value 0 is less than minimum
    value 100.`); the widgets have no bounds now, the record's validation words it."""
    profile = PROFILES[0]
    levers = {name: profile["record"][name] for name in SCENARIO_FIELDS} | {"revenu_mensuel": 0}
    with pytest.raises(AppError, match="Choisissez un profil de démonstration"):
        client.predict(None, *levers.values(), api_name="/simulate")
    expected = r"Revenu mensuel \(€\) : 0 est hors des valeurs permises \(autorisé : de 100 à"
    with pytest.raises(AppError, match=expected):
        client.predict(profile["name"], *levers.values(), api_name="/simulate")


def test_an_out_of_range_form_value_is_refused_in_french(client: Client) -> None:
    french = r"Âge : 10 est hors des valeurs permises \(autorisé : de 16 à 75\)"
    with pytest.raises(AppError, match=french):
        client.predict(*_form(age=10), api_name="/predict")


def test_a_batch_file_is_scored_sorted_by_risk_and_downloadable(
    client: Client, live: LiveServer, tmp_path: Path
) -> None:
    calm = {**EMPLOYEE_1, "heures_supplementaires": "Non", "satisfaction_employee_equipe": 4}
    rows = [calm, {**EMPLOYEE_1, "heures_supplementaires": "Oui"}]
    status, table, errors, download = client.predict(
        handle_file(str(write_csv(tmp_path / "lot.csv", rows))), api_name="/score_batch"
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
        handle_file(str(write_csv(tmp_path / "faux.csv", rows))), api_name="/score_batch"
    )
    assert "1 erreur(s)" in status
    assert table["data"] == []
    refused = "« X » n'est pas une des valeurs proposées"
    assert errors["data"][0][:3] == [3, "Genre (genre)", refused]
    assert download["visible"] is False
    assert _count(live, PredictionResult) == predictions
    with Session(live.engine) as session:
        recorded = session.scalars(select(Request).where(Request.route == "/ui/batch")).all()
    assert [r.status_code for r in recorded if r.error] == [422]


def test_history_lists_ui_predictions_and_opens_a_trace(
    client: Client, hr: Client, live: LiveServer
) -> None:
    _, _, raw, _ = client.predict(*_form(age=50), api_name="/predict")
    status, table = hr.predict("ui", "Part", "", "", "1", api_name="/history")
    assert status.startswith("Page 1 sur ")
    ids = [row[-1] for row in table["data"]]
    assert raw["prediction_id"] in ids
    assert {row[1] for row in table["data"]} == {"ui"}
    trace = hr.predict(raw["prediction_id"], api_name="/trace")
    assert [r.status_code for r in _audited_reads(live, f"/rh/trace/{raw['prediction_id']}")] == [
        200
    ]
    assert trace["input"]["age"] == 50
    assert trace["request"]["source"] == "ui"
    assert trace["response"]["sent"]["probability"] == raw["probability"]


def test_history_pages_beyond_a_hundred_rows_in_paris_time_and_exports_for_excel(
    client: Client, hr: Client, live: LiveServer
) -> None:
    """Every stored prediction can be reached, page by page; times read in Europe/Paris;
    the export holds every row of the filters for French Excel; an audited read each."""
    for _ in range(3):  # 150 more predictions, whatever the other tests stored
        client.predict(handle_file(str(_lot(live))), api_name="/score_batch")
    status, first = hr.predict("Tous", "Tous", "", "", "1", api_name="/history")
    total = int(status.split("— ")[1].split(" ")[0].replace("\u202f", "").replace(" ", ""))
    assert total >= 150 and status.startswith(f"Page 1 sur {-(-total // 100)}")
    _, second = hr.predict("Tous", "Tous", "", "", "2", api_name="/history")
    assert len(first["data"]) == 100 and len(second["data"]) == min(100, total - 100)
    assert not {row[-1] for row in first["data"]} & {row[-1] for row in second["data"]}
    assert first["headers"][0] == "date (Europe/Paris)"
    stored = _request(live, first["data"][0][-1]).received_at.replace(tzinfo=UTC)
    shown = datetime.strptime(first["data"][0][0], "%d/%m/%Y %H:%M:%S")
    assert shown.replace(tzinfo=ZoneInfo("Europe/Paris")) - stored < timedelta(seconds=2)
    download = hr.predict("Tous", "Tous", "", "", api_name="/history_export")
    exported = Path(download["value"]["path"])
    frame = pd.read_csv(exported, sep=";", encoding="utf-8-sig")
    assert len(frame) == total and exported.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [r.status_code for r in _audited_reads(live, "/rh/history/export")] == [200]


@pytest.mark.parametrize(
    ("since", "page", "refusal"),
    [
        ("32/13/2026", "1", "« 32/13/2026 » n'est pas une date lisible"),
        ("", "zéro", "n'est pas un numéro de page"),
        ("", "0", "n'est pas un numéro de page"),
    ],
)
def test_history_says_which_filter_it_cannot_read(
    hr: Client, since: str, page: str, refusal: str
) -> None:
    with pytest.raises(AppError, match=refusal):
        hr.predict("Tous", "Tous", since, "", page, api_name="/history")


def _lot(live: LiveServer) -> Path:
    """A 50-employee CSV in the live server's folder (removed with it)."""
    path = Path(live.engine.url.database).parent / "lot-50.csv"
    return write_csv(path, [{**EMPLOYEE_1, "age": 20 + i % 40} for i in range(50)])


def test_the_raw_extracts_are_scored_for_every_employee_linked_by_id(
    hr: Client, live: LiveServer
) -> None:
    """In the HR space: each prediction filed under the employee's number."""
    files = [handle_file(str(DATA_DIR / extract.value)) for extract in Extract]
    status, table, errors, download = hr.predict(files, api_name="/score_extracts")
    assert status.startswith("**1470 salariés prédits")
    assert len(table["data"]) == 1470
    probabilities = [
        0 if row[3] == "moins de 1 %" else int(row[3].removesuffix(" %")) for row in table["data"]
    ]
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


def test_the_model_tab_shows_the_registry_and_a_training_under_way(
    hr: Client, live: LiveServer
) -> None:
    progress, runs, versions, _ = hr.predict(api_name="/model_lifecycle")
    assert "Aucun entraînement en cours" in progress and runs["data"] == []
    [served] = versions["data"]
    assert served[:3] == ["1.0.0", "champion (en service)", "oui"]
    assert served[4] == "extraits RH"
    with Session(live.engine) as session:
        run_id = training_runs.create(session, {"candidates": ["dummy"]}, None, None).id
    stage = "cross-validating the champion 1.0.0"
    training_runs.report(
        live.engine, run_id, status="running", progress_done=3, progress_total=12, stage=stage
    )
    in_french = "validation croisée du champion 1.0.0"
    try:
        progress, runs, _, timer = hr.predict(api_name="/model_lifecycle")
        assert '<progress max="1" value="0.250"' in progress
        assert f"{in_french} (3 / 12)" in progress
        assert runs["data"][0][1:4] == ["en cours", "3 / 12", in_french]
        assert timer["active"] is True  # refreshes itself while the run goes on
    finally:
        training_runs.finish(live.engine, run_id, None, "stopped by the test")
    progress, runs, _, timer = hr.predict(api_name="/model_lifecycle")
    assert "Aucun entraînement en cours" in progress and timer["active"] is False
    assert runs["data"][0][1] == "échoué" and "stopped by the test" in runs["data"][0][4]
    reads = _audited_reads(live, "/rh/models")
    assert reads and {(r.method, r.status_code) for r in reads} == {("GET", 200)}
