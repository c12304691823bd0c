"""Bulk inserts of a group's rows: one statement per table, and on PostgreSQL one round trip.

Through SQLAlchemy's `execute`, psycopg waits for the server's answer to each statement before
sending the next, so the five tables of a trace cost five round trips: more than the rows
themselves (1.4 ms against 0.4 ms for a one-prediction group on loopback). On PostgreSQL the
statements are queued in psycopg's pipeline mode and sent together instead. SQLAlchemy still
compiles them, converts every value with the column's own bind processor, owns the transaction
and hears of a lost connection, so both paths store the same rows.
"""

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert
from sqlalchemy.exc import DBAPIError

TableRows = tuple[Table, list[dict[str, Any]]]


def insert_rows(connection: Connection, groups: Sequence[TableRows]) -> None:
    """Insert each table's rows, in order (parents first); tables without rows are skipped.

    Every row of a table has the same keys, and gives every column with a default: the
    pipelined path does not run SQLAlchemy's defaults.
    """
    groups = [(table, rows) for table, rows in groups if rows]
    for table, rows in groups:
        _check_complete(table, tuple(rows[0]))
    if connection.dialect.driver == "psycopg":
        _pipelined(connection, groups)
        return
    for table, rows in groups:
        connection.execute(insert(table), rows)


def _pipelined(connection: Connection, groups: Sequence[TableRows]) -> None:
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    statement = ""
    try:
        with driver.pipeline(), driver.cursor() as cursor:
            for table, rows in groups:
                keys = tuple(rows[0])
                statement = _statement(dialect, table, keys)
                processors = _processors(dialect, table, keys)
                cursor.executemany(statement, [_bound(row, processors) for row in rows])
    except dialect.loaded_dbapi.Error as err:
        # What SQLAlchemy does for its own statements: a lost connection leaves the pool, and
        # the caller sees SQLAlchemy's exception (OperationalError for an unreachable server).
        lost = dialect.is_disconnect(err, driver, None)
        if lost:
            connection.invalidate(err)
        raise DBAPIError.instance(
            statement, None, err, dialect.loaded_dbapi.Error, connection_invalidated=lost
        ) from err


@cache
def _check_complete(table: Table, keys: tuple[str, ...]) -> None:
    defaulted = {column.key for column in table.columns if column.default is not None}
    if defaulted - set(keys):
        raise ValueError(f"rows for {table.name} must give {sorted(defaulted - set(keys))}")


@cache
def _statement(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> str:
    return str(insert(table).compile(dialect=dialect, column_keys=list(keys)))


@cache
def _processors(
    dialect: Dialect, table: Table, keys: tuple[str, ...]
) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    return tuple(
        (key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in keys
    )


def _bound(
    row: dict[str, Any], processors: tuple[tuple[str, Callable[[Any], Any] | None], ...]
) -> dict[str, Any]:
    return {key: row[key] if process is None else process(row[key]) for key, process in processors}
