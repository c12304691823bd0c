"""HR users of the UI: hashed entries in UI_USERS, checked in constant time; no users, no HR
space at all."""

import asyncio
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import create_app
from src.ui import users
from src.ui.users import FAILED_SIGN_INS, UiUsers, hash_password
from tests.conftest import make_settings, ui_started


def _signs_in(users: UiUsers, name: str, password: str) -> bool:
    return asyncio.run(users.check(name, password))


@pytest.fixture(scope="module")
def configured() -> UiUsers:
    entries = [f"{name}:{hash_password(name * 3, iterations=1_000)}" for name in ("ana", "bo")]
    return UiUsers(",".join(entries))


@pytest.mark.parametrize(
    ("name", "password", "accepted"),
    [
        ("ana", "anaanaana", True),
        ("bo", "bobobo", True),
        ("ana", "bobobo", False),
        ("ana", "", False),
        ("eve", "eveeveeve", False),
    ],
)
def test_a_user_signs_in_with_their_own_password_only(
    configured: UiUsers, name: str, password: str, accepted: bool
) -> None:
    assert _signs_in(configured, name, password) is accepted


def test_the_environment_holds_no_password() -> None:
    entry = hash_password("un secret bien long")
    assert "un secret bien long" not in entry and entry.startswith("pbkdf2_sha256$")


@pytest.mark.parametrize("configured", ["ana:plain-password", "ana:md5$1$00$00", ":pbkdf2_sha256$"])
def test_an_entry_that_is_not_a_hash_is_refused(configured: str) -> None:
    with pytest.raises(ValueError, match="UI_USERS cannot be read"):
        UiUsers(configured)


def test_the_command_prints_an_entry_that_signs_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(users.getpass, "getpass", lambda _: "un mot de passe long")
    assert users.main(["chloe"]) == 0
    entry = capsys.readouterr().out.strip()
    assert entry.startswith("chloe:") and _signs_in(UiUsers(entry), "chloe", "un mot de passe long")


def test_without_ui_users_there_is_no_hr_space(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, api_tokens="t"))) as client:
        ui_started(client)
        assert client.get("/rh/").status_code == 404
        assert client.get("/ui/").status_code == 200


def test_past_the_failed_sign_in_limit_even_the_right_password_waits() -> None:
    guarded = UiUsers(f"ana:{hash_password('anaanaana', iterations=1_000)}")
    limit = int(FAILED_SIGN_INS.split("/")[0])

    async def guesses() -> list[bool]:
        return [await guarded.check("ana", f"guess {i}") for i in range(limit)]

    assert not any(asyncio.run(guesses()))
    assert _signs_in(guarded, "ana", "anaanaana") is False  # refused unhashed, for the minute


def test_successful_sign_ins_do_not_count_against_the_limit() -> None:
    guarded = UiUsers(f"ana:{hash_password('anaanaana', iterations=1_000)}")
    assert all(_signs_in(guarded, "ana", "anaanaana") for _ in range(30))
