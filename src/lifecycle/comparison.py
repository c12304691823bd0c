"""Champion against challenger: both recipes cross-validated on the same folds, compared fold
by fold, and a decision with its numbers.

Why refit the champion's recipe instead of scoring the champion's file: that file was fitted on
most of the rows the folds test on, so it would be scored on its own training data and win by
remembering. Refitting both recipes on each training part and scoring both on the same test
part gives paired differences, one per fold. Folds of a repeated k-fold overlap in their
training rows, so the differences are correlated and the plain paired t-test is far too
confident; Nadeau and Bengio's correction inflates the variance by `1/J + n_test/n_train`
(J folds), which keeps the test's size near its nominal level.

The rule is one of non-inferiority: the challenger is promoted only if, on each metric, the
one-sided 95 % bound of its advantage stays above minus the metric's margin (it is not worse
by more than the margin, with confidence), and no group's recall falls, nor its false positive
rate rises, by more than the slice tolerance.
"""

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from src.evaluation import CrossValidation, Protocol, slice_metrics

#: Metric -> +1 when higher is better, -1 when lower is better.
DIRECTIONS = {"roc_auc": 1, "pr_auc": 1, "brier": -1}


@dataclass(frozen=True)
class ComparisonPolicy:
    """What "not worse" means; recorded with every decision so that it can be re-read."""

    confidence: float = 0.95
    margins: tuple[tuple[str, float], ...] = (
        ("roc_auc", 0.01),
        ("pr_auc", 0.02),
        ("brier", 0.005),
    )
    slice_tolerance: float = 0.05
    #: A group's recall is compared only with this many leavers in it, its false positive
    #: rate with this many stayers: below that, one employee moves the rate by 10 points.
    slice_minimum: int = 10


@dataclass(frozen=True)
class PairedTest:
    """The challenger's advantage on one metric (positive = better, whatever the metric)."""

    metric: str
    champion_mean: float
    challenger_mean: float
    advantage: float
    corrected_std_error: float
    t_statistic: float
    p_value: float  # two-sided, of no difference
    p_non_inferiority: float  # one-sided, of "worse by the margin or more": the rule's test
    lower_bound: float
    margin: float

    @property
    def worse(self) -> bool:
        return self.lower_bound < -self.margin


def corrected_paired_test(
    metric: str,
    champion: list[float],
    challenger: list[float],
    test_share: float,
    confidence: float,
    margin: float,
) -> PairedTest:
    """Nadeau–Bengio corrected resampled t-test of the fold-by-fold differences.

    `test_share` is n_test / n_train of one fold (1 / (k - 1) for k-fold).
    """
    direction = DIRECTIONS[metric]
    differences = direction * (np.asarray(challenger) - np.asarray(champion))
    folds = len(differences)
    advantage = float(differences.mean())
    variance = float(differences.var(ddof=1)) if folds > 1 else 0.0
    std_error = float(np.sqrt((1.0 / folds + test_share) * variance))
    if std_error == 0.0:  # the same answers on every fold: no doubt either way
        t_statistic = 0.0 if advantage == 0.0 else float(np.sign(advantage) * np.inf)
        p_value = 1.0 if advantage == 0.0 else 0.0
        p_non_inferiority = 0.0 if advantage > -margin else 1.0
        lower = advantage
    else:
        t_statistic = advantage / std_error
        p_value = float(2 * student_t.sf(abs(t_statistic), folds - 1))
        p_non_inferiority = float(student_t.sf((advantage + margin) / std_error, folds - 1))
        lower = advantage - float(student_t.ppf(confidence, folds - 1)) * std_error
    return PairedTest(
        metric=metric,
        champion_mean=float(np.mean(champion)),
        challenger_mean=float(np.mean(challenger)),
        advantage=advantage,
        corrected_std_error=std_error,
        t_statistic=t_statistic,
        p_value=p_value,
        p_non_inferiority=p_non_inferiority,
        lower_bound=lower,
        margin=margin,
    )


def _slice_changes(
    champion: dict[str, dict[str, dict[str, float]]],
    challenger: dict[str, dict[str, dict[str, float]]],
    policy: ComparisonPolicy,
) -> list[dict[str, Any]]:
    """Each group's recall and false positive rate under both models, and whether it got
    worse beyond the tolerance."""
    rows = []
    for column, values in champion.items():
        for value, before in values.items():
            after = challenger[column][value]
            leavers = round(before["n"] * before["leave_rate"])
            stayers = before["n"] - leavers
            for metric, sign, count in (
                ("recall", 1, leavers),
                ("false_positive_rate", -1, stayers),
            ):
                if count < policy.slice_minimum:
                    continue
                change = after[metric] - before[metric]
                rows.append(
                    {
                        "group": column,
                        "value": value,
                        "metric": metric,
                        "n": count,
                        "champion": before[metric],
                        "challenger": after[metric],
                        "worse": sign * change < -policy.slice_tolerance,
                    }
                )
    return rows


def compare(
    champion: CrossValidation,
    challenger: CrossValidation,
    groups: pd.DataFrame,
    target: np.ndarray,
    protocol: Protocol,
    policy: ComparisonPolicy = ComparisonPolicy(),
) -> dict[str, Any]:
    """The decision (`promote` or `keep the champion`), its reasons and every number behind it.

    Both cross-validations must come from the same folds (the same data and `protocol`).
    """
    if len(champion.folds) != len(challenger.folds):
        raise ValueError("the two cross-validations were not made on the same folds")
    test_share = 1.0 / (protocol.n_splits - 1)
    margins = dict(policy.margins)
    tests = [
        corrected_paired_test(
            metric,
            [fold[metric] for fold in champion.folds],
            [fold[metric] for fold in challenger.folds],
            test_share,
            policy.confidence,
            margins[metric],
        )
        for metric in DIRECTIONS
    ]
    slices = _slice_changes(
        slice_metrics(groups, target, champion), slice_metrics(groups, target, challenger), policy
    )
    reasons = [
        f"{test.metric}: the challenger may be worse by {-test.lower_bound:.4f} "
        f"(one-sided {policy.confidence:.0%} bound), more than the margin {test.margin}"
        for test in tests
        if test.worse
    ]
    reasons += [
        f"{row['metric']} of {row['group']}={row['value']} moves from {row['champion']:.3f} "
        f"to {row['challenger']:.3f}, beyond the tolerance {policy.slice_tolerance}"
        for row in slices
        if row["worse"]
    ]
    return {
        "decision": "keep the champion" if reasons else "promote",
        "reasons": reasons,
        "folds": len(champion.folds),
        "metrics": [asdict(test) | {"worse": test.worse} for test in tests],
        "slices": slices,
        "policy": asdict(policy),
    }
