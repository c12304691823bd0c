"""Real examples in the OpenAPI document: the sample request files of `data/`, answered by the
loaded model, so /docs shows what the service really returns today."""

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from src.api.routes.status import health_report, live, model_report, ready
from src.schemas import EmployeeRecord


def _set_example(operation: dict[str, Any], request: object, response: object) -> None:
    if request is not None:
        operation["requestBody"]["content"]["application/json"]["example"] = request
    operation["responses"]["200"]["content"]["application/json"]["example"] = response


def install_examples(app: FastAPI, data_dir: Path) -> None:
    """Replace `app.openapi` with one that adds examples; built on first request of the docs."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            employee = json.loads((data_dir / "sample_employee.json").read_text("utf-8"))
            batch = json.loads((data_dir / "sample_batch.json").read_text("utf-8"))
            service = app.state.service
            records = [EmployeeRecord(**e) for e in batch["employees"]]
            answers = [p.model_dump(mode="json") for p in service.predict_untraced(records)]
            paths = schema["paths"]
            _set_example(paths["/predict"]["post"], employee, answers[0])
            _set_example(paths["/predict/batch"]["post"], batch, {"predictions": answers})
            _set_example(paths["/health"]["get"], None, health_report(app.state))
            _set_example(paths["/health/live"]["get"], None, live())
            _set_example(paths["/health/ready"]["get"], None, ready())
            _set_example(paths["/model"]["get"], None, model_report(app.state.model))
            stored = service.employee_record(1)
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
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
