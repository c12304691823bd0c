"""Predict use cases shared by the REST API and the UI: validated records in, answers out.

The database tracing of every prediction hooks in here (issue 4), so API and UI trace alike.
"""

import uuid
from collections.abc import Sequence

from pydantic import BaseModel

from src.prediction import Predictor, Scoring
from src.schemas import Prediction
from src.scoring_queue import ScoringQueue


class PredictionService:
    """Built once at start-up around the loaded model; shared by all requests."""

    def __init__(self, predictor: Predictor, model_version: str) -> None:
        self.predictor = predictor
        self.model_version = model_version
        self._queue: ScoringQueue[BaseModel, Prediction] = ScoringQueue(self.predict_now)

    async def predict_one(self, record: BaseModel) -> Prediction:
        """One employee, scored off the event loop together with concurrent requests."""
        (prediction,) = await self._queue.submit([record])
        return prediction

    async def predict_many(self, records: Sequence[BaseModel]) -> list[Prediction]:
        """Many employees in one scoring call; answers in the order of `records`."""
        return await self._queue.submit(records)

    def predict_now(self, records: Sequence[BaseModel]) -> list[Prediction]:
        """Score in the calling thread: for the queue's worker and for code off the event loop."""
        scorings = self.predictor.predict([record.model_dump() for record in records])
        return [self._answer(scoring) for scoring in scorings]

    def _answer(self, scoring: Scoring) -> Prediction:
        # Validating plain dicts runs in pydantic-core: three times cheaper than building the
        # thirty-odd Factor objects in Python, and checked.
        return Prediction.model_validate(
            {
                "prediction_id": str(uuid.uuid4()),
                "prediction": scoring.label,
                "probability": scoring.probability,
                "threshold": self.predictor.threshold,
                "risk_level": scoring.risk_level,
                "model_version": self.model_version,
                "explanation": [
                    {"feature": name, "contribution": value}
                    for name, value in scoring.contributions
                ],
            }
        )
