"""Artifacts: a model file is unpickled only when its sha256 matches, and served only when
it reads the features this code builds and comes from this scikit-learn release."""

import io
import json
import pickle
import shutil
from copy import deepcopy
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import sklearn

from src.artifacts import load_local, load_verified, read_metadata, sha256_bytes
from src.errors import ArtifactCompatibilityError, ArtifactIntegrityError
from src.estimator import TrainedModel, fitted_pipeline
from src.features import FEATURES
from tests.conftest import MODELS_DIR, alarming_pickle


@pytest.fixture
def models_copy(tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(MODELS_DIR, target)
    return target


def test_bundled_artifact_loads_when_its_hash_matches(models_copy: Path) -> None:
    loaded = load_local(models_copy)
    assert (
        loaded.metadata["version"]
        == json.loads((MODELS_DIR / "metadata.json").read_text())["version"]
    )
    assert loaded.model.threshold == loaded.metadata["threshold"]


def test_tampered_model_file_is_refused_without_being_unpickled(
    models_copy: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "code-ran"
    (models_copy / "model.joblib").write_bytes(alarming_pickle(flag))
    with pytest.raises(ArtifactIntegrityError, match="sha256 is .*, expected .*refusing to load"):
        load_local(models_copy)
    assert not flag.exists()


def test_file_of_the_right_hash_but_wrong_content_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    buffer = io.BytesIO()
    pickle.dump({"not": "a model"}, buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ArtifactIntegrityError, match="holds dict, not a model"):
        load_verified(path, sha256_bytes(buffer.getvalue()))


def _rewritten(directory: Path, content: bytes, **metadata: object) -> None:
    """`directory`'s artifact with the model file's bytes replaced (and re-hashed, so only the
    compatibility checks can refuse it) and metadata keys overridden."""
    (directory / "model.joblib").write_bytes(content)
    written = {**read_metadata(directory), **metadata, "sha256": sha256_bytes(content)}
    (directory / "metadata.json").write_text(json.dumps(written), encoding="utf-8")


def _with_features(model: TrainedModel, names: list[str]) -> bytes:
    """The model pickled again, as if its encoder had been fitted on `names`."""
    copy = deepcopy(model)
    encoder = fitted_pipeline(copy.estimator).named_steps["encoder"]
    encoder.feature_names_in_ = np.array(names, dtype=object)
    buffer = io.BytesIO()
    joblib.dump(copy, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda names: names[:-1], r"missing: \['niveau_hierarchique_poste'\]"),
        (lambda names: [*names, "note_manager"], r"unknown: \['note_manager'\]"),
        (lambda names: names[::-1], "order differs: True"),
    ],
    ids=["missing", "unknown", "reordered"],
)
def test_a_model_trained_on_other_features_is_refused(
    models_copy: Path, change: Any, message: str
) -> None:
    model = load_local(models_copy).model
    names = [feature.name for feature in FEATURES]
    _rewritten(models_copy, _with_features(model, change(names)))
    with pytest.raises(ArtifactCompatibilityError, match=message):
        load_local(models_copy)


def test_a_model_pickled_by_another_scikit_learn_release_is_refused(models_copy: Path) -> None:
    content = (models_copy / "model.joblib").read_bytes()
    ours = sklearn.__version__.encode()
    other = b"0.99"[: len(ours)].ljust(len(ours), b"9")  # same length: the pickle stays valid
    assert ours in content
    _rewritten(models_copy, content.replace(ours, other))
    with pytest.raises(ArtifactCompatibilityError, match="pickled with scikit-learn 0.99"):
        load_local(models_copy)


def test_metadata_naming_another_scikit_learn_minor_is_refused(models_copy: Path) -> None:
    content = (models_copy / "model.joblib").read_bytes()
    libraries = {**read_metadata(models_copy)["libraries"], "scikit-learn": "1.0.2"}
    _rewritten(models_copy, content, libraries=libraries)
    with pytest.raises(ArtifactCompatibilityError, match="trained with scikit-learn 1.0.2"):
        load_local(models_copy)
