"""Prediction routes (token required): one employee, or a batch in one scoring call."""

from fastapi import APIRouter, Depends

from src.api.deps import ServiceDep, require_token
from src.schemas import BatchRequest, BatchResponse, EmployeeRecord, Prediction

_ERRORS = {
    401: {"description": "missing or invalid token"},
    413: {"description": "body or batch too large"},
    422: {"description": "invalid field: the error names it and what is allowed"},
}

router = APIRouter(tags=["predictions"], dependencies=[Depends(require_token)], responses=_ERRORS)


@router.post("/predict")
async def predict(record: EmployeeRecord, service: ServiceDep) -> Prediction:
    """Probability of leaving, decision, risk level and the factors behind them."""
    return await service.predict_one(record)


@router.post("/predict/batch")
async def predict_batch(batch: BatchRequest, service: ServiceDep) -> BatchResponse:
    """Up to 10,000 employees, answered in the order given."""
    predictions = await service.predict_many(batch.employees)
    return BatchResponse(predictions=predictions)
