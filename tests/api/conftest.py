"""A live app (lifespan run) with two configured tokens, as a rotation would have."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import create_app
from src.config import Settings
from tests.conftest import MODELS_DIR

TOKENS = ("token-current", "token-next")
AUTH = {"Authorization": f"Bearer {TOKENS[0]}"}


@pytest.fixture(scope="package")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    database = tmp_path_factory.mktemp("db") / "trace.db"
    settings = Settings(
        api_tokens=",".join(TOKENS),
        models_dir=MODELS_DIR,
        database_url=f"sqlite:///{database}",
        _env_file=None,
    )
    with TestClient(create_app(settings)) as client:
        yield client
