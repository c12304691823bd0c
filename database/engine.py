"""Which database the service uses, and the engine to it.

`DATABASE_URL` set -> that database (PostgreSQL through psycopg 3 in production; the
`postgres://` spelling of cloud providers is accepted); unset -> a SQLite file in the system
temp directory, as on Hugging Face Spaces, with WAL, a busy timeout and foreign keys on.
"""

import logging
import tempfile
import zlib
from pathlib import Path

import orjson
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from src.config import Settings

logger = logging.getLogger(__name__)

SQLITE_FILE = "futurisys-attrition.db"
SQLITE_BUSY_TIMEOUT_MS = 5000


def resolve_database_url(database_url: str | None) -> URL:
    """The URL to connect to, with the driver made explicit."""
    if not database_url:
        return URL.create(
            "sqlite+pysqlite", database=str(Path(tempfile.gettempdir()) / SQLITE_FILE)
        )
    url = make_url(database_url)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def engine_from_settings(settings: Settings) -> Engine:
    """The engine for `DATABASE_URL` (or the temp SQLite file): what the app and commands use."""
    url = settings.database_url.get_secret_value() if settings.database_url else None
    return create_database_engine(resolve_database_url(url))


def create_database_engine(url: URL) -> Engine:
    """An engine for `url`, logged without its password."""
    # Every trace holds four JSON documents: orjson encodes them several times faster, and
    # reads them back faster too (a drift window parses 10,000 of them).
    options = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.get_backend_name() == "sqlite":
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(url, connect_args=connect_args, **options)
        event.listen(engine, "connect", _configure_sqlite)
    else:
        engine = create_engine(url, pool_pre_ping=True, **options)
    logger.info("database: %s", url.render_as_string(hide_password=True))
    return engine


def serialize(connection: Connection, task: str) -> None:
    """Makes the rest of this transaction run alone among the processes doing `task`.

    Replicas starting together would otherwise race to create the schema or insert the same
    employees. PostgreSQL: a transaction-scoped advisory lock named after the task. SQLite:
    nothing, as it serves the single-process deployment (one start-up at a time).
    """
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(task.encode())
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()


def _configure_sqlite(connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    """WAL lets readers run while the writer commits; foreign keys are off by default in SQLite."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
