"""One live server per UI test module, with one HR user for the HR space."""

from collections.abc import Iterator

import pytest

from src.ui.users import hash_password
from tests.live_server import LiveServer, serve

HR_USER = ("rh-test", "un mot de passe de test")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    name, password = HR_USER
    entry = f"{name}:{hash_password(password, iterations=1_000)}"  # fast to check in tests
    with serve(tmp_path_factory.mktemp("ui"), ui_users=entry) as server:
        yield server
