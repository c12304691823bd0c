"""The model artifact: write it, fetch it from the Hub, and load it only once its sha256 matches.

`models/` holds `model.joblib` (a pickled `TrainedModel`), `metadata.json` (which names the
file's sha256) and `MODEL_CARD.md`; the Hub model repo holds the same three files. A pickle
runs code when it is loaded, so the hash is checked on the bytes before `joblib` sees them.
"""

import hashlib
import io
import json
import logging
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import joblib
import sklearn
from huggingface_hub import hf_hub_download
from sklearn.exceptions import InconsistentVersionWarning

from src.config import Settings
from src.errors import ArtifactCompatibilityError, ArtifactIntegrityError
from src.estimator import TrainedModel, fitted_pipeline
from src.features import FEATURES

logger = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"


@dataclass(frozen=True)
class LoadedModel:
    """A verified model, where it came from, and why not from the Hub when it did not."""

    model: TrainedModel
    metadata: dict[str, Any]
    source: str = "local"
    fallback_reason: str | None = None
    location: Path | None = None  # the folder of its three files
    hub_revision: tuple[str, str] | None = None  # (repo id, commit) when it came from the Hub


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def model_bytes(model: TrainedModel) -> bytes:
    """The model file's content (its sha256 names the model)."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getvalue()


def write_artifacts(
    model: TrainedModel, metadata: dict[str, Any], card: str, directory: Path
) -> dict[str, Any]:
    """Write the three files; returns the metadata as written (with file name and sha256)."""
    directory.mkdir(parents=True, exist_ok=True)
    content = model_bytes(model)
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        model = joblib.load(io.BytesIO(content))
    if not isinstance(model, TrainedModel):
        raise ArtifactIntegrityError(f"{model_path}: holds {type(model).__name__}, not a model")
    for warning in caught:
        if isinstance(warning.message, InconsistentVersionWarning):
            _check_sklearn(warning.message.original_sklearn_version, f"{model_path} was pickled")
    return model


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _check_sklearn(made_with: str, what: str) -> None:
    if _major_minor(made_with) != _major_minor(sklearn.__version__):
        raise ArtifactCompatibilityError(
            f"{what} with scikit-learn {made_with}; this service runs {sklearn.__version__} "
            "(the same major.minor is required)"
        )


def check_compatible(model: TrainedModel, metadata: dict[str, Any]) -> None:
    """The artifact is one this code can serve: its model reads the features `src.features`
    builds, in the same order, and was made with this scikit-learn's major.minor. Otherwise it
    would load, pass /health and fail every request (a numpy broadcast error)."""
    expected = [feature.name for feature in FEATURES]
    encoder = fitted_pipeline(model.estimator).named_steps["encoder"]
    read = [str(name) for name in getattr(encoder, "feature_names_in_", [])]
    if read != expected:
        missing, extra = sorted(set(expected) - set(read)), sorted(set(read) - set(expected))
        raise ArtifactCompatibilityError(
            f"the model reads other features than this code builds (missing: {missing or '-'}; "
            f"unknown: {extra or '-'}; order differs: {not missing and not extra})"
        )
    declared = [feature["name"] for feature in metadata.get("features", [])]
    if sorted(declared) != sorted(expected):
        raise ArtifactCompatibilityError("the metadata lists other features than this code")
    _check_sklearn(metadata["libraries"]["scikit-learn"], "the metadata says it was trained")


def load_local(directory: Path) -> LoadedModel:
    """The bundled artifact of `directory`, hash-checked against its own metadata."""
    metadata = read_metadata(directory)
    model = load_verified(directory / metadata["model_file"], metadata["sha256"])
    check_compatible(model, metadata)
    return LoadedModel(model, metadata, location=directory.resolve())


def hub_file(settings: Settings, repo_id: str, revision: str | None, filename: str) -> Path:
    """One file of a model repo at `revision`, through the huggingface_hub cache (offline
    when HF_HUB_OFFLINE says so); raises what huggingface_hub raises."""
    token = settings.hf_token.get_secret_value() if settings.hf_token else None
    return Path(
        hf_hub_download(
            repo_id,
            filename,
            revision=revision,
            cache_dir=settings.hf_cache_dir,
            local_files_only=settings.hf_hub_offline,
            endpoint=settings.hf_endpoint,
            token=token,
            etag_timeout=5,
        )
    )


def fetch_from_hub(settings: Settings) -> LoadedModel:
    """Download metadata and model from the pinned Hub revision and verify the model's hash.

    The expected hash is `MODEL_SHA256` when set, else the one in the metadata of the pinned
    revision (a commit id cannot be rewritten; a branch name can, hence the pin).
    """

    def download(filename: str) -> Path:
        return hub_file(settings, settings.model_repo_id, settings.model_revision, filename)

    metadata_path = download(settings.metadata_filename)
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    expected = settings.model_sha256 or metadata["sha256"]
    if expected != metadata["sha256"]:
        raise ArtifactIntegrityError(
            f"Hub metadata names sha256 {metadata['sha256']}, MODEL_SHA256 pins {expected}"
        )
    model = load_verified(download(settings.model_filename), expected)
    check_compatible(model, metadata)
    # The cache keeps each file under snapshots/<commit>/: the commit that shipped it, even
    # when MODEL_REVISION names a branch.
    pin = (settings.model_repo_id, metadata_path.parent.name)
    return LoadedModel(
        model, metadata, source="hub", location=metadata_path.parent, hub_revision=pin
    )


def load_model(settings: Settings) -> LoadedModel:
    """The Hub model when configured and intact, else the bundled one, saying why.

    The bundled artifact is checked too (hash, features, scikit-learn); if it fails, start-up
    fails with the reason.
    """
    if not settings.model_repo_id:
        return replace(load_local(settings.models_dir), fallback_reason="MODEL_REPO_ID is not set")
    try:
        return fetch_from_hub(settings)
    except Exception as err:  # any Hub failure (network, missing file, bad hash) -> local copy
        reason = f"{type(err).__name__}: {err}"
        logger.error("model from the Hub refused, using the bundled one: %s", reason)
        return replace(load_local(settings.models_dir), fallback_reason=reason)
