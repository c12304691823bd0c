"""The deployment smoke test, run against a live server over HTTP."""

from collections.abc import Iterator

import pytest

from deploy.smoke_test import TOKEN_VARIABLE, main
from tests.live_server import LIVE_TOKEN, LiveServer, serve


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("smoke")) as server:
        yield server


def test_a_healthy_service_passes(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, LIVE_TOKEN)
    caplog.set_level("INFO")
    assert main(["--url", live.base_url, "--timeout", "10", "--poll", "0.1"]) == 0
    assert "smoke test passed: healthy, model 1.0.0" in caplog.text


def test_a_wrong_token_fails_the_deployment(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, "not-the-token")
    assert main(["--url", live.base_url, "--timeout", "10", "--poll", "0.1"]) == 1
    assert "/predict answered 401" in caplog.text


def test_an_unreachable_service_fails_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, LIVE_TOKEN)
    assert main(["--url", "http://127.0.0.1:9", "--timeout", "0.3", "--poll", "0.1"]) == 1
    assert "not up after" in caplog.text


def test_the_token_must_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    assert main(["--url", "http://127.0.0.1:9"]) == 2
