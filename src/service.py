"""Predict use cases shared by the REST API and the UI: validated records in, answers out.

The database tracing of every prediction hooks in here (issue 4), so API and UI trace alike.
"""

import uuid
from collections.abc import Sequence

from pydantic import BaseModel

from src.prediction import Predictor, Scoring
from src.schemas import Factor, Prediction


class PredictionService:
    """Built once at start-up around the loaded model; safe to share between threads."""

    def __init__(self, predictor: Predictor, model_version: str) -> None:
        self.predictor = predictor
        self.model_version = model_version

    def predict_one(self, record: BaseModel) -> Prediction:
        return self.predict_many([record])[0]

    def predict_many(self, records: Sequence[BaseModel]) -> list[Prediction]:
        """One scoring call for the whole batch; answers in the order of `records`."""
        scorings = self.predictor.predict([record.model_dump() for record in records])
        return [self._answer(scoring) for scoring in scorings]

    def _answer(self, scoring: Scoring) -> Prediction:
        return Prediction.model_construct(
            prediction_id=str(uuid.uuid4()),
            prediction=scoring.label,
            probability=scoring.probability,
            threshold=self.predictor.threshold,
            risk_level=scoring.risk_level,
            model_version=self.model_version,
            explanation=[
                Factor.model_construct(feature=name, contribution=value)
                for name, value in scoring.contributions
            ],
        )
