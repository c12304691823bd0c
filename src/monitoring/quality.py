"""Live quality: how well the served predictions ranked and sized the risk of the employees
whose outcome is now known, against the figures of the model's cross-validation.

The metrics are scikit-learn's; the intervals are percentile bootstraps from scipy (paired:
each resample draws predictions with their outcomes). Below `MINIMUM_SAMPLE` outcomes, or
with only one kind of outcome, the answer says so instead of giving numbers that mean
nothing.
"""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.stats import bootstrap
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

MINIMUM_SAMPLE = 50
RESAMPLES = 400
CONFIDENCE = 0.95


def live_quality(
    probabilities: Sequence[float], left: Sequence[bool], metadata: dict[str, Any]
) -> dict[str, Any]:
    """The report for predictions `probabilities` whose outcomes are `left`, for the model
    described by `metadata` (threshold, risk levels, cross-validation metrics)."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(left, dtype=bool)
    sample = {"sample_size": int(y.size), "left": int(y.sum()), "minimum": MINIMUM_SAMPLE}
    if y.size < MINIMUM_SAMPLE or y.all() or not y.any():
        return {"status": "not enough data", **sample}
    threshold = float(metadata["threshold"])
    cv = metadata["metrics"]["cv"]
    metrics: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
        "roc_auc": roc_auc_score,
        "pr_auc": average_precision_score,
        "brier": brier_score_loss,
        "recall": lambda t, s: recall_score(t, s >= threshold, zero_division=0),
        "precision": lambda t, s: precision_score(t, s >= threshold, zero_division=0),
    }
    estimates = {
        name: {**_estimate(metric, y, p), "training_cv": _training(cv.get(name))}
        for name, metric in metrics.items()
    }
    alerts = quality_alerts(estimates)
    return {
        "status": "alert" if alerts else "ok",
        **sample,
        "threshold": threshold,
        "alerts": alerts,
        "metrics": estimates,
        "calibration": _by_band(p, y, metadata["risk_levels"]),
    }


#: Metrics whose whole interval outside the training range means the model got worse: the
#: ranking ones when above it is impossible to reach, the Brier score (lower is better) when
#: below it.
_HIGHER_IS_BETTER = {"roc_auc": True, "pr_auc": True, "brier": False}


def quality_alerts(estimates: dict[str, dict[str, Any]]) -> list[str]:
    """One sentence per metric whose 95 % interval lies entirely on the wrong side of the
    training cross-validation range (mean ± 2 standard deviations): not bad luck."""
    alerts = []
    for name, higher_is_better in _HIGHER_IS_BETTER.items():
        interval, training = estimates[name]["interval_95"], estimates[name]["training_cv"]
        if interval is None or training is None:
            continue
        low, high = training["range"]
        if (higher_is_better and interval[1] < low) or (
            not higher_is_better and interval[0] > high
        ):
            alerts.append(
                f"{name}: live 95 % interval {interval[0]:.3f}-{interval[1]:.3f} is outside "
                f"the training range {low:.3f}-{high:.3f}"
            )
    return alerts


def _estimate(
    metric: Callable[[np.ndarray, np.ndarray], float], y: np.ndarray, p: np.ndarray
) -> dict[str, float | None]:
    value = float(metric(y, p))

    def statistic(truth: np.ndarray, scores: np.ndarray) -> float:
        if truth.all() or not truth.any():  # a resample with one class has no ranking
            return np.nan
        return float(metric(truth, scores))

    result = bootstrap(
        (y, p),
        statistic,
        paired=True,
        vectorized=False,
        n_resamples=RESAMPLES,
        confidence_level=CONFIDENCE,
        method="percentile",
        rng=np.random.default_rng(0),  # the same report for the same data
    )
    low, high = result.confidence_interval
    interval = None if np.isnan(low) or np.isnan(high) else [round(low, 4), round(high, 4)]
    return {"value": round(value, 4), "interval_95": interval}


def _training(summary: dict[str, float] | None) -> dict[str, float] | None:
    """The cross-validated mean and its spread (± 2 standard deviations across folds)."""
    if summary is None:
        return None
    mean, std = summary["mean"], summary["std"]
    return {"mean": round(mean, 4), "range": [round(mean - 2 * std, 4), round(mean + 2 * std, 4)]}


def _by_band(p: np.ndarray, y: np.ndarray, bands: dict[str, list[float]]) -> list[dict]:
    rows = []
    for level, (low, high) in bands.items():
        inside = (p >= low) & ((p < high) | (high >= 1.0))
        count = int(inside.sum())
        rows.append(
            {
                "risk_level": level,
                "count": count,
                "mean_predicted": round(float(p[inside].mean()), 4) if count else None,
                "observed_rate": round(float(y[inside].mean()), 4) if count else None,
            }
        )
    return rows
