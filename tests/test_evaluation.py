"""The CV protocol: no peeking at test folds, full out-of-fold coverage, determinism."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import RepeatedStratifiedKFold

from src.estimator import Thresholded, fit_dummy
from src.evaluation import (
    CrossValidation,
    OutOfFold,
    Protocol,
    age_band,
    calibration_table,
    cross_validate,
    evaluate_holdout,
    operating_points,
    score,
    slice_metrics,
)
from src.features import build_feature_frame

SMALL = Protocol(n_splits=3, n_repeats=2, random_state=7)


@pytest.fixture(scope="module")
def features(clean_frame: pd.DataFrame) -> pd.DataFrame:
    return build_feature_frame(clean_frame)


@pytest.fixture(scope="module")
def target(clean_frame: pd.DataFrame) -> np.ndarray:
    return clean_frame["a_quitte_l_entreprise"].to_numpy(dtype=int)


def test_each_training_fold_excludes_its_test_fold(
    features: pd.DataFrame, target: np.ndarray
) -> None:
    seen: list[set[int]] = []

    def spying_fit(x: pd.DataFrame, y: np.ndarray, random_state: int) -> Thresholded:
        seen.append(set(x.index))
        return fit_dummy(x, y, random_state)

    cross_validate(spying_fit, features, target, SMALL)
    splitter = RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=7)
    tests = [set(features.index[test]) for _, test in splitter.split(features, target)]
    assert len(seen) == len(tests) == 6
    for trained_on, tested_on in zip(seen, tests, strict=True):
        assert trained_on.isdisjoint(tested_on)
        assert trained_on | tested_on == set(features.index)


def test_every_employee_is_scored_once_per_repeat(
    features: pd.DataFrame, target: np.ndarray
) -> None:
    cv = cross_validate(fit_dummy, features, target, SMALL)
    assert len(cv.repeats) == 2 and len(cv.folds) == 6
    for oof in cv.repeats:
        # the dummy answers its training base rate: 16.1 % give or take a row
        assert np.all(np.abs(oof.probabilities - 237 / 1470) < 0.002)


def test_cross_validation_is_deterministic_and_independent_of_n_jobs(
    features: pd.DataFrame, target: np.ndarray
) -> None:
    first = cross_validate(fit_dummy, features, target, SMALL)
    again = cross_validate(fit_dummy, features, target, SMALL, n_jobs=2)
    assert first.folds == again.folds


def test_summary_reports_mean_and_std_of_every_metric(
    features: pd.DataFrame, target: np.ndarray
) -> None:
    summary = cross_validate(fit_dummy, features, target, SMALL).summary()
    assert set(summary) == {
        "roc_auc",
        "pr_auc",
        "f1",
        "recall",
        "precision",
        "brier",
        "false_positive_rate",
        "selection_rate",
        "threshold",
    }
    assert summary["roc_auc"] == {"mean": 0.5, "std": 0.0}
    # the dummy flags no one (threshold 0.5 above its constant score)
    assert summary["false_positive_rate"] == summary["selection_rate"] == {"mean": 0.0, "std": 0.0}


def test_false_positive_and_selection_rates_count_the_flagged() -> None:
    target = np.array([1, 1, 0, 0, 0, 0])
    decisions = np.array([True, False, True, False, False, False])
    metrics = score(target, np.where(decisions, 0.9, 0.1), decisions)
    assert metrics["false_positive_rate"] == 0.25 and metrics["selection_rate"] == 2 / 6


def test_holdout_scores_a_fifth_of_the_employees(
    features: pd.DataFrame, target: np.ndarray
) -> None:
    holdout = evaluate_holdout(fit_dummy, features, target, Protocol())
    assert holdout["roc_auc"] == 0.5 and holdout["threshold"] == 0.5


def test_score_of_perfect_answers() -> None:
    target = np.array([0, 0, 1, 1])
    metrics = score(target, np.array([0.0, 0.0, 1.0, 1.0]), target.astype(bool))
    assert metrics == {
        "f1": 1.0,
        "recall": 1.0,
        "precision": 1.0,
        "brier": 0.0,
        "false_positive_rate": 0.0,
        "selection_rate": 0.5,
        "roc_auc": 1.0,
        "pr_auc": 1.0,
    }


def test_score_of_a_group_without_leavers_has_no_auc() -> None:
    metrics = score(np.zeros(3, dtype=int), np.full(3, 0.2), np.zeros(3, dtype=bool))
    assert "roc_auc" not in metrics and metrics["recall"] == 0.0


def test_age_bands_cover_the_allowed_ages() -> None:
    bands = age_band(pd.Series([16, 29, 30, 49, 50, 75]))
    assert bands.tolist() == ["16-29", "16-29", "30-39", "40-49", "50+", "50+"]


def test_slices_and_calibration_use_out_of_fold_answers(
    clean_frame: pd.DataFrame, features: pd.DataFrame, target: np.ndarray
) -> None:
    cv = cross_validate(fit_dummy, features, target, SMALL)
    sliced = slice_metrics(clean_frame[["genre"]], target, cv)
    assert sliced["genre"]["F"]["n"] + sliced["genre"]["M"]["n"] == 1470
    assert sliced["genre"]["F"]["leave_rate"] == pytest.approx(87 / 588)
    table = calibration_table(target, cv, (0.0, 0.1, 0.2, 1.0))
    assert [row["n"] for row in table] == [1470]  # every dummy answer is ~0.161
    assert table[0]["observed_rate"] == pytest.approx(237 / 1470)


def test_operating_points_give_recall_precision_and_staff_flagged_with_their_range() -> None:
    target = np.array([1, 1, 0, 0, 0])
    repeats = [
        OutOfFold(np.array([0.9, 0.4, 0.5, 0.1, 0.1]), np.zeros(5, dtype=bool)),
        OutOfFold(np.array([0.9, 0.6, 0.2, 0.1, 0.1]), np.zeros(5, dtype=bool)),
    ]
    [low, high] = operating_points(target, CrossValidation([], repeats), (0.55, 0.3))
    assert low["threshold"] == 0.3 and low["recall"] == 1.0
    assert low["precision"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert low["precision_range"] == pytest.approx([2 / 3, 1.0])
    assert low["share_flagged"] == pytest.approx(0.5) and low["share_flagged_range"] == [0.4, 0.6]
    assert high["recall"] == 0.75 and high["recall_range"] == [0.5, 1.0]
