"""Prediction routes (token required): one employee, or a batch in one scoring call."""

from fastapi.responses import Response

from src.api.deps import CallDep, ServiceDep
from src.api.recorder import audited_router
from src.schemas import BatchRequest, BatchResponse, EmployeeRecord, Prediction
from src.service import Answer

router = audited_router(tags=["predictions"], errors=(400,))


def sent(answer: Answer) -> Response:
    """The answer's own bytes: the ones whose sha256 the trace recorded. They are built by
    `prediction_body`, in `Prediction`'s shape (the suite checks every answer against the
    published schema), so FastAPI need not validate and encode them again."""
    return Response(answer.content, media_type="application/json")


@router.post("/predict", response_model=Prediction)
async def predict(record: EmployeeRecord, service: ServiceDep, call: CallDep) -> Response:
    """Probability of leaving, decision, risk level and the factors behind them."""
    return sent(await service.predict_one(record, call))


@router.post("/predict/batch", response_model=BatchResponse)
async def predict_batch(batch: BatchRequest, service: ServiceDep, call: CallDep) -> Response:
    """Up to 10,000 employees, answered in the order given, stored all or nothing."""
    return sent(await service.predict_many(batch.employees, call))
