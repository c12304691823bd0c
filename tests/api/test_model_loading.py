"""Model loading through the real huggingface_hub code, offline: a pre-populated cache, an
unreachable endpoint, tampered files; /health and /model say where the model came from."""

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app import create_app
from database.engine import engine_from_settings
from database.models import ModelVersion
from src.artifacts import load_model
from src.config import Settings
from src.errors import ArtifactCompatibilityError, ArtifactIntegrityError
from src.train import read_champion, registry_state
from tests.conftest import MODELS_DIR, alarming_pickle, make_settings

REPO = "futurisys/attrition"
REVISION = "3f" * 20


@pytest.fixture
def hub_cache(tmp_path: Path) -> Path:
    """A huggingface_hub cache holding the shipped artifact at REVISION, as a download leaves it."""
    cache = tmp_path / "hf-cache"
    snapshot = cache / f"models--{REPO.replace('/', '--')}" / "snapshots" / REVISION
    snapshot.mkdir(parents=True)
    for name in ("model.joblib", "metadata.json"):
        shutil.copy(MODELS_DIR / name, snapshot / name)
    return cache


def _settings(cache: Path, **overrides: object) -> Settings:
    values = {
        "model_repo_id": REPO,
        "model_revision": REVISION,
        "hf_cache_dir": cache,
        "hf_hub_offline": True,
        "api_tokens": "t",
        **overrides,
    }
    return make_settings(cache.parent, **values)


@pytest.fixture
def live(hub_cache: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(hub_cache))) as client:
        yield client


def test_model_comes_from_the_pinned_hub_revision(live: TestClient, make_employee: Any) -> None:
    health = live.get("/health").json()
    assert health["status"] == "ok"
    assert health["model"] == {"version": "1.0.0", "source": "hub", "fallback_reason": None}
    assert live.get("/model").json()["source"] == "hub"
    answer = live.post("/predict", json=make_employee(), headers={"X-API-Key": "t"})
    assert answer.json()["model_version"] == "1.0.0"


def _registered(client: TestClient) -> list[dict[str, Any]]:
    """The registry's models, once the start-up model is in (just after start-up)."""
    deadline = time.monotonic() + 30
    while not (models := client.get("/models", headers={"X-API-Key": "t"}).json()["models"]):
        assert time.monotonic() < deadline, "the start-up model was never registered"
        time.sleep(0.05)
    return models


def test_the_registry_links_the_model_to_the_hub_revision_that_ships_it(
    live: TestClient,
) -> None:
    [model] = _registered(live)
    assert model["hub"] == {
        "repo_id": REPO,
        "revision": REVISION,
        "url": f"https://huggingface.co/{REPO}/tree/{REVISION}",
    }


def test_a_trainer_elsewhere_reads_a_hub_champion_from_its_revision(hub_cache: Path) -> None:
    """The service registered the Hub cache it loaded from; a trainer in another container
    (the CronJob) has no such folder and reads the champion's metadata from the revision."""
    settings = _settings(hub_cache)
    with TestClient(create_app(settings)) as client:
        _registered(client)
    engine = engine_from_settings(settings)
    with engine.begin() as connection:
        connection.execute(update(ModelVersion).values(location="/nowhere/on/this/pod"))
    moved = hub_cache.parent / "elsewhere-cache"
    shutil.move(hub_cache, moved)  # another pod: an empty cache, offline here
    try:
        _, registered, folder = registry_state(engine, settings)
        assert registered and folder is None  # neither its files nor its revision readable
        shutil.copytree(moved, hub_cache)
        _, _, folder = registry_state(engine, settings)
        assert folder is not None and folder.name == REVISION
        assert (
            read_champion(folder)["sha256"]
            == json.loads((MODELS_DIR / "metadata.json").read_text("utf-8"))["sha256"]
        )
    finally:
        engine.dispose()


def test_tampered_cached_model_is_never_unpickled_and_local_is_used(
    hub_cache: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "code-ran"
    (next(hub_cache.rglob("model.joblib"))).write_bytes(alarming_pickle(flag))
    with TestClient(create_app(_settings(hub_cache))) as client:
        health = client.get("/health").json()
    assert not flag.exists()
    assert health["status"] == "degraded"
    assert health["model"]["source"] == "local"
    assert health["model"]["fallback_reason"].startswith("ArtifactIntegrityError")


def test_pinned_hash_that_differs_from_the_hub_metadata_falls_back(hub_cache: Path) -> None:
    loaded = load_model(_settings(hub_cache, model_sha256="0" * 64))
    assert loaded.source == "local"
    assert "MODEL_SHA256 pins" in loaded.fallback_reason


def test_revision_missing_from_the_offline_cache_falls_back(hub_cache: Path) -> None:
    loaded = load_model(_settings(hub_cache, model_revision="9" * 40))
    assert loaded.source == "local"
    assert loaded.fallback_reason.startswith("LocalEntryNotFoundError")


@pytest.mark.slow
def test_unreachable_hub_falls_back_after_the_library_retries(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path / "empty-cache", hf_hub_offline=False, hf_endpoint="http://127.0.0.1:9"
    )
    loaded = load_model(settings)
    assert loaded.source == "local"
    assert loaded.fallback_reason is not None


def test_tampered_bundled_model_stops_start_up(hub_cache: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    (models / "model.joblib").write_bytes(b"tampered")
    settings = _settings(hub_cache, model_revision="9" * 40, models_dir=models)
    with pytest.raises(ArtifactIntegrityError), TestClient(create_app(settings)):
        pass


def _claim_other_sklearn(directory: Path) -> None:
    metadata_file = directory / "metadata.json"
    metadata = json.loads(metadata_file.read_text("utf-8"))
    metadata["libraries"]["scikit-learn"] = "1.0.2"
    metadata_file.write_text(json.dumps(metadata), "utf-8")


def test_hub_model_of_another_scikit_learn_falls_back_with_the_reason(hub_cache: Path) -> None:
    _claim_other_sklearn(next(hub_cache.rglob("metadata.json")).parent)
    loaded = load_model(_settings(hub_cache))
    assert loaded.source == "local"
    assert loaded.fallback_reason.startswith("ArtifactCompatibilityError")
    assert "scikit-learn 1.0.2" in loaded.fallback_reason


def test_incompatible_bundled_model_stops_start_up(tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    _claim_other_sklearn(models)
    settings = make_settings(tmp_path, models_dir=models, api_tokens="t")
    with (
        pytest.raises(ArtifactCompatibilityError, match="trained with scikit-learn 1.0.2"),
        TestClient(create_app(settings)),
    ):
        pass
