"""The model registry over HTTP on a live server: the versions, the admin-only switch without a
restart (under load too), the rollback, a second replica following, on SQLite and PostgreSQL."""

import asyncio
import copy
import json
import shutil
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from database import registry
from database.migrate import upgrade
from database.models import ModelVersion, PredictionResult
from database.repository import ServedModel
from src.artifacts import METADATA_FILE, MODEL_FILE, LoadedModel, write_artifacts
from src.estimator import build_trained_model, fit_logistic_regression
from src.features import build_feature_frame
from src.lifecycle.store import store_and_register
from src.model_card import render_model_card
from src.tracing import client_key_hash
from src.train import with_profile
from tests.conftest import DATA_DIR, MODELS_DIR
from tests.live_server import LIVE_TOKEN, LiveServer, serve

ADMIN = "admin-token"
AS_ADMIN = {"Authorization": f"Bearer {ADMIN}"}
AS_CLIENT = {"Authorization": f"Bearer {LIVE_TOKEN}"}
EMPLOYEE = json.loads((DATA_DIR / "sample_employee.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def other_model(
    tmp_path_factory: pytest.TempPathFactory, shipped: LoadedModel, clean_frame: pd.DataFrame
) -> Path:
    """A second, different model (less regularised), as training would write it: 1.1.0."""
    features = build_feature_frame(clean_frame)
    target = clean_frame["a_quitte_l_entreprise"].to_numpy(dtype=int)
    fit = partial(fit_logistic_regression, C=1.0)
    model = with_profile(build_trained_model(fit, features, target, 42), clean_frame, target)
    metadata = copy.deepcopy(shipped.metadata)
    for generated in ("sha256", "model_file"):
        metadata.pop(generated)
    metadata.update(version="1.1.0", threshold=model.threshold, base_rate=model.base_rate)
    metadata["estimator"]["C"] = 1.0
    metadata["lifecycle"].update(change="patch", mlflow_run_id="0" * 32)
    directory = tmp_path_factory.mktemp("trained")
    write_artifacts(model, metadata, render_model_card(metadata), directory)
    return directory


@pytest.fixture
def live(tmp_path: Path, db_url: str, other_model: Path) -> Iterator[LiveServer]:
    store = tmp_path / "store"
    with serve(tmp_path, db_url, admin_tokens=ADMIN, model_store_dir=store) as server:
        _wait_for(lambda: _models(server)["models"])  # the start-up model, registered
        store_and_register(server.engine, store, other_model)
        yield server


def test_a_training_that_reproduced_a_registered_file_registers_nothing(
    engine: Engine, shipped: LoadedModel, tmp_path: Path
) -> None:
    """Retrained on the same data, the champion's very file comes back with this run's
    metadata (its MLflow run, its comparison): the champion's row and folder keep theirs.
    The champion is the shipped model, registered at start-up with its folder."""
    upgrade(engine)
    with Session(engine) as session:
        served = ServedModel.from_metadata(shipped.metadata, "local")
        registry.register(session, served, str(MODELS_DIR), "champion")
        session.commit()
    metadata = copy.deepcopy(shipped.metadata)
    metadata["lifecycle"].update(change="none", mlflow_run_id="f" * 32)
    retrained = tmp_path / "retrained"
    shutil.copytree(MODELS_DIR, retrained)  # the very file, with this run's metadata
    (retrained / METADATA_FILE).write_text(json.dumps(metadata), "utf-8")
    store = tmp_path / "store"
    assert store_and_register(engine, store, retrained) is None
    assert not store.exists()
    with Session(engine) as session:
        [row] = registry.versions(session)
        assert (row.version, row.status, row.mlflow_run_id) == ("1.0.0", "champion", None)


def _models(live: LiveServer) -> dict:
    answer = httpx.get(f"{live.base_url}/models", headers=AS_CLIENT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _stored_versions(live: LiveServer) -> dict[str, str]:
    """Each stored prediction's id and the version of the model its row names."""
    with Session(live.engine) as session:
        rows = session.execute(
            select(PredictionResult.id, ModelVersion.version).join(
                ModelVersion, ModelVersion.id == PredictionResult.model_version_id
            )
        ).all()
    return dict(rows)


def _activate(live: LiveServer, version: str, headers: dict = AS_ADMIN) -> httpx.Response:
    return httpx.post(f"{live.base_url}/models/{version}/activate", headers=headers, timeout=30)


def _predict(live: LiveServer) -> dict:
    answer = httpx.post(f"{live.base_url}/predict", json=EMPLOYEE, headers=AS_CLIENT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_registry_lists_the_champion_and_a_trained_challenger(
    live: LiveServer, shipped: LoadedModel
) -> None:
    registry = _models(live)
    assert registry["serving"] == {
        "version": shipped.metadata["version"],
        "sha256": shipped.metadata["sha256"],
    }
    by_version = {model["version"]: model for model in registry["models"]}
    champion, challenger = by_version[shipped.metadata["version"]], by_version["1.1.0"]
    assert champion["status"] == "champion" and champion["serving_here"]
    assert champion["cv"]["roc_auc"] == shipped.metadata["metrics"]["cv"]["roc_auc"]["mean"]
    assert challenger["status"] == "challenger" and not challenger["serving_here"]
    assert challenger["decision"] == "promote" and challenger["mlflow_run_id"] == "0" * 32
    assert challenger["first_served_at"] is None and challenger["has_files"]
    assert champion["hub"] is None  # served from the bundled files, not from the Hub
    assert registry["activations"] == []


def test_only_an_admin_token_switches_and_only_to_a_registered_model(live: LiveServer) -> None:
    assert _activate(live, "1.1.0", headers={}).status_code == 401
    refused = _activate(live, "1.1.0", headers=AS_CLIENT)
    assert refused.status_code == 403 and "admin token" in refused.json()["detail"]
    assert _activate(live, "9.9.9").status_code == 404
    assert _activate(live, "latest").status_code == 422
    assert _models(live)["activations"] == []  # nothing switched


def test_activation_switches_without_restart_and_a_rollback_switches_back(
    live: LiveServer,
) -> None:
    before = _predict(live)
    done = _activate(live, "1.1.0")
    assert done.status_code == 200, done.text
    switch = done.json()
    assert switch["version"] == "1.1.0" and switch["previous_version"] == "1.0.0"
    assert switch["activated_by"] == client_key_hash(ADMIN) and switch["request_id"]
    after = _predict(live)
    assert (before["model_version"], after["model_version"]) == ("1.0.0", "1.1.0")
    assert after["probability"] != before["probability"]  # another model answered
    assert httpx.get(f"{live.base_url}/model").json()["version"] == "1.1.0"
    health = httpx.get(f"{live.base_url}/health").json()["model"]
    assert (health["version"], health["source"]) == ("1.1.0", "registry")
    assert _activate(live, "1.1.0").status_code == 409  # serving already
    statuses = {m["version"]: m["status"] for m in _models(live)["models"]}
    assert statuses == {"1.0.0": "retired", "1.1.0": "champion"}
    assert _activate(live, "1.0.0").status_code == 200  # the rollback
    assert _predict(live)["model_version"] == "1.0.0"
    history = _models(live)["activations"]
    assert [(a["version"], a["previous_version"]) for a in history] == [
        ("1.0.0", "1.1.0"),
        ("1.1.0", "1.0.0"),
    ]
    stored = _stored_versions(live)
    assert stored[before["prediction_id"]] == "1.0.0"
    assert stored[after["prediction_id"]] == "1.1.0"


def test_files_that_do_not_match_the_registry_are_refused_and_nothing_switches(
    live: LiveServer, tmp_path: Path
) -> None:
    model_file = tmp_path / "store" / "1.1.0" / MODEL_FILE
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    refused = _activate(live, "1.1.0")
    assert refused.status_code == 409 and "sha256" in refused.json()["detail"]
    assert _predict(live)["model_version"] == "1.0.0"
    assert _models(live)["activations"] == []


async def _load(live: LiveServer, stop: asyncio.Event) -> list[tuple[int, dict]]:
    answers: list[tuple[int, dict]] = []
    async with httpx.AsyncClient(base_url=live.base_url, headers=AS_CLIENT) as client:

        async def worker() -> None:
            while not stop.is_set():
                answer = await client.post("/predict", json=EMPLOYEE)
                answers.append((answer.status_code, answer.json()))

        await asyncio.gather(*(worker() for _ in range(16)))
    return answers


async def _switch_under_load(live: LiveServer) -> tuple[list[tuple[int, dict]], int]:
    stop = asyncio.Event()
    load = asyncio.create_task(_load(live, stop))
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient(base_url=live.base_url, headers=AS_ADMIN) as admin:
        switched = await admin.post("/models/1.1.0/activate", timeout=30)
    await asyncio.sleep(0.5)
    stop.set()
    return await load, switched.status_code


def test_a_switch_under_load_fails_no_request_and_every_trace_names_its_model(
    live: LiveServer,
) -> None:
    answers, switched = asyncio.run(_switch_under_load(live))
    assert switched == 200
    assert {status for status, _ in answers} == {200}
    versions = [body["model_version"] for _, body in answers]
    assert set(versions) == {"1.0.0", "1.1.0"}
    stored = _stored_versions(live)
    assert all(stored[body["prediction_id"]] == body["model_version"] for _, body in answers)


def test_another_replica_follows_the_switch(live: LiveServer, tmp_path: Path, db_url: str) -> None:
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    with serve(
        replica_dir,
        db_url,
        admin_tokens=ADMIN,
        model_store_dir=tmp_path / "store",
        model_sync_seconds=0.2,
    ) as replica:
        assert _predict(replica)["model_version"] == "1.0.0"
        assert _activate(live, "1.1.0").status_code == 200
        _wait_for(lambda: _predict(replica)["model_version"] == "1.1.0", timeout=5)


def test_a_replica_without_the_files_keeps_its_model_and_says_so(
    live: LiveServer, tmp_path: Path, db_url: str
) -> None:
    assert _activate(live, "1.1.0").status_code == 200
    (tmp_path / "store" / "1.1.0" / MODEL_FILE).unlink()  # the volume lost it
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    with serve(replica_dir, db_url, model_sync_seconds=0.2) as replica:

        def behind() -> bool:
            metrics = httpx.get(f"{replica.base_url}/metrics").text
            return "attrition_model_behind_registry 1.0" in metrics

        _wait_for(behind, timeout=5)
        assert _predict(replica)["model_version"] == "1.0.0"  # still answering
