"""A live app (lifespan run) with two configured tokens, as a rotation would have."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import create_app
from tests.conftest import make_settings, ui_started

TOKENS = ("token-current", "token-next")
AUTH = {"Authorization": f"Bearer {TOKENS[0]}"}


@pytest.fixture(scope="package")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(tmp_path_factory.mktemp("api"), api_tokens=",".join(TOKENS))
    with TestClient(create_app(settings)) as client:
        yield ui_started(client)
