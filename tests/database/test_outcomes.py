"""POST /outcomes and /outcomes/batch on SQLite and PostgreSQL: what really happened to an
employee, validated, stored all or nothing, linked to the call that recorded it (itself in
`requests`), and the outcomes the HR extracts already know, loaded once."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from database.load_employees import load_employees
from database.models import Outcome, Request
from tests.conftest import DATA_DIR
from tests.database.conftest import TOKEN

AUTH = {"X-API-Key": TOKEN}
OUTCOME = {"id_employee": 5, "left": True, "date": "2026-11-30"}


def _outcomes(engine: Engine, **where: Any) -> list[Outcome]:
    with Session(engine) as session:
        query = select(Outcome).filter_by(**where).order_by(Outcome.recorded_at)
        return list(session.scalars(query))


def test_an_outcome_is_stored_with_the_call_that_recorded_it(
    client: TestClient, engine: Engine
) -> None:
    answered = client.post("/outcomes", json=OUTCOME, headers=AUTH)
    assert answered.status_code == 201
    body = answered.json()
    assert body["request_id"] == answered.headers["X-Request-ID"]
    [stored] = _outcomes(engine, id=body["outcome_id"])
    assert (stored.id_employee, stored.left, stored.outcome_date.isoformat()) == (
        5,
        True,
        "2026-11-30",
    )
    assert (stored.source, stored.request_id, stored.prediction_id) == (
        "api",
        body["request_id"],
        None,
    )
    with Session(engine) as session:
        call = session.get(Request, body["request_id"])
    assert (call.route, call.status_code) == ("/outcomes", 201)


def test_an_outcome_names_the_prediction_it_answers(
    client: TestClient, engine: Engine, make_employee: Any
) -> None:
    predicted = client.post("/predict", json=make_employee(), headers=AUTH).json()
    outcome = {**OUTCOME, "prediction_id": predicted["prediction_id"]}
    answered = client.post("/outcomes", json=outcome, headers=AUTH)
    assert answered.status_code == 201
    [stored] = _outcomes(engine, id=answered.json()["outcome_id"])
    assert stored.prediction_id == predicted["prediction_id"]


def test_a_batch_is_stored_in_order_or_not_at_all(client: TestClient, engine: Engine) -> None:
    batch = [{**OUTCOME, "id_employee": i, "left": i % 2 == 0} for i in (10, 11, 12)]
    answered = client.post("/outcomes/batch", json={"outcomes": batch}, headers=AUTH)
    assert answered.status_code == 201
    ids = [o["outcome_id"] for o in answered.json()["outcomes"]]
    assert [_outcomes(engine, id=i)[0].id_employee for i in ids] == [10, 11, 12]
    unknown = "01a23572-84ab-79ec-97f8-7d3038d0abe5"
    before = len(_outcomes(engine, source="api"))
    refused = client.post(
        "/outcomes/batch",
        json={"outcomes": [OUTCOME, {**OUTCOME, "prediction_id": unknown}]},
        headers=AUTH,
    )
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "outcomes.1.prediction_id"
    assert len(_outcomes(engine, source="api")) == before  # nothing of it stored


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"left": "true"}, "left"),
        ({"left": 1}, "left"),
        ({"date": 1764460800}, "date"),
        ({"date": "30/11/2026"}, "date"),
        ({"date": "2999-01-01"}, "date"),
        ({"date": "1900-01-01"}, "date"),
        ({"id_employee": 0}, "id_employee"),
        ({"id_employee": 2**31}, "id_employee"),
        ({"prediction_id": "not-an-id"}, "prediction_id"),
        ({"salary": 1}, "salary"),
    ],
    ids=repr,
)
def test_an_invalid_outcome_is_refused_naming_its_field(
    client: TestClient, engine: Engine, change: dict, field: str
) -> None:
    before = len(_outcomes(engine, source="api"))
    answered = client.post("/outcomes", json={**OUTCOME, **change}, headers=AUTH)
    assert answered.status_code == 422
    assert field in [error["field"] for error in answered.json()["errors"]]
    assert len(_outcomes(engine, source="api")) == before


def test_outcomes_need_a_token(client: TestClient) -> None:
    assert client.post("/outcomes", json=OUTCOME).status_code == 401


def test_the_extracts_known_outcomes_are_loaded_once(client: TestClient, engine: Engine) -> None:
    assert client.get("/health/live").status_code == 200  # started: employees loaded
    assert load_employees(engine, DATA_DIR) == 0  # a second load adds nothing
    with Session(engine) as session:
        known = session.scalar(
            select(func.count()).select_from(Outcome).where(Outcome.source == "dataset")
        )
        left = session.scalar(
            select(func.count())
            .select_from(Outcome)
            .where(Outcome.source == "dataset", Outcome.left.is_(True))
        )
    assert (known, left) == (1470, 237)
