"""The serving predictor: equal to the sklearn pipeline, exact explanations, risk levels."""

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from src.artifacts import LoadedModel
from src.estimator import TrainedModel, build_trained_model, fit_gradient_boosting
from src.features import build_feature_frame
from src.prediction import LEAVES, STAYS, Predictor, RiskLevels, probability_points

# Shipped model 1.0.0: probability of leaving of the first five employees of the extracts.
# Retraining on other data or code changes these on purpose: update them with the new artifact.
GOLDEN = {
    1: 0.552702441301,
    2: 0.006971591706,
    4: 0.622217304723,
    5: 0.255323226011,
    7: 0.196145515167,
}


def test_fast_path_equals_sklearn_pipeline_for_every_employee(
    shipped: LoadedModel, predictor: Predictor, clean_frame: pd.DataFrame, records: list[dict]
) -> None:
    expected = shipped.model.estimator.predict_proba(build_feature_frame(clean_frame))[:, 1]
    fast = np.array([scoring.probability for scoring in predictor.predict(records)])
    np.testing.assert_allclose(fast, expected, rtol=0, atol=1e-9)


def test_labels_follow_the_threshold_as_the_pipeline_does(
    shipped: LoadedModel, predictor: Predictor, clean_frame: pd.DataFrame, records: list[dict]
) -> None:
    expected = shipped.model.estimator.predict(build_feature_frame(clean_frame))
    labels = [scoring.label for scoring in predictor.predict(records)]
    assert labels == [LEAVES if leaves else STAYS for leaves in expected]


def test_contributions_add_up_to_the_logit(predictor: Predictor, records: list[dict]) -> None:
    for scoring in predictor.predict(records):
        total = scoring.baseline_logit + sum(value for _, value in scoring.contributions)
        assert total == pytest.approx(scoring.logit, abs=1e-9)
        assert 1 / (1 + np.exp(-scoring.logit)) == pytest.approx(scoring.probability, abs=1e-12)


def test_contributions_are_sorted_largest_first_one_per_feature(
    predictor: Predictor, make_employee: Any
) -> None:
    (scoring,) = predictor.predict([make_employee()])
    magnitudes = [abs(value) for _, value in scoring.contributions]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert sorted(name for name, _ in scoring.contributions) == sorted(predictor.feature_names)


def test_batch_answers_equal_single_answers(predictor: Predictor, records: list[dict]) -> None:
    batch = predictor.predict(records[:20])
    singles = [predictor.predict([record])[0] for record in records[:20]]
    assert batch == singles


def test_golden_predictions_of_fixed_employees(predictor: Predictor, records: list[dict]) -> None:
    fixed = {record["id_employee"]: record for record in records[:5]}
    probabilities = {i: predictor.predict([r])[0].probability for i, r in fixed.items()}
    assert probabilities == pytest.approx(GOLDEN, abs=1e-9)


@pytest.mark.parametrize(
    ("probability", "level"),
    [(0.0, "faible"), (0.1599, "faible"), (0.16, "moyen"), (0.2999, "moyen"), (0.3, "élevé")],
)
def test_risk_levels_cut_at_base_rate_and_threshold(probability: float, level: str) -> None:
    assert RiskLevels.derive(base_rate=0.16, threshold=0.3).level(probability) == level


def test_risk_levels_never_invert_when_threshold_is_below_base_rate() -> None:
    levels = RiskLevels.derive(base_rate=0.2, threshold=0.1)
    assert (levels.level(0.05), levels.level(0.15)) == ("faible", "élevé")


def test_risk_level_elevé_is_exactly_the_leaving_prediction(
    predictor: Predictor, records: list[dict]
) -> None:
    for scoring in predictor.predict(records):
        assert (scoring.risk_level == "élevé") == (scoring.label == LEAVES)


def test_non_linear_model_is_refused_for_exact_explanations(
    clean_frame: pd.DataFrame,
) -> None:
    sample = clean_frame.sample(400, random_state=0)
    target = sample["a_quitte_l_entreprise"].to_numpy(dtype=int)
    model = build_trained_model(fit_gradient_boosting, build_feature_frame(sample), target, 0)
    assert isinstance(model, TrainedModel)
    with pytest.raises(TypeError, match="exact explanations need a linear model"):
        Predictor(model)


def test_points_add_up_to_the_gap_with_the_reference_employee(
    predictor: Predictor, records: list[dict]
) -> None:
    """In probability, each factor's share (Aumann-Shapley along the straight path in logit)
    sums to p - p_ref exactly and keeps its contribution's sign, for every employee."""
    reference = float(expit(predictor.baseline_logit))
    for scoring in predictor.predict(records[:200]):
        values = [value for _, value in scoring.contributions]
        shares = probability_points(scoring.baseline_logit, values)
        assert sum(shares) == pytest.approx(scoring.probability - reference, abs=1e-12)
        assert all(
            np.sign(share) == np.sign(value) for share, value in zip(shares, values, strict=True)
        )


def test_points_of_contributions_that_cancel_out_use_the_slope_at_the_reference() -> None:
    shares = probability_points(-1.0, [0.5, -0.5])
    slope = float(expit(-1.0) * (1 - expit(-1.0)))
    assert shares == pytest.approx([0.5 * slope, -0.5 * slope])
