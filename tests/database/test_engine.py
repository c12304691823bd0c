"""Choosing the database: PostgreSQL from DATABASE_URL, else SQLite in the temp directory."""

import logging
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from database.engine import SQLITE_FILE, create_database_engine, resolve_database_url


def test_unset_database_url_means_sqlite_in_the_temp_directory() -> None:
    url = resolve_database_url(None)
    assert url.drivername == "sqlite+pysqlite"
    assert Path(url.database) == Path(tempfile.gettempdir()) / SQLITE_FILE


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_urls_use_psycopg_3(scheme: str) -> None:
    url = resolve_database_url(f"{scheme}://hr:secret@db.internal:5432/attrition")
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.database, url.password) == ("db.internal", "attrition", "secret")


def test_chosen_database_is_logged_without_its_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="database.engine")
    create_database_engine(resolve_database_url("postgres://hr:s3cr3t@db.internal/attrition"))
    assert "db.internal/attrition" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_database_engine(resolve_database_url(f"sqlite:///{tmp_path / 'x.db'}"))
    with engine.connect() as connection:
        pragma = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


def test_engine_reaches_the_database(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
