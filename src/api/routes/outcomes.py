"""Outcomes (token required): what really happened to employees, reported by HR, one or a
batch; stored all or nothing, each linked to the call that recorded it."""

from fastapi.exceptions import RequestValidationError

from database.repository import add_outcomes, unknown_predictions
from src.api.deps import CallDep, SessionDep
from src.api.recorder import audited_router
from src.outcomes import OutcomeBatch, OutcomeRecord, RecordedOutcome, RecordedOutcomes
from src.tracing import Call

router = audited_router(tags=["outcomes"], errors=(400,))


@router.post("/outcomes", status_code=201)
def record_outcome(outcome: OutcomeRecord, session: SessionDep, call: CallDep) -> RecordedOutcome:
    """One employee's outcome: left or still there, on a date, optionally for a prediction."""
    [recorded] = _recorded(session, [outcome], call, location=("body",))
    return recorded


@router.post("/outcomes/batch", status_code=201)
def record_outcomes(batch: OutcomeBatch, session: SessionDep, call: CallDep) -> RecordedOutcomes:
    """Up to 10,000 outcomes, in the order given, stored all or nothing."""
    return RecordedOutcomes(outcomes=_recorded(session, batch.outcomes, call, ("body", "outcomes")))


def _recorded(
    session: SessionDep, outcomes: list[OutcomeRecord], call: Call, location: tuple
) -> list[RecordedOutcome]:
    unknown = unknown_predictions(session, {o.prediction_id for o in outcomes if o.prediction_id})
    errors = [
        {
            "type": "value_error",
            "loc": (*location, *((i,) if len(location) > 1 else ()), "prediction_id"),
            "msg": "Value error, no prediction has this id",
            "input": outcome.prediction_id,
        }
        for i, outcome in enumerate(outcomes)
        if outcome.prediction_id in unknown
    ]
    if errors:
        raise RequestValidationError(errors)
    ids = add_outcomes(session, outcomes, call.request_id)
    session.commit()
    return [RecordedOutcome(outcome_id=i, request_id=call.request_id) for i in ids]
