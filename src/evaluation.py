"""The evaluation protocol: repeated stratified CV, a fixed holdout, per-group and calibration.

Each outer training fold fits the candidate from scratch (tuning, calibration and threshold all
happen inside it), so the test fold is never seen before it is scored.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

from src.estimator import Fit, decision_threshold

METRICS = (
    "roc_auc",
    "pr_auc",
    "f1",
    "recall",
    "precision",
    "brier",
    "false_positive_rate",
    "selection_rate",
)


@dataclass(frozen=True)
class Protocol:
    n_splits: int = 5
    n_repeats: int = 3
    random_state: int = 42
    holdout_size: float = 0.2


@dataclass(frozen=True)
class OutOfFold:
    """One repeat's out-of-fold answers: each employee scored once, by a model that never saw it."""

    probabilities: np.ndarray
    decisions: np.ndarray


@dataclass(frozen=True)
class CrossValidation:
    folds: list[dict[str, float]]
    repeats: list[OutOfFold]

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean and standard deviation of each metric over the folds."""
        return {
            name: {
                "mean": float(np.mean([fold[name] for fold in self.folds])),
                "std": float(np.std([fold[name] for fold in self.folds])),
            }
            for name in (*METRICS, "threshold")
        }


def score(target: np.ndarray, probabilities: np.ndarray, decisions: np.ndarray) -> dict[str, float]:
    """The reported metrics; F1, recall and precision are those of the leavers, the false
    positive rate that of the stayers (flagged though they stayed), the selection rate the
    share of everyone flagged."""
    stayed = target == 0
    metrics = {
        "f1": f1_score(target, decisions, zero_division=0.0),
        "recall": recall_score(target, decisions, zero_division=0.0),
        "precision": precision_score(target, decisions, zero_division=0.0),
        "brier": brier_score_loss(target, probabilities),
        "false_positive_rate": decisions[stayed].mean() if stayed.any() else 0.0,
        "selection_rate": decisions.mean() if len(decisions) else 0.0,
    }
    if len(np.unique(target)) == 2:
        metrics["roc_auc"] = roc_auc_score(target, probabilities)
        metrics["pr_auc"] = average_precision_score(target, probabilities)
    return {name: float(value) for name, value in metrics.items()}


def _fit_and_score(
    fit: Fit,
    features: pd.DataFrame,
    target: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    model = fit(features.iloc[train], target[train], seed)
    probabilities = model.predict_proba(features.iloc[test])[:, 1]
    threshold = decision_threshold(model)
    return probabilities, probabilities >= threshold, threshold


def cross_validate(
    fit: Fit,
    features: pd.DataFrame,
    target: np.ndarray,
    protocol: Protocol,
    n_jobs: int = 1,
    on_fold: Callable[[], None] | None = None,
) -> CrossValidation:
    """Score `fit` on every outer fold; results do not depend on `n_jobs`. `on_fold` is
    called as each fold is done (a training run's progress)."""
    splitter = RepeatedStratifiedKFold(
        n_splits=protocol.n_splits,
        n_repeats=protocol.n_repeats,
        random_state=protocol.random_state,
    )
    splits = list(splitter.split(features, target))
    results = []
    for result in Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_and_score)(fit, features, target, train, test, protocol.random_state)
        for train, test in splits
    ):
        results.append(result)
        if on_fold is not None:
            on_fold()
    folds, repeats = [], []
    for start in range(0, len(splits), protocol.n_splits):
        probabilities = np.empty(len(target))
        decisions = np.empty(len(target), dtype=bool)
        for (_, test), (proba, decided, threshold) in zip(
            splits[start : start + protocol.n_splits],
            results[start : start + protocol.n_splits],
            strict=True,
        ):
            probabilities[test], decisions[test] = proba, decided
            folds.append(score(target[test], proba, decided) | {"threshold": threshold})
        repeats.append(OutOfFold(probabilities, decisions))
    return CrossValidation(folds, repeats)


def evaluate_holdout(
    fit: Fit, features: pd.DataFrame, target: np.ndarray, protocol: Protocol
) -> dict[str, float]:
    """One stratified 80/20 split, for comparison with published single-holdout numbers."""
    train, test = train_test_split(
        np.arange(len(target)),
        test_size=protocol.holdout_size,
        stratify=target,
        random_state=protocol.random_state,
    )
    proba, decided, threshold = _fit_and_score(
        fit, features, target, train, test, protocol.random_state
    )
    return score(target[test], proba, decided) | {"threshold": threshold}


def age_band(age: pd.Series) -> pd.Series:
    """Age bands of the per-group metrics."""
    bands = pd.cut(age, bins=[0, 29, 39, 49, 200], labels=["16-29", "30-39", "40-49", "50+"])
    return bands.astype(str)


def slice_metrics(
    groups: pd.DataFrame, target: np.ndarray, cv: CrossValidation
) -> dict[str, dict[str, dict[str, float]]]:
    """The CV metrics per value of each column of `groups`, averaged over the repeats.

    Out-of-fold answers are used so that each group is scored by models that never saw it.
    """
    sliced: dict[str, dict[str, dict[str, float]]] = {}
    for column in groups.columns:
        sliced[column] = {}
        for value in sorted(groups[column].unique()):
            mask = (groups[column] == value).to_numpy()
            per_repeat = [
                score(target[mask], oof.probabilities[mask], oof.decisions[mask])
                for oof in cv.repeats
            ]
            summary = {
                name: float(np.mean([metrics[name] for metrics in per_repeat]))
                for name in per_repeat[0]
            }
            sliced[column][str(value)] = {
                "n": int(mask.sum()),
                "leave_rate": float(target[mask].mean()),
                **summary,
            }
    return sliced


def calibration_table(
    target: np.ndarray, cv: CrossValidation, edges: tuple[float, ...]
) -> list[dict[str, float]]:
    """Predicted vs observed leave rate per probability band (first repeat, out of fold)."""
    probabilities = cv.repeats[0].probabilities
    rows = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (probabilities >= low) & (probabilities < high)
        if mask.any():
            rows.append(
                {
                    "from": low,
                    "to": high,
                    "n": int(mask.sum()),
                    "mean_probability": float(probabilities[mask].mean()),
                    "observed_rate": float(target[mask].mean()),
                }
            )
    return rows


def operating_points(
    target: np.ndarray, cv: CrossValidation, thresholds: tuple[float, ...]
) -> list[dict[str, Any]]:
    """What HR would get at each threshold, on out-of-fold answers: recall and precision of
    the leavers and the share of staff flagged, mean and range over the repeats (so HR can
    choose a threshold knowing its cost in conversations)."""
    rows = []
    for threshold in sorted(thresholds):
        per_repeat = []
        for oof in cv.repeats:
            flagged = oof.probabilities >= threshold
            per_repeat.append(
                {
                    "recall": recall_score(target, flagged, zero_division=0.0),
                    "precision": precision_score(target, flagged, zero_division=0.0),
                    "share_flagged": float(flagged.mean()),
                }
            )
        row: dict[str, Any] = {"threshold": float(threshold)}
        for name in per_repeat[0]:
            values = [float(metrics[name]) for metrics in per_repeat]
            row |= {name: float(np.mean(values)), f"{name}_range": [min(values), max(values)]}
        rows.append(row)
    return rows
