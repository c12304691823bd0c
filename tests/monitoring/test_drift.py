"""Drift against the training profile: the bars of issue 15 on windows built from the training
data itself, unchanged and shifted."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from bench.drift_false_alarms import move_thirty_points
from src.artifacts import LoadedModel
from src.fields import FIELDS, Kind
from src.monitoring.drift import DriftThresholds, drift_report, psi
from src.prediction import Predictor

Records = list[dict[str, Any]]
WINDOW = 500
THRESHOLDS = DriftThresholds()
NUMBERS = [spec.name for spec in FIELDS if spec.kind not in (Kind.CATEGORY, Kind.BOOLEAN)]
CATEGORIES = [spec.name for spec in FIELDS if spec.kind in (Kind.CATEGORY, Kind.BOOLEAN)]


@pytest.fixture(scope="module")
def report_of(shipped: LoadedModel, predictor: Predictor) -> Callable[[Records], dict[str, Any]]:
    def report(window: Records, scored: Records | None = None) -> dict[str, Any]:
        """Drift of `window`, with the scores of `scored` (default: the window itself)."""
        probabilities = [s.probability for s in predictor.predict(scored or window)]
        profile, features = shipped.model.profile, shipped.metadata["features"]
        return drift_report(profile, features, window, probabilities, THRESHOLDS)

    return report


def _draw(records: Records, seed: int, size: int = WINDOW) -> Records:
    rng = np.random.default_rng(seed)
    return [dict(records[i]) for i in rng.choice(len(records), size, replace=False)]


@pytest.mark.parametrize("seed", range(20))
def test_a_window_drawn_from_the_training_data_flags_nothing(
    records: Records, report_of: Callable, seed: int
) -> None:
    report = report_of(_draw(records, seed))
    assert report["status"] == "ok", report["drifted"]
    assert report["drifted"] == [] and report["alerts"] == []
    assert report["probability"]["drifted"] is False


@pytest.mark.parametrize("name", NUMBERS)
def test_a_number_moved_by_one_standard_deviation_is_flagged(
    records: Records, report_of: Callable, shipped: LoadedModel, name: str
) -> None:
    """(Scored as drawn: a 1-4 score moved by 1.1 is no category the model knows.)"""
    std = shipped.model.profile["columns"][name]["std"]
    drawn = _draw(records, 1)
    window = [{**record, name: record[name] + std} for record in drawn]
    report = report_of(window, scored=drawn)
    assert name in report["drifted"]
    flagged = next(row for row in report["columns"] if row["name"] == name)
    assert flagged["shift_std"] == pytest.approx(1.0, abs=0.25)


@pytest.mark.parametrize("name", CATEGORIES)
def test_a_category_whose_share_changes_by_30_points_is_flagged(
    records: Records, report_of: Callable, name: str
) -> None:
    """A common value (30 % or more) loses 30 points of share to the others; with no value
    that common, the rarest gains 30 points."""
    window = move_thirty_points(_draw(records, 2), name, np.random.default_rng(3))
    assert name in report_of(window)["drifted"]


def test_overtime_for_everyone_alerts_on_the_field_and_the_scores(
    records: Records, report_of: Callable
) -> None:
    window = _draw(records, 4)
    for record in window:
        record["heures_supplementaires"] = True
    report = report_of(window)
    assert report["status"] == "alert"
    assert report["drifted"][0] == "heures_supplementaires"  # sorted by PSI
    assert any(alert.startswith("heures_supplementaires") for alert in report["alerts"])
    assert report["probability"]["drifted"] is True


def test_below_the_minimum_sample_the_answer_is_not_a_number(
    records: Records, report_of: Callable
) -> None:
    report = report_of(_draw(records, 5, size=THRESHOLDS.minimum_sample - 1))
    assert report["status"] == "not enough data"
    assert "columns" not in report and "drifted" not in report


def test_psi_is_zero_for_equal_shares_and_grows_with_the_difference() -> None:
    assert psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    assert (
        0
        < psi(np.array([0.5, 0.5]), np.array([0.6, 0.4]))
        < psi(np.array([0.5, 0.5]), np.array([0.8, 0.2]))
    )
