"""The CV protocol: no peeking at test folds, full out-of-fold coverage, determinism."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import RepeatedStratifiedKFold

from src.estimator import Thresholded, fit_dummy
from src.evaluation import (
    METRICS,
    CrossValidation,
    OutOfFold,
    Protocol,
    age_band,
    bootstrap_intervals,
    calibration_table,
    cross_validate,
    evaluate_holdout,
    hosmer_lemeshow,
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
    assert summary["roc_auc"] == {"mean": 0.5, "std": 0.0, "repeat_range": [0.5, 0.5]}
    # the dummy flags no one (threshold 0.5 above its constant score)
    nobody = {"mean": 0.0, "std": 0.0, "repeat_range": [0.0, 0.0]}
    assert summary["false_positive_rate"] == summary["selection_rate"] == nobody


def test_the_repeat_range_spans_the_means_of_each_repeat() -> None:
    folds = [dict.fromkeys((*METRICS, "threshold"), 0.0) for _ in range(4)]
    for fold, auc in zip(folds, (0.8, 0.9, 0.6, 0.7), strict=True):
        fold["roc_auc"] = auc
    repeats = [OutOfFold(np.zeros(2), np.zeros(2, dtype=bool))] * 2
    summary = CrossValidation(folds, repeats).summary()["roc_auc"]
    assert summary["mean"] == pytest.approx(0.75)
    assert summary["repeat_range"] == pytest.approx([0.65, 0.85])  # (0.6+0.7)/2, (0.8+0.9)/2


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
    assert table[0]["repeats"] == 2 and table[0]["gap_range"][1] == pytest.approx(0.0, abs=0.01)


def test_a_band_off_in_every_repeat_has_a_gap_range_of_one_sign() -> None:
    target = np.array([1, 1, 0, 0])
    repeats = [
        OutOfFold(np.array([0.6, 0.6, 0.1, 0.1]), np.zeros(4, dtype=bool)),
        OutOfFold(np.array([0.7, 0.5, 0.1, 0.2]), np.zeros(4, dtype=bool)),
    ]
    low, high = calibration_table(target, CrossValidation([], repeats), (0.0, 0.3, 1.0))
    assert high["observed_rate"] == 1.0 and high["gap_range"] == pytest.approx([0.4, 0.4])
    assert low["gap_range"] == pytest.approx([-0.15, -0.1])


def test_hosmer_lemeshow_tells_calibrated_from_miscalibrated_probabilities() -> None:
    rng = np.random.default_rng(3)
    probabilities = rng.uniform(0.02, 0.9, size=5000)
    target = (rng.uniform(size=5000) < probabilities).astype(int)
    calibrated = hosmer_lemeshow(target, probabilities)
    assert calibrated["df"] == 10 and calibrated["p_value"] > 0.01
    too_low = hosmer_lemeshow(target, probabilities * 0.8)  # every risk under-predicted
    assert too_low["p_value"] < 1e-6 and too_low["statistic"] > calibrated["statistic"]


def test_bootstrap_intervals_hold_the_estimate_and_widen_for_a_small_group() -> None:
    rng = np.random.default_rng(5)
    target = rng.uniform(size=2000) < 0.2
    flagged = np.where(target, rng.uniform(size=2000) < 0.6, rng.uniform(size=2000) < 0.1)
    large = bootstrap_intervals(target, [flagged], seed=1)
    small = bootstrap_intervals(target[:100], [flagged[:100]], seed=1)
    recall = flagged[target].mean()
    assert large["recall"][0] < recall < large["recall"][1]
    for name in ("recall", "false_positive_rate", "selection_rate"):
        assert np.diff(small[name])[0] > 2 * np.diff(large[name])[0]
    assert bootstrap_intervals(target, [flagged], seed=1) == large  # seeded


def test_a_group_without_leavers_has_no_recall_interval_but_the_others() -> None:
    intervals = bootstrap_intervals(np.zeros(30, dtype=bool), [np.ones(30, dtype=bool)], seed=0)
    assert intervals["recall"] is None
    assert intervals["false_positive_rate"] == [1.0, 1.0]


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
