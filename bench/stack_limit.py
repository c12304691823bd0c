"""The limit of our own stack, the baseline `bench.load` measures the service against.

FastAPI with Pydantic's `EmployeeRecord` for the body, the service's own predictor on numpy
and the same answer's bytes, and nothing else: no token, no rate limit, no middleware, no
database, no trace. What the service spends beyond this app is what storing and guarding
every prediction costs (issue 18 asks for at least 0.65 of this app's throughput).
"""

import orjson
from fastapi import FastAPI
from fastapi.responses import Response

from src.artifacts import load_local
from src.config import PROJECT_ROOT
from src.features import build_features, columns_from_records
from src.schemas import EmployeeRecord, Prediction
from src.service import Serving, answer_body


def create_stack_limit_app() -> FastAPI:
    serving = Serving.of(load_local(PROJECT_ROOT / "models"))
    app = FastAPI()

    @app.post("/predict", response_model=Prediction)
    async def predict(record: EmployeeRecord) -> Response:
        columns = build_features(columns_from_records([record.model_dump()]))
        [scoring] = serving.predictor.predict_features(columns)
        return Response(orjson.dumps(answer_body(serving, scoring)), media_type="application/json")

    return app
