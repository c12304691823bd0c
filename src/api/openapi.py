"""Real examples in the OpenAPI document: synthetic demo profiles (`data/demo_profiles.json`;
the document is public, so no real employee), answered by the loaded model, so /docs shows
what the service really returns today."""

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.routing import BaseRoute

from database.models import (
    ApiResponse,
    EmployeeInput,
    Feature,
    ModelVersion,
    PredictionResult,
    Request,
)
from database.repository import ServedModel, trace_rows
from src.api.deps import security_components
from src.api.recorder import AuditedRoute
from src.api.routes.status import health_report, live, model_report
from src.artifacts import LoadedModel
from src.schemas import EmployeeRecord
from src.service import PredictionService
from src.tracing import Call, StoredPrediction, answered_trace, trace_view


def _set_example(operation: dict[str, Any], request: object, response: object) -> None:
    if request is not None:
        operation["requestBody"]["content"]["application/json"]["example"] = request
    operation["responses"]["200"]["content"]["application/json"]["example"] = response


def _history_examples(
    service: PredictionService, loaded: LoadedModel, employee: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A page of history and one trace, as `POST /predict` of the sample employee leaves them.

    Scored now by the loaded model but not stored (the docs must not write to the audit
    trail): the trace goes through the rows the writer would store and the view that
    `GET /predictions/{id}` builds from them, so the example cannot drift from either.
    """
    record = EmployeeRecord(**employee)
    call = Call(source="api", method="POST", route="/predict")
    [body], [features] = service.score_untraced([record])
    trace = answered_trace(call, orjson.dumps(body), [record.model_dump()], [features], [body])
    model = ServedModel.from_metadata(loaded.metadata, loaded.source)
    rows = {table.name: table_rows[0] for table, table_rows in trace_rows([trace], 0) if table_rows}
    stored = StoredPrediction(
        result=PredictionResult(**rows["prediction_results"]),
        stored_input=EmployeeInput(**rows["employee_inputs"]),
        request=Request(**rows["requests"]),
        model=ModelVersion(**asdict(model)),
        feature=Feature(**rows["features"]),
        response=ApiResponse(**rows["api_responses"]),
    )
    view = trace_view(stored).model_dump(mode="json")
    summary = {
        "prediction_id": view["prediction_id"],
        "created_at": view["created_at"],
        "source": "api",
        "route": "/predict",
        "id_employee": None,
        "prediction": body["prediction"],
        "probability": body["probability"],
        "risk_level": body["risk_level"],
        "model_version": body["model_version"],
    }
    return {"items": [summary], "total": 1, "page": 1, "page_size": 20}, view


def _declare_tokens(schema: dict[str, Any], routes: list[BaseRoute]) -> None:
    """The token schemes, and on each audited operation the requirement of one of them: the
    recorder checks the token, so no dependency declares it to FastAPI."""
    schema.setdefault("components", {})["securitySchemes"] = security_components()
    requirement = [{name: []} for name in security_components()]
    for route in routes:
        if isinstance(route, AuditedRoute) and route.include_in_schema:
            for method in route.methods:
                schema["paths"][route.path_format][method.lower()]["security"] = requirement


def install_examples(app: FastAPI, data_dir: Path, routes: list[BaseRoute]) -> None:
    """Replace `app.openapi` with one that adds examples and the token requirement of the
    audited ones among `routes` (as the routers declare them); built on first request of
    the docs."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            _declare_tokens(schema, routes)
            # Synthetic demo profiles, never a real employee: the docs are public.
            profiles = json.loads((data_dir / "demo_profiles.json").read_text("utf-8"))
            employees = [profile["record"] for profile in profiles["profiles"]]
            employee, batch = employees[0], {"employees": employees[:2]}
            service = app.state.service
            records = [EmployeeRecord(**e) for e in batch["employees"]]
            answers = [p.model_dump(mode="json") for p in service.predict_untraced(records)]
            paths = schema["paths"]
            _set_example(paths["/predict"]["post"], employee, answers[0])
            _set_example(paths["/predict/batch"]["post"], batch, {"predictions": answers})
            _set_example(paths["/health"]["get"], None, health_report(app.state))
            _set_example(paths["/health/live"]["get"], None, live())
            _set_example(paths["/health/ready"]["get"], None, {"status": "ready"})
            _set_example(paths["/model"]["get"], None, model_report(service.serving))
            stored = EmployeeRecord(**employee, id_employee=1)  # the shape, not the stored one
            stored_answer = service.predict_untraced([stored])[0].model_dump(mode="json")
            _set_example(paths["/employees/{id_employee}/predict"]["post"], None, stored_answer)
            _set_example(
                paths["/employees/{id_employee}"]["get"],
                None,
                {
                    "id_employee": 1,
                    "record": stored.model_dump(exclude={"id_employee"}),
                    "a_quitte_l_entreprise": True,
                },
            )
            page, trace = _history_examples(service, service.serving.loaded, employee)
            _set_example(paths["/predictions"]["get"], None, page)
            _set_example(paths["/predictions/{prediction_id}"]["get"], None, trace)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
