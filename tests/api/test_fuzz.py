"""Property-based and schema-driven fuzzing: no body, however odd, makes the API answer 500."""

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from src.fields import FIELDS
from tests.api.conftest import AUTH
from tests.conftest import EMPLOYEE_1

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

_FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _post(client: TestClient, path: str, body: Any) -> int:
    content = json.dumps(body, allow_nan=True)
    headers = {**AUTH, "Content-Type": "application/json"}
    return client.post(path, content=content, headers=headers).status_code


@_FUZZ
@given(body=_json)
def test_arbitrary_json_never_yields_a_server_error(client: TestClient, body: Any) -> None:
    assert _post(client, "/predict", body) < 500
    assert _post(client, "/predict/batch", {"employees": [body]}) < 500


@_FUZZ
@given(field=st.sampled_from([spec.name for spec in FIELDS]), value=_json)
def test_any_value_in_any_field_is_answered_or_named(
    client: TestClient, field: str, value: Any
) -> None:
    status = _post(client, "/predict", {**EMPLOYEE_1, field: value})
    assert status in (200, 422)


@_FUZZ
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_never_yield_a_server_error(client: TestClient, raw: bytes) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    assert client.post("/predict", content=raw, headers=headers).status_code < 500


def _record_schema(client: TestClient) -> dict[str, Any]:
    """The EmployeeRecord schema as /openapi.json serves it, references resolved."""
    openapi = client.get("/openapi.json").json()
    return openapi["components"]["schemas"]["EmployeeRecord"]


def test_records_generated_from_the_openapi_schema_are_answered_or_named(
    client: TestClient,
) -> None:
    """Schema-driven: any record the published schema allows gets 200, or 422 for a
    cross-field rule the schema cannot express; never a 500."""
    statuses: list[int] = []

    @_FUZZ
    @given(record=from_schema(_record_schema(client)))
    def check(record: dict[str, Any]) -> None:
        response = client.post("/predict", json=record, headers=AUTH)
        statuses.append(response.status_code)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:
            assert "must not exceed" in response.json()["errors"][0]["message"]
        else:
            assert 0.0 <= response.json()["probability"] <= 1.0

    check()
    assert 200 in statuses  # the generator reaches the model, not only the validator
