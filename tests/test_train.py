"""The training CLI: candidate selection, the bar, and the artifacts it writes."""

import json
from pathlib import Path

import pytest

from src.artifacts import load_local, sha256_bytes
from src.errors import ModelSelectionError
from src.model_card import render_model_card
from src.train import check_bar, main, select_candidate
from tests.conftest import DATA_DIR


def _summary(roc_auc: float, pr_auc: float = 0.7, brier: float = 0.08) -> dict:
    return {
        "roc_auc": {"mean": roc_auc, "std": 0.0},
        "pr_auc": {"mean": pr_auc, "std": 0.0},
        "brier": {"mean": brier, "std": 0.0},
    }


def test_linear_model_is_chosen_when_within_a_hundredth_of_the_best() -> None:
    summaries = {"logistic_regression": _summary(0.845), "gradient_boosting": _summary(0.854)}
    assert select_candidate(summaries) == "logistic_regression"


def test_clearly_better_non_linear_model_stops_training() -> None:
    summaries = {"logistic_regression": _summary(0.80), "gradient_boosting": _summary(0.85)}
    with pytest.raises(ModelSelectionError, match="gradient_boosting beats logistic_regression"):
        select_candidate(summaries)


def test_selection_without_a_linear_candidate_is_refused() -> None:
    with pytest.raises(ModelSelectionError, match="no linear candidate"):
        select_candidate({"dummy": _summary(0.5)})


def test_bar_failures_name_each_missed_metric() -> None:
    assert check_bar(_summary(0.85, 0.66, 0.09)) == []
    failures = check_bar(_summary(0.83, 0.66, 0.11))
    assert failures == [
        "CV roc_auc 0.830 misses the bar 0.840",
        "CV brier 0.110 misses the bar 0.100",
    ]


@pytest.mark.slow
def test_cli_writes_a_loadable_artifact_with_cross_validated_metrics(tmp_path: Path) -> None:
    out = tmp_path / "models"
    argv = ["--data-dir", str(DATA_DIR), "--output-dir", str(out), "--version", "9.9.9"]
    argv += ["--n-repeats", "1", "--candidates", "logistic_regression", "dummy"]
    assert main(argv) == 0
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["version"] == "9.9.9"
    assert metadata["sha256"] == sha256_bytes((out / "model.joblib").read_bytes())
    assert metadata["metrics"]["cv"]["roc_auc"]["mean"] >= 0.84
    assert len(metadata["metrics"]["cv_folds"]) == 5
    assert set(metadata["metrics"]["candidates"]) == {"logistic_regression", "dummy"}
    assert (out / "MODEL_CARD.md").read_text(encoding="utf-8") == render_model_card(metadata)
    assert load_local(out).metadata == metadata


def test_cli_without_a_shippable_candidate_writes_nothing_and_fails(tmp_path: Path) -> None:
    out = tmp_path / "models"
    argv = ["--data-dir", str(DATA_DIR), "--output-dir", str(out), "--candidates", "dummy"]
    assert main(argv + ["--n-repeats", "1"]) == 1
    assert not out.exists()
