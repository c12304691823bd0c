"""Prediction routes (token required): one employee, or a batch in one scoring call."""

from fastapi import APIRouter, Depends, Request

from src.api.deps import ClientKeyDep, ServiceDep, require_token
from src.schemas import BatchRequest, BatchResponse, EmployeeRecord, Prediction
from src.service import Call

_ERRORS = {
    401: {"description": "missing or invalid token"},
    413: {"description": "body or batch too large"},
    422: {"description": "invalid field: the error names it and what is allowed"},
}

router = APIRouter(tags=["predictions"], dependencies=[Depends(require_token)], responses=_ERRORS)


@router.post("/predict")
async def predict(
    record: EmployeeRecord, request: Request, service: ServiceDep, client: ClientKeyDep
) -> Prediction:
    """Probability of leaving, decision, risk level and the factors behind them."""
    return await service.predict_one(record, _call(request, client))


@router.post("/predict/batch")
async def predict_batch(
    batch: BatchRequest, request: Request, service: ServiceDep, client: ClientKeyDep
) -> BatchResponse:
    """Up to 10,000 employees, answered in the order given, stored all or nothing."""
    predictions = await service.predict_many(batch.employees, _call(request, client))
    return BatchResponse(predictions=predictions)


def _call(request: Request, client: str) -> Call:
    return Call(source="api", method=request.method, route=request.url.path, client_key_hash=client)
