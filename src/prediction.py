"""Probability of leaving, decision, risk level and exact explanation for one or many employees.

The shipped model is Platt-calibrated logistic regression: its calibrated logit is affine in the
encoded features, so `Predictor` folds the calibrator into the coefficients and scores with a
matrix product. A feature's contribution is coefficient x (encoded value - training mean), summed
over the feature's one-hot columns; the contributions plus the baseline logit (the score of the
average training employee) add up to the employee's logit exactly.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from src.estimator import TrainedModel, fitted_pipeline
from src.features import build_features, columns_from_records
from src.scaling import CompiledEncoder, compile_encoder

LEAVES, STAYS = "Part", "Reste"


@dataclass(frozen=True)
class RiskLevels:
    """Risk bands on the calibrated probability.

    `faible` is below the base rate (less risk than the average employee), `élevé` is at or
    above the decision threshold (the model says the employee leaves), `moyen` is in between.
    """

    moyen_from: float
    eleve_from: float

    @classmethod
    def derive(cls, base_rate: float, threshold: float) -> "RiskLevels":
        return cls(moyen_from=min(base_rate, threshold), eleve_from=threshold)

    def level(self, probability: float) -> str:
        if probability >= self.eleve_from:
            return "élevé"
        return "moyen" if probability >= self.moyen_from else "faible"


@dataclass(frozen=True)
class Scoring:
    """The model's answer for one employee.

    `contributions` are (feature, contribution) pairs, largest in absolute value first: how far
    each feature moved this employee's logit away from the average employee's. Plain pairs, not
    objects, because a batch of 10,000 carries 300,000 of them.
    """

    probability: float
    label: str
    risk_level: str
    logit: float
    baseline_logit: float
    contributions: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class BatchScores:
    """Scores of many employees as arrays: the fast form for batches and evaluation."""

    logits: np.ndarray
    probabilities: np.ndarray
    contributions: np.ndarray  # n employees x n features, in `feature_names` order


class Predictor:
    """A fitted model compiled to arrays; built once at start-up and shared read-only."""

    def __init__(self, model: TrainedModel) -> None:
        pipeline = fitted_pipeline(model.estimator)
        classifier = pipeline.named_steps["classifier"]
        if not isinstance(classifier, LogisticRegression):
            raise TypeError(f"exact explanations need a linear model, got {type(classifier)}")
        calibrator = model.estimator.estimator_.calibrated_classifiers_[0].calibrators[0]
        # The calibrator answers expit(-(a * f + b)) for the pipeline's decision f.
        slope, offset = float(calibrator.a_), float(calibrator.b_)
        self.encoder: CompiledEncoder = compile_encoder(pipeline.named_steps["encoder"])
        self.coefficients = -slope * classifier.coef_[0]
        self.intercept = -(slope * float(classifier.intercept_[0]) + offset)
        self.reference = model.reference
        self.baseline_logit = float(self.intercept + self.reference @ self.coefficients)
        self.threshold = model.threshold
        self.risk_levels = RiskLevels.derive(model.base_rate, self.threshold)
        self.feature_names = self.encoder.feature_names
        self._names = np.array(self.feature_names, dtype=object)
        self._group_starts = np.flatnonzero(np.diff(self.encoder.feature_index, prepend=-1))

    def score_features(self, features: Mapping[str, np.ndarray]) -> BatchScores:
        """Score engineered feature columns (see `src.features.build_features`)."""
        encoded = self.encoder.encode(features)
        weighted = (encoded - self.reference) * self.coefficients
        contributions = np.add.reduceat(weighted, self._group_starts, axis=1)
        # Element-wise work and a per-row sum, no matrix product: a BLAS product picks its
        # kernel by shape, and an employee's answer must not depend on the batch around it.
        logits = self.baseline_logit + contributions.sum(axis=1)
        return BatchScores(logits, expit(logits), contributions)

    def predict(self, records: Sequence[Mapping[str, object]]) -> list[Scoring]:
        """Clean records (canonical fields) -> one `Scoring` each, in order."""
        return self.predict_features(build_features(columns_from_records(records)))

    def predict_features(self, features: Mapping[str, np.ndarray]) -> list[Scoring]:
        """Engineered feature columns -> one `Scoring` per row, in order."""
        scores = self.score_features(features)
        order = np.argsort(-np.abs(scores.contributions), axis=1, kind="stable")
        names = self._names[order].tolist()
        values = np.take_along_axis(scores.contributions, order, axis=1).tolist()
        return [
            Scoring(
                probability=probability,
                label=LEAVES if probability >= self.threshold else STAYS,
                risk_level=self.risk_levels.level(probability),
                logit=logit,
                baseline_logit=self.baseline_logit,
                contributions=tuple(zip(row_names, row_values, strict=True)),
            )
            for probability, logit, row_names, row_values in zip(
                scores.probabilities.tolist(), scores.logits.tolist(), names, values, strict=True
            )
        ]


def probability_points(baseline_logit: float, contributions: Sequence[float]) -> list[float]:
    """Each contribution in probability (0 to 1) rather than logit: how much of the gap between
    this employee's probability and the reference employee's it accounts for.

    Contribution x (p - p_ref) / (logit - logit_ref): the Aumann-Shapley attribution (the
    integrated gradient) along the straight path from the reference employee's logit to this
    one. Exact: the shares add up to p - p_ref, and each has its contribution's sign, since
    the sigmoid only rises. When the contributions cancel out, the ratio's limit, the
    sigmoid's slope at the reference, is used.
    """
    total = float(sum(contributions))
    gap = float(expit(baseline_logit + total) - expit(baseline_logit))
    if abs(total) > 1e-12:
        per_logit = gap / total
    else:
        reference = float(expit(baseline_logit))
        per_logit = reference * (1.0 - reference)
    return [contribution * per_logit for contribution in contributions]
