"""Artifacts: a model file is unpickled only when its sha256 matches."""

import io
import json
import pickle
import shutil
from pathlib import Path

import pytest

from src.artifacts import load_local, load_verified, sha256_bytes
from src.errors import ArtifactIntegrityError
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
