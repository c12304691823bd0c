"""The load benchmark's baseline does the service's work but storing and guarding it: the
same answer for the same employee (`bench/stack_limit.py`), so that the ratio to it is what
the trace and the checks cost, not a lighter answer."""

from fastapi.testclient import TestClient

from bench.stack_limit import create_stack_limit_app
from tests.api.conftest import AUTH
from tests.conftest import EMPLOYEE_1


def test_the_stack_limit_answers_what_the_service_answers(client: TestClient) -> None:
    served = client.post("/predict", json=EMPLOYEE_1, headers=AUTH).json()
    limit = TestClient(create_stack_limit_app()).post("/predict", json=EMPLOYEE_1)
    assert limit.status_code == 200
    answered = limit.json()
    assert answered.pop("prediction_id") != served.pop("prediction_id")
    assert answered == served


def test_the_stack_limit_refuses_what_the_service_refuses() -> None:
    refused = TestClient(create_stack_limit_app()).post("/predict", json={**EMPLOYEE_1, "age": 3})
    assert refused.status_code == 422
