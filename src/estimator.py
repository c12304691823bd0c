"""The candidate models and how each is fitted: tuned, calibrated, with a decision threshold.

Every candidate goes through the same recipe, so the comparison is fair: its hyper-parameters
are tuned on the training data only, its probabilities calibrated by Platt scaling on
out-of-fold scores, and its threshold chosen to maximise the leavers' F1 by an inner
cross-validation, again on the training data only.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    FixedThresholdClassifier,
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
)
from sklearn.pipeline import Pipeline

from src.errors import ModelSelectionError
from src.scaling import build_encoder

INNER_FOLDS = 5
C_GRID = tuple(np.logspace(-3, 1, 9).tolist())

Thresholded = TunedThresholdClassifierCV | FixedThresholdClassifier
Calibration = Literal["sigmoid", "isotonic"]

#: A candidate: (features, target, random_state) -> fitted thresholded classifier.
Fit = Callable[[pd.DataFrame, np.ndarray, int], Thresholded]


def decision_threshold(estimator: Thresholded) -> float:
    """The probability from which the employee is predicted to leave."""
    if isinstance(estimator, TunedThresholdClassifierCV):
        return float(estimator.best_threshold_)
    return float(estimator.threshold)


@dataclass(frozen=True)
class TrainedModel:
    """What `models/model.joblib` holds.

    `reference` is the mean encoded row of the training data: explanations are measured from
    it, so a contribution says how far this employee's value moves the risk away from that of
    an average employee. `base_rate` is the share of leavers the model was trained on.
    `profile` is the training population's profile (`src.monitoring.profile`), what drift is
    measured against; kept here so the artifact's sha256 covers it.
    """

    estimator: TunedThresholdClassifierCV
    reference: np.ndarray
    base_rate: float
    profile: dict[str, Any] | None = None

    @property
    def threshold(self) -> float:
        return decision_threshold(self.estimator)


def _folds(random_state: int) -> StratifiedKFold:
    return StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=random_state)


def _pipeline(classifier: BaseEstimator) -> Pipeline:
    return Pipeline([("encoder", build_encoder()), ("classifier", classifier)])


def calibrate_and_threshold(
    pipeline: Pipeline,
    features: pd.DataFrame,
    target: np.ndarray,
    random_state: int,
    method: Calibration = "sigmoid",
) -> TunedThresholdClassifierCV:
    """Platt-calibrate `pipeline` and pick the F1-maximising threshold, both by inner CV.

    `ensemble=False` keeps one fitted pipeline behind one sigmoid, so a linear pipeline stays
    exactly linear on the logit scale and its explanations stay exact. `isotonic` is there
    for the calibration experiment (`bench/calibration.py`): a step function of the score,
    it would break that additivity, and nothing shipped uses it.
    """
    calibrated = CalibratedClassifierCV(
        pipeline, method=method, cv=_folds(random_state), ensemble=False
    )
    tuned = TunedThresholdClassifierCV(calibrated, scoring="f1", cv=_folds(random_state))
    return tuned.fit(features, target)


def fit_logistic_regression(
    features: pd.DataFrame,
    target: np.ndarray,
    random_state: int,
    C: float | None = None,
    calibration: Calibration = "sigmoid",
) -> TunedThresholdClassifierCV:
    """Class-weighted logistic regression; C chosen by log-loss on inner folds, unless given
    (a champion's recipe is refitted with the C it was shipped with)."""
    pipeline = _pipeline(LogisticRegression(class_weight="balanced", max_iter=1000))
    if C is None:
        search = GridSearchCV(
            pipeline,
            {"classifier__C": list(C_GRID)},
            cv=_folds(random_state),
            scoring="neg_log_loss",
        ).fit(features, target)
        pipeline.set_params(**search.best_params_)
    else:
        pipeline.set_params(classifier__C=C)
    return calibrate_and_threshold(pipeline, features, target, random_state, calibration)


def fit_gradient_boosting(
    features: pd.DataFrame, target: np.ndarray, random_state: int
) -> TunedThresholdClassifierCV:
    """Histogram gradient boosting with settings sized for 1,500 rows (shallow, slow rate)."""
    classifier = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=200,
        max_leaf_nodes=8,
        min_samples_leaf=20,
        l2_regularization=1.0,
        class_weight="balanced",
        early_stopping=False,
        random_state=random_state,
    )
    return calibrate_and_threshold(_pipeline(classifier), features, target, random_state)


def fit_dummy(
    features: pd.DataFrame, target: np.ndarray, random_state: int
) -> FixedThresholdClassifier:
    """The floor: the training base rate for everyone.

    Its scores are constant, so no threshold can be tuned: 0.5 it is, and no one leaves.
    """
    del random_state  # nothing random to seed
    dummy = _pipeline(DummyClassifier(strategy="prior"))
    return FixedThresholdClassifier(dummy, threshold=0.5).fit(features, target)


CANDIDATES: dict[str, Fit] = {
    "logistic_regression": fit_logistic_regression,
    "gradient_boosting": fit_gradient_boosting,
    "dummy": fit_dummy,
}
LINEAR_CANDIDATES = frozenset({"logistic_regression"})


def recipe_of(estimator: dict[str, Any]) -> Fit:
    """The recipe a shipped model was made with (its metadata's `estimator`), hyper-parameters
    fixed at the values it was shipped with, to be refitted on other folds."""
    family = estimator["family"]
    if family == "logistic_regression":
        return partial(fit_logistic_regression, C=float(estimator["C"]))
    if family in CANDIDATES:
        return CANDIDATES[family]
    raise ModelSelectionError(f"the champion's recipe {family!r} is not in this code")


def fitted_pipeline(estimator: TunedThresholdClassifierCV) -> Pipeline:
    """The single pipeline behind the calibrator (there is one: `ensemble=False`)."""
    return estimator.estimator_.calibrated_classifiers_[0].estimator


def build_trained_model(
    fit: Fit, features: pd.DataFrame, target: np.ndarray, random_state: int
) -> TrainedModel:
    """Fit a candidate on all the data and bundle what serving needs besides the estimator."""
    estimator = fit(features, target, random_state)
    encoder = fitted_pipeline(estimator).named_steps["encoder"]
    reference = encoder.transform(features).mean(axis=0)
    return TrainedModel(estimator, reference, float(np.mean(target)))
