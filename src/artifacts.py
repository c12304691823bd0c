"""The model artifact on disk: write it, hash it, and load it only once its sha256 matches.

`models/` holds `model.joblib` (a pickled `TrainedModel`), `metadata.json` (which names the
file's sha256) and `MODEL_CARD.md`. A pickle runs code when it is loaded, so the hash is checked
on the bytes before `joblib` ever sees them.
"""

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from src.errors import ArtifactIntegrityError
from src.estimator import TrainedModel

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"


@dataclass(frozen=True)
class LoadedModel:
    model: TrainedModel
    metadata: dict[str, Any]


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_artifacts(
    model: TrainedModel, metadata: dict[str, Any], card: str, directory: Path
) -> dict[str, Any]:
    """Write the three files; returns the metadata as written (with file name and sha256)."""
    directory.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    content = buffer.getvalue()
    (directory / MODEL_FILE).write_bytes(content)
    written = {**metadata, "model_file": MODEL_FILE, "sha256": sha256_bytes(content)}
    text = json.dumps(written, indent=2, ensure_ascii=False) + "\n"
    (directory / METADATA_FILE).write_text(text, encoding="utf-8")
    (directory / CARD_FILE).write_text(card, encoding="utf-8")
    return written


def read_metadata(directory: Path) -> dict[str, Any]:
    return json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))


def load_verified(model_path: Path, expected_sha256: str) -> TrainedModel:
    """Unpickle `model_path` only if its bytes hash to `expected_sha256`."""
    content = model_path.read_bytes()
    actual = sha256_bytes(content)
    if actual != expected_sha256:
        raise ArtifactIntegrityError(
            f"{model_path}: sha256 is {actual}, expected {expected_sha256}; refusing to load it"
        )
    model = joblib.load(io.BytesIO(content))
    if not isinstance(model, TrainedModel):
        raise ArtifactIntegrityError(f"{model_path}: holds {type(model).__name__}, not a model")
    return model


def load_local(directory: Path) -> LoadedModel:
    """The bundled artifact of `directory`, hash-checked against its own metadata."""
    metadata = read_metadata(directory)
    model = load_verified(directory / metadata["model_file"], metadata["sha256"])
    return LoadedModel(model, metadata)
