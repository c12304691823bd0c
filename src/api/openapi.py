"""Real examples in the OpenAPI document: the sample request files of `data/`, answered by the
loaded model, so /docs shows what the service really returns today."""

import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from src.api.routes.status import health_report, live, model_report, ready
from src.artifacts import LoadedModel
from src.ids import new_id
from src.schemas import EmployeeRecord
from src.service import PredictionService


def _set_example(operation: dict[str, Any], request: object, response: object) -> None:
    if request is not None:
        operation["requestBody"]["content"]["application/json"]["example"] = request
    operation["responses"]["200"]["content"]["application/json"]["example"] = response


def _history_examples(
    service: PredictionService, loaded: LoadedModel, employee: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A page of history and one trace, as `POST /predict` of the sample employee leaves them.

    Scored now by the loaded model but not stored (the docs must not write to the audit trail),
    so only the ids and the times are of this moment rather than of a past call.
    """
    record = EmployeeRecord(**employee)
    started = time.perf_counter()
    [body], [features] = service.score_untraced([record])
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    now = datetime.now(UTC).isoformat()
    metadata = loaded.metadata
    summary = {
        "prediction_id": body["prediction_id"],
        "created_at": now,
        "source": "api",
        "route": "/predict",
        "id_employee": None,
        "prediction": body["prediction"],
        "probability": body["probability"],
        "risk_level": body["risk_level"],
        "model_version": body["model_version"],
    }
    trace = {
        "prediction_id": body["prediction_id"],
        "created_at": now,
        "request": {
            "request_id": new_id(),
            "received_at": now,
            "source": "api",
            "method": "POST",
            "route": "/predict",
            "status_code": 200,
            "latency_ms": latency_ms,
            "position": 0,
        },
        "input": record.model_dump(),
        "features": features,
        "result": {
            key: body[key] for key in ("prediction", "probability", "threshold", "risk_level")
        }
        | {"explanation": body["explanation"]},
        "model": {
            "version": metadata["version"],
            "sha256": metadata["sha256"],
            "source": loaded.source,
        },
        "response": {
            "status_code": 200,
            "sent_at": now,
            "body_sha256": hashlib.sha256(orjson.dumps(body)).hexdigest(),
            "sent": body,
        },
    }
    return {"items": [summary], "total": 1, "page": 1, "page_size": 20}, trace


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
            page, trace = _history_examples(service, app.state.model, employee)
            _set_example(paths["/predictions"]["get"], None, page)
            _set_example(paths["/predictions/{prediction_id}"]["get"], None, trace)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
