"""The UI's start: the API serves before the spaces are built; until a space serves, the gate
answers for it (503, a page that reloads itself) and lets everything else through.
(`tests/observability/test_logs.py` sees the same from a real `python app.py`.)"""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from src.ui.gate import UiGate, UiLimits
from src.ui.mount import HR_PATH, PUBLIC_PATH, UiSpaces
from tests.conftest import make_settings
from tests.ui.conftest import hr_users

LIMITS = UiLimits(
    max_event_bytes=64_000,
    max_upload_bytes=1_000_000,
    max_stored_upload_bytes=10_000_000,
    events_per_client=None,
    body_read_timeout_s=5.0,
)


def _gated(ui: UiSpaces) -> TestClient:
    """An API of one route behind the gate of spaces that are not mounted."""
    api = FastAPI()

    @api.get("/predict")
    def predict() -> dict[str, str]:
        return {"answered": "by the API"}

    return TestClient(UiGate(api, ui, LIMITS))


def test_while_a_space_starts_its_page_reloads_itself_and_the_api_answers() -> None:
    client = _gated(UiSpaces((PUBLIC_PATH,)))
    page = client.get("/ui/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "2" and page.headers["Cache-Control"] == "no-store"
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "L'interface démarre" in page.text
    assert client.get("/predict").json() == {"answered": "by the API"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/ui/config"), ("POST", "/ui/gradio_api/queue/join"), ("POST", "/ui/login")],
)
def test_while_a_space_starts_its_routes_say_so_in_french(method: str, path: str) -> None:
    answer = _gated(UiSpaces((PUBLIC_PATH,))).request(method, path, json={})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    assert answer.json() == {"detail": "l'interface démarre ; réessayez dans quelques secondes"}


def test_a_ui_that_could_not_start_says_the_api_still_serves() -> None:
    client = _gated(UiSpaces((PUBLIC_PATH,), status="failed"))
    page = client.get("/ui/")
    assert page.status_code == 503 and "Retry-After" not in page.headers
    assert page.json() == {"detail": "l'interface n'a pas pu démarrer ; l'API reste disponible"}
    assert client.get("/predict").status_code == 200


def test_the_hr_space_is_one_of_the_spaces_only_when_ui_users_is_set(tmp_path: Path) -> None:
    assert UiSpaces.of(make_settings(tmp_path)).prefixes == (PUBLIC_PATH,)
    with_users = make_settings(tmp_path, ui_users=hr_users())
    assert UiSpaces.of(with_users).prefixes == (HR_PATH, PUBLIC_PATH)
    client = _gated(UiSpaces.of(with_users))
    assert client.get("/rh/").status_code == 503  # not a 404: it will serve
    assert client.get("/elsewhere").status_code == 404  # the API's own answer
