"""The TechNova employees in the database: loaded once, read by id, predicted for, traced."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from database.engine import create_database_engine, resolve_database_url
from database.load_employees import load_employees
from database.migrate import upgrade
from database.models import Employee, EmployeeInput, PredictionResult, Request
from tests.conftest import DATA_DIR, EMPLOYEE_1
from tests.database.conftest import TOKEN, clean_postgres

AUTH = {"X-API-Key": TOKEN}


def test_loader_stores_every_employee_once_however_often_it_runs(engine: Engine) -> None:
    upgrade(engine)
    assert load_employees(engine, DATA_DIR) == 1470
    assert load_employees(engine, DATA_DIR) == 0
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 1470
        employee = session.get(Employee, 1)
        leavers = session.scalar(select(func.count()).where(Employee.a_quitte_l_entreprise))
    assert employee.record == EMPLOYEE_1 and employee.a_quitte_l_entreprise is True
    assert leavers == 237


@pytest.mark.postgres
def test_replicas_starting_together_migrate_and_load_once(postgres_url: str | None) -> None:
    """Replicas share a PostgreSQL database (SQLite serves the single-process deployment)."""
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    clean_postgres(postgres_url)
    engine = create_database_engine(resolve_database_url(postgres_url))

    def start() -> None:  # what each replica's start-up does to the database
        upgrade(engine)
        load_employees(engine, DATA_DIR)

    with ThreadPoolExecutor(max_workers=3) as replicas:
        for started in [replicas.submit(start) for _ in range(3)]:
            started.result(timeout=120)  # re-raises a replica's failure
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 1470
    engine.dispose()


def test_app_start_loads_the_employees(client: TestClient) -> None:
    body = client.get("/employees/1", headers=AUTH).json()
    assert body == {"id_employee": 1, "record": EMPLOYEE_1, "a_quitte_l_entreprise": True}


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_employee_is_a_404_naming_the_id(client: TestClient, method: str) -> None:
    path = "/employees/999999" + ("/predict" if method == "post" else "")
    response = getattr(client, method)(path, headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {"detail": "no employee with id_employee 999999"}


def test_employee_ids_must_be_positive(client: TestClient) -> None:
    assert client.get("/employees/0", headers=AUTH).status_code == 422


def test_employee_routes_need_a_token(client: TestClient) -> None:
    assert client.get("/employees/1").status_code == 401
    assert client.post("/employees/1/predict").status_code == 401


def test_prediction_for_a_stored_employee_equals_the_one_for_their_record(
    client: TestClient, engine: Engine
) -> None:
    stored = client.post("/employees/1/predict", headers=AUTH).json()
    sent = client.post("/predict", json=EMPLOYEE_1, headers=AUTH).json()
    assert stored["probability"] == sent["probability"]
    assert stored["explanation"] == sent["explanation"]
    with Session(engine) as session:
        traced = session.scalars(
            select(EmployeeInput)
            .join(Request, Request.id == EmployeeInput.request_id)
            .where(Request.route == "/employees/1/predict")
        ).one()
        result = session.scalars(
            select(PredictionResult).where(PredictionResult.input_id == traced.id)
        ).one()
    assert traced.id_employee == 1 and traced.payload == {**EMPLOYEE_1, "id_employee": 1}
    assert result.id == stored["prediction_id"]


def test_unknown_employee_prediction_stores_nothing(client: TestClient, engine: Engine) -> None:
    client.post("/employees/999999/predict", headers=AUTH)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(PredictionResult)) == 0
