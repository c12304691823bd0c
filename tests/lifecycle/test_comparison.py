"""Champion against challenger: the corrected paired test, and the decision on real folds."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_rel

from bench.champion_challenger import fit_on_shuffled_labels
from src.artifacts import LoadedModel
from src.estimator import Fit, fit_dummy, recipe_of
from src.evaluation import CrossValidation, Protocol, cross_validate
from src.features import build_feature_frame
from src.lifecycle.comparison import ComparisonPolicy, compare, corrected_paired_test
from src.train import groups_of

CHAMPION = [0.85, 0.86, 0.84, 0.87, 0.85, 0.83, 0.86, 0.85, 0.84, 0.86]
CHALLENGER = [0.86, 0.86, 0.85, 0.88, 0.84, 0.85, 0.86, 0.87, 0.84, 0.87]


def test_without_the_correction_it_is_the_plain_paired_t_test() -> None:
    test = corrected_paired_test("roc_auc", CHAMPION, CHALLENGER, 0.0, 0.95, 0.01)
    plain = ttest_rel(CHALLENGER, CHAMPION)
    assert test.t_statistic == pytest.approx(plain.statistic)
    assert test.p_value == pytest.approx(plain.pvalue)
    assert test.advantage == pytest.approx(np.mean(CHALLENGER) - np.mean(CHAMPION))


def test_the_correction_widens_the_interval_by_the_overlap_of_training_folds() -> None:
    plain = corrected_paired_test("roc_auc", CHAMPION, CHALLENGER, 0.0, 0.95, 0.01)
    corrected = corrected_paired_test("roc_auc", CHAMPION, CHALLENGER, 0.25, 0.95, 0.01)
    folds = len(CHAMPION)
    widening = np.sqrt((1 / folds + 0.25) / (1 / folds))
    assert corrected.corrected_std_error == pytest.approx(plain.corrected_std_error * widening)
    assert corrected.p_value > plain.p_value and corrected.lower_bound < plain.lower_bound


def test_non_inferiority_is_rejected_exactly_when_the_bound_is_above_minus_the_margin() -> None:
    for margin in (0.0, 0.005, 0.01, 0.02):
        test = corrected_paired_test("roc_auc", CHAMPION, CHALLENGER, 0.25, 0.95, margin)
        assert (test.p_non_inferiority < 0.05) == (not test.worse)


def test_for_brier_lower_is_the_advantage() -> None:
    test = corrected_paired_test(
        "brier", [0.10] * 5, [0.09, 0.08, 0.09, 0.09, 0.08], 0.25, 0.95, 0.005
    )
    assert test.advantage == pytest.approx(0.014) and not test.worse


def test_identical_folds_are_no_change_and_not_worse() -> None:
    test = corrected_paired_test("pr_auc", CHAMPION, CHAMPION, 0.25, 0.95, 0.02)
    assert (test.advantage, test.p_value, test.worse) == (0.0, 1.0, False)


def test_a_clear_loss_beyond_the_margin_is_worse() -> None:
    worse = [value - 0.05 for value in CHAMPION]
    test = corrected_paired_test("roc_auc", CHAMPION, worse, 0.25, 0.95, 0.01)
    assert test.worse and test.lower_bound == pytest.approx(-0.05)


@pytest.fixture(scope="module")
def folds(clean_frame: pd.DataFrame) -> dict:
    features = build_feature_frame(clean_frame)
    target = clean_frame["a_quitte_l_entreprise"].to_numpy(dtype=int)
    protocol = Protocol(n_repeats=1)
    return {
        "features": features,
        "target": target,
        "protocol": protocol,
        "groups": groups_of(clean_frame),
    }


def _cv(folds: dict, fit: Fit) -> CrossValidation:
    return cross_validate(fit, folds["features"], folds["target"], folds["protocol"])


@pytest.fixture(scope="module")
def champion_cv(folds: dict, shipped: LoadedModel) -> CrossValidation:
    return _cv(folds, recipe_of(shipped.metadata["estimator"]))


@pytest.mark.slow
@pytest.mark.parametrize("challenger", [fit_on_shuffled_labels, fit_dummy])
def test_a_deliberately_worse_challenger_is_refused(
    folds: dict, champion_cv: CrossValidation, challenger: Fit
) -> None:
    result = compare(
        champion_cv, _cv(folds, challenger), folds["groups"], folds["target"], folds["protocol"]
    )
    assert result["decision"] == "keep the champion"
    roc_auc = next(test for test in result["metrics"] if test["metric"] == "roc_auc")
    assert roc_auc["worse"] and roc_auc["advantage"] < -0.2
    assert any(
        reason.startswith("roc_auc: the challenger may be worse") for reason in result["reasons"]
    )
    assert any(row["worse"] for row in result["slices"])  # recall lost, or many more flagged


@pytest.mark.slow
def test_the_champions_own_recipe_ties_and_is_promoted(
    folds: dict, champion_cv: CrossValidation, shipped: LoadedModel
) -> None:
    again = _cv(folds, recipe_of(shipped.metadata["estimator"]))
    result = compare(champion_cv, again, folds["groups"], folds["target"], folds["protocol"])
    assert result["decision"] == "promote" and result["reasons"] == []
    assert all(test["advantage"] == 0.0 for test in result["metrics"])
    groups = {(row["group"], row["metric"]) for row in result["slices"]}
    assert ("statut_marital", "false_positive_rate") in groups and ("genre", "recall") in groups
    assert result["policy"]["slice_tolerance"] == ComparisonPolicy().slice_tolerance
