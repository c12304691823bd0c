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
from scipy.stats import chi2
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

    def summary(self) -> dict[str, dict[str, Any]]:
        """Mean and standard deviation of each metric over the folds, and the range of the
        repeats' means (how much the figure moves with another shuffle of the folds)."""
        per_repeat = len(self.folds) // len(self.repeats)
        summary: dict[str, dict[str, Any]] = {}
        for name in (*METRICS, "threshold"):
            values = np.array([fold[name] for fold in self.folds])
            means = values.reshape(len(self.repeats), per_repeat).mean(axis=1)
            summary[name] = {
                "mean": float(values.mean()),
                "std": float(values.std()),
                "repeat_range": [float(means.min()), float(means.max())],
            }
        return summary


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


#: Resamples of the per-group bootstrap intervals.
BOOTSTRAP_RESAMPLES = 1000


def _rates(target: np.ndarray, flagged: np.ndarray) -> dict[str, np.ndarray]:
    """Recall, false positive rate and share flagged along the last axis (NaN where a
    resample holds no leaver, resp. no stayer)."""
    left = target.astype(bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "recall": (flagged & left).sum(axis=-1) / left.sum(axis=-1),
            "false_positive_rate": (flagged & ~left).sum(axis=-1) / (~left).sum(axis=-1),
            "selection_rate": flagged.mean(axis=-1),
        }


def bootstrap_intervals(
    target: np.ndarray, decisions: list[np.ndarray], seed: int
) -> dict[str, list[float] | None]:
    """95 % percentile intervals of a group's recall, false positive rate and share flagged
    (each resample's value averaged over the repeats, as the point estimates are): small
    groups get the wide intervals they deserve. None where the group has no leaver (recall),
    resp. no stayer (false positive rate)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(target), size=(BOOTSTRAP_RESAMPLES, len(target)))
    resampled = [_rates(target[draws], flagged[draws]) for flagged in decisions]
    intervals = {}
    for name in resampled[0]:
        values = np.mean([rates[name] for rates in resampled], axis=0)
        values = values[~np.isnan(values)]
        if len(values):
            low, high = np.percentile(values, [2.5, 97.5])
            intervals[name] = [float(low), float(high)]
        else:
            intervals[name] = None
    return intervals


def slice_metrics(
    groups: pd.DataFrame, target: np.ndarray, cv: CrossValidation, seed: int = 0
) -> dict[str, dict[str, dict[str, Any]]]:
    """The CV metrics per value of each column of `groups`, averaged over the repeats, with
    bootstrap intervals of the rates HR acts on.

    Out-of-fold answers are used so that each group is scored by models that never saw it.
    """
    sliced: dict[str, dict[str, dict[str, Any]]] = {}
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
            decisions = [oof.decisions[mask] for oof in cv.repeats]
            sliced[column][str(value)] = {
                "n": int(mask.sum()),
                "leave_rate": float(target[mask].mean()),
                **summary,
                "intervals": bootstrap_intervals(target[mask], decisions, seed),
            }
    return sliced


def calibration_table(
    target: np.ndarray, cv: CrossValidation, edges: tuple[float, ...]
) -> list[dict[str, Any]]:
    """Predicted vs observed leave rate per probability band, out of fold: means over the
    repeats, with the range of the gap (observed − predicted) across them, so a band that
    is off in every repeat is told from one that is off in one."""
    rows = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        per_repeat = []
        for oof in cv.repeats:
            mask = (oof.probabilities >= low) & (oof.probabilities < high)
            if mask.any():
                predicted = float(oof.probabilities[mask].mean())
                per_repeat.append((int(mask.sum()), predicted, float(target[mask].mean())))
        if per_repeat:
            n, predicted, observed = np.array(per_repeat).T
            gaps = observed - predicted
            rows.append(
                {
                    "from": low,
                    "to": high,
                    "n": int(round(n.mean())),
                    "mean_probability": float(predicted.mean()),
                    "observed_rate": float(observed.mean()),
                    "gap_range": [float(gaps.min()), float(gaps.max())],
                    "repeats": len(per_repeat),
                }
            )
    return rows


def hosmer_lemeshow(
    target: np.ndarray, probabilities: np.ndarray, n_groups: int = 10
) -> dict[str, float]:
    """The Hosmer–Lemeshow test over deciles of predicted risk: sum over groups of
    (observed − expected leavers)² / (expected × (1 − mean probability)), against a χ² with
    n_groups degrees of freedom: out-of-fold answers come from models fitted without these
    employees, an external validation, where no degree of freedom was spent on them (g − 2
    is for a model scored on its own training data). A small p-value says the probabilities
    are off somewhere (the calibration table says where)."""
    order = np.argsort(probabilities, kind="stable")
    statistic = 0.0
    for group in np.array_split(order, n_groups):
        expected, observed = probabilities[group].sum(), target[group].sum()
        mean = expected / len(group)
        statistic += (observed - expected) ** 2 / (expected * (1 - mean))
    dof = n_groups
    return {"statistic": float(statistic), "df": dof, "p_value": float(chi2.sf(statistic, dof))}


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
