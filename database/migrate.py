"""Schema migrations: `python -m database.migrate [upgrade|downgrade|current] [target]`.

The single-process app brings the schema to head at start-up; a multi-replica deployment runs
this command once (a job) before the replicas start.
"""

import argparse
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from database.engine import engine_from_settings, serialize
from src.config import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _run(engine: Engine, action: str, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        serialize(connection, "migrate")
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)


def upgrade(engine: Engine, target: str = "head") -> None:
    _run(engine, "upgrade", target)


def downgrade(engine: Engine, target: str = "base") -> None:
    _run(engine, "downgrade", target)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["upgrade", "downgrade", "current"], default="upgrade")
    parser.add_argument("target", nargs="?", help="revision (default: head / base)")
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    engine = engine_from_settings(settings)
    if args.action == "upgrade":
        upgrade(engine, args.target or "head")
    elif args.action == "downgrade":
        downgrade(engine, args.target or "base")
    logging.getLogger(__name__).info("schema revision: %s", current_revision(engine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
