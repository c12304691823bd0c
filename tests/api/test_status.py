"""Public status routes over HTTP, with the lifespan loading the bundled model."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import create_app
from src.artifacts import LoadedModel
from src.config import Settings
from tests.conftest import MODELS_DIR


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(models_dir=MODELS_DIR, _env_file=None))) as client:
        yield client


def test_health_reports_ok_and_the_loaded_model(client: TestClient, shipped: LoadedModel) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "model": {
            "version": shipped.metadata["version"],
            "source": "local",
            "fallback_reason": "MODEL_REPO_ID is not set",
        },
    }


def test_model_route_serves_the_metadata(client: TestClient, shipped: LoadedModel) -> None:
    body = client.get("/model").json()
    assert body["sha256"] == shipped.metadata["sha256"]
    assert body["metrics"]["cv"]["roc_auc"]["mean"] >= 0.84
