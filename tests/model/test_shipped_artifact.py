"""The shipped models/ artifact: consistent metadata, the bar, and reproducible from the CLI."""

import copy

import numpy as np
import pandas as pd
import pytest

from src.artifacts import LoadedModel, sha256_bytes
from src.estimator import build_trained_model, fit_logistic_regression
from src.features import FEATURES, build_feature_frame
from src.fields import describe_fields
from src.lifecycle.training_data import TrainingData
from src.model_card import render_model_card
from src.train import BAR, with_profile
from tests.conftest import DATA_DIR, MODELS_DIR


def test_metadata_hash_is_the_model_file_hash(shipped: LoadedModel) -> None:
    content = (MODELS_DIR / shipped.metadata["model_file"]).read_bytes()
    assert shipped.metadata["sha256"] == sha256_bytes(content)


def test_shipped_model_clears_the_bar_under_cross_validation(shipped: LoadedModel) -> None:
    cv = shipped.metadata["metrics"]["cv"]
    assert cv["roc_auc"]["mean"] >= BAR["roc_auc"]
    assert cv["pr_auc"]["mean"] >= BAR["pr_auc"]
    assert cv["brier"]["mean"] <= BAR["brier"]


def test_metadata_schema_is_the_field_list(shipped: LoadedModel) -> None:
    assert shipped.metadata["input_schema"] == describe_fields()
    assert [f["name"] for f in shipped.metadata["features"]] == [f.name for f in FEATURES]


def test_metadata_names_the_training_data_it_came_from(shipped: LoadedModel) -> None:
    assert (
        shipped.metadata["training_data"]["sha256"] == TrainingData.from_extracts(DATA_DIR).sha256
    )
    assert shipped.metadata["threshold"] == shipped.model.threshold


def test_model_card_is_rendered_from_the_metadata(shipped: LoadedModel) -> None:
    card = (MODELS_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card == render_model_card(shipped.metadata)
    for section in ("## Intended use", "## Limits", "**Timing**", "age_band", "departement"):
        assert section in card


def test_the_card_states_the_bands_that_are_off_in_every_repeat(shipped: LoadedModel) -> None:
    """Computed from the out-of-fold bands: a band is named when its gap has one sign and
    exceeds 5 points in every repeat, and only then."""
    metadata = copy.deepcopy(shipped.metadata)
    bands = metadata["metrics"]["calibration"]
    top = bands[-1]
    top.update(gap_range=[0.08, 0.12], repeats=3)
    card = render_model_card(metadata)
    band = f"{top['from']:.0%}–{min(top['to'], 1.0):.0%}"
    assert f"employees given {band} leave more often than predicted, by 8 to 12 points" in card
    top.update(repeats=2)  # empty in one repeat: not "in every repeat"
    assert f"employees given {band} leave more" not in render_model_card(metadata)
    for other in bands:
        other.update(gap_range=[-0.03, 0.02], repeats=3)
    quiet = render_model_card(metadata)
    assert "Under-predicted" not in quiet and "Over-predicted" not in quiet
    assert "Hosmer–Lemeshow" in quiet and "(10 df)" in quiet


def test_the_card_gives_ranges_intervals_and_the_explanation_baseline(
    shipped: LoadedModel,
) -> None:
    card = (MODELS_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    low, high = shipped.metadata["metrics"]["cv"]["roc_auc"]["repeat_range"]
    assert f"{low:.3f}–{high:.3f}" in card
    hr = shipped.metadata["metrics"]["slices"]["departement"]["Ressources Humaines"]
    recall_low, recall_high = hr["intervals"]["recall"]
    assert f"{hr['recall']:.2f} ({recall_low:.2f}–{recall_high:.2f})" in card
    assert recall_high - recall_low > 0.3  # 63 employees: a wide interval, said so
    assert f"{shipped.metadata['explanation']['baseline_logit']:.4f}" in card


def test_training_again_reproduces_the_shipped_model(
    shipped: LoadedModel, clean_frame: pd.DataFrame
) -> None:
    """Equal to 1e-9, not bit for bit: BLAS kernels differ between CPUs in the last bits (the
    same CPU reproduces the file exactly; another one moved the threshold by 6e-16)."""
    features = build_feature_frame(clean_frame)
    target = clean_frame["a_quitte_l_entreprise"].to_numpy(dtype=int)
    retrained = with_profile(
        build_trained_model(fit_logistic_regression, features, target, 42), clean_frame, target
    )
    fixed = features.iloc[:25]
    assert retrained.threshold == pytest.approx(shipped.model.threshold, rel=1e-9)
    np.testing.assert_allclose(
        retrained.estimator.predict_proba(fixed),
        shipped.model.estimator.predict_proba(fixed),
        rtol=1e-9,
    )
    # The data's own: the same up to the last bits of a log (numpy's SIMD loops differ
    # between CPUs too: log1p(2) ends in ...096 on one machine, ...098 on another).
    retrained_leaves, shipped_leaves = (
        _numbers(model.profile["columns"]) for model in (retrained, shipped.model)
    )
    assert retrained_leaves.keys() == shipped_leaves.keys()
    for path, value in shipped_leaves.items():
        if isinstance(value, float):
            assert retrained_leaves[path] == pytest.approx(value, rel=1e-12), path
        else:
            assert retrained_leaves[path] == value, path
    np.testing.assert_allclose(
        retrained.profile["probability"]["quantiles"],
        shipped.model.profile["probability"]["quantiles"],
        rtol=1e-9,
    )


def _numbers(tree: object, path: str = "") -> dict[str, object]:
    """A nested profile flattened to {path: leaf}, for `pytest.approx`."""
    if isinstance(tree, dict):
        return {
            k: v for key, sub in tree.items() for k, v in _numbers(sub, f"{path}/{key}").items()
        }
    if isinstance(tree, list):
        return {k: v for i, sub in enumerate(tree) for k, v in _numbers(sub, f"{path}/{i}").items()}
    return {path: tree}
