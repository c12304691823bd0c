"""Settings come from the environment and .env; empty values fall back to the defaults."""

import re
from pathlib import Path

import pytest

from src.config import Settings

EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def test_the_documented_env_example_gives_the_defaults() -> None:
    settings = Settings(_env_file=EXAMPLE)
    assert settings.model_repo_id is None and settings.hf_cache_dir is None
    assert settings.database_url is None and settings.token_list() == []
    assert (settings.port, settings.max_body_bytes) == (7860, 16 * 1024 * 1024)
    assert settings.admin_token_list() == [] and settings.mlflow_tracking_uri is None
    assert settings.model_store_dir.name == "model_store" and settings.model_sync_seconds == 30


def test_an_admin_token_cannot_also_be_an_api_token() -> None:
    with pytest.raises(ValueError, match="ADMIN_TOKENS must differ from API_TOKENS"):
        Settings(_env_file=None, api_tokens="shared, client", admin_tokens="shared")


def test_tokens_are_split_on_commas_for_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKENS", " old-key , new-key ,")
    assert Settings(_env_file=None).token_list() == ["old-key", "new-key"]


def test_secrets_are_not_shown_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKENS", "s3cr3t")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@h/db")
    text = repr(Settings(_env_file=None))
    assert "s3cr3t" not in text and "pw@h" not in text


def test_every_setting_is_in_the_readmes_configuration_table_and_the_env_example() -> None:
    """A new user finds each variable where the README says to look, with its default."""
    readme = (EXAMPLE.parent / "README.md").read_text("utf-8")
    table = readme.split("### Configuration", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+\*?)`", table))
    groups = {name.removesuffix("*") for name in documented if name.endswith("*")}
    example = EXAMPLE.read_text("utf-8")
    for name in (field.upper() for field in Settings.model_fields):
        assert name in documented or name.startswith(tuple(groups)), name
        assert f"{name}=" in example or name.startswith(tuple(groups)), name
