"""`db_url`: every database test runs on SQLite and on PostgreSQL, each on a clean database.

PostgreSQL comes from TEST_DATABASE_URL. Without it the PostgreSQL half is skipped here, and
`.ci/run` (which sets it) fails the run on any skipped test.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from database.engine import create_database_engine, resolve_database_url


def _clean_postgres(url: str) -> None:
    engine = create_database_engine(resolve_database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trace.db'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set")
    _clean_postgres(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_database_engine(resolve_database_url(db_url))
    yield engine
    engine.dispose()
