"""Bulk inserts of a group's rows into several tables, parents first, as cheaply as each
database allows. The trace of every request goes through here, so the per-statement cost counts.

PostgreSQL: one statement for the whole group. Each table's rows travel as one JSON array,
which `json_to_recordset` turns back into typed rows, and the tables' INSERTs are chained as
data-modifying CTEs. A statement is atomic and, on an AUTOCOMMIT connection, its own
transaction: one round trip, one execution, one commit, whatever the size of the group. The
statement text depends only on the tables and their keys, so psycopg prepares it once. Against
the five INSERTs of a trace pipelined between BEGIN and COMMIT, the client's work per row drops
from a Python pass over every parameter to one orjson call per table (numbers in the README).

SQLite (in-process, no round trips): one compiled INSERT per table, the rows handed to the
DBAPI cursor's `executemany` with each column's own bind processor, as SQLAlchemy would,
without its per-statement execution context (about 30 µs).

Either way SQLAlchemy hears of a lost connection as it would of its own statements, and the
caller sees SQLAlchemy's exceptions.
"""

from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Dialect, Table, TypeDecorator, insert
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.exc import DBAPIError

TableRows = tuple[Table, list[dict[str, Any]]]
Processor = Callable[[Any], Any] | None
#: Which tables, with which keys, in which order: what a statement is compiled for.
Shape = tuple[tuple[Table, tuple[str, ...]], ...]


def insert_rows(connection: Connection, groups: Sequence[TableRows]) -> None:
    """Insert each table's rows, in order (parents first), in the caller's transaction; tables
    without rows are skipped.

    Every row of a table has the same keys and gives every column with a default: SQLAlchemy's
    defaults do not run on this path.
    """
    _execute(connection, groups, transaction=False)


def commit_rows(connection: Connection, groups: Sequence[TableRows]) -> None:
    """As `insert_rows`, as a transaction of its own, committed before this returns.

    `connection` must be in AUTOCOMMIT mode, so that neither SQLAlchemy nor the driver opens a
    transaction around it: on PostgreSQL the one statement is the transaction; on SQLite the
    inserts run between a BEGIN and a COMMIT of their own.
    """
    _execute(connection, groups, transaction=True)


def _execute(connection: Connection, groups: Sequence[TableRows], transaction: bool) -> None:
    groups = [(table, rows) for table, rows in groups if rows]
    if not groups:
        return
    dialect = connection.dialect
    shape = tuple((table, tuple(rows[0])) for table, rows in groups)
    _check_defaults(shape)
    driver = connection.connection.driver_connection
    one_statement = dialect.name == "postgresql"
    sql = _recordset_statement(dialect, shape) if one_statement else None
    try:
        with closing(driver.cursor()) as cursor:
            if sql is not None:
                cursor.execute(sql, [_json_array(dialect, t, rows) for t, rows in groups])
            else:
                _execute_many(cursor, dialect, groups, transaction)
    except dialect.loaded_dbapi.Error as err:
        # What SQLAlchemy does for its own statements: a lost connection is invalidated, and
        # the caller sees SQLAlchemy's exception (OperationalError for an unreachable server).
        lost = dialect.is_disconnect(err, driver, None)
        if lost:
            connection.invalidate(err)
        elif transaction and not one_statement:
            _roll_back(driver)
        raise DBAPIError.instance(
            sql, None, err, dialect.loaded_dbapi.Error, connection_invalidated=lost
        ) from err
    except Exception:
        # Not the database's refusal but the driver's (sqlite3 cannot bind an int of 2**63):
        # the transaction this function opened must still end, or the connection stays in it.
        if transaction and not one_statement:
            _roll_back(driver)
        raise


def _roll_back(driver: DBAPIConnection) -> None:
    """Ends the failed transaction this module began, leaving the connection reusable."""
    if getattr(driver, "in_transaction", True):
        driver.rollback()


@cache
def _check_defaults(shape: Shape) -> None:
    for table, keys in shape:
        missing = {c.key for c in table.columns if c.default is not None} - set(keys)
        if missing:
            raise ValueError(f"rows for {table.name} must give {sorted(missing)}")


# --- PostgreSQL: one statement, one JSON array per table ---------------------------------


@cache
def _recordset_statement(dialect: Dialect, shape: Shape) -> str:
    """`WITH t0 AS (INSERT ... FROM json_to_recordset($1)), ... INSERT ...`, parents first.

    Foreign keys are checked at the end of the statement, so children may name parents
    inserted by an earlier CTE of the same statement. A JSON column travels as the text of its
    document and is cast back: `json_to_recordset` would refuse a document holding \\u0000,
    which the `json` type itself accepts.
    """
    inserts = []
    for table, keys in shape:
        columns = [_travelling(dialect, table, key) for key in keys]
        names = ", ".join(name for name, _, _ in columns)
        selected = ", ".join(expression for _, _, expression in columns)
        typed = ", ".join(f"{name} {carried_as}" for name, carried_as, _ in columns)
        inserts.append(
            f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
            f"SELECT {selected} FROM json_to_recordset(%s::json) AS rows({typed})"
        )
    *parents, last = inserts
    ctes = ", ".join(f"t{i} AS ({sql})" for i, sql in enumerate(parents))
    return f"WITH {ctes} {last}" if ctes else last


def _travelling(dialect: Dialect, table: Table, key: str) -> tuple[str, str, str]:
    """How one column travels: its quoted name, its type inside the recordset, and the
    expression inserted."""
    name = dialect.identifier_preparer.quote(key)
    column_type = table.c[key].type
    sql_type = column_type.compile(dialect=dialect)
    if isinstance(column_type, JSON):
        return name, "text", f"{name}::{sql_type}"
    return name, sql_type, name


def _json_array(dialect: Dialect, table: Table, rows: list[dict[str, Any]]) -> str:
    """The rows as a JSON array, each value converted as a bound parameter would be: by the
    application's own column types (`TypeDecorator`: UTC datetimes), and a JSON column's
    document serialized to its text (None stays NULL)."""
    converters = _converters(dialect, table, tuple(rows[0]))
    if converters:
        rows = [row | {key: convert(row[key]) for key, convert in converters} for row in rows]
    return orjson.dumps(rows).decode()


@cache
def _converters(
    dialect: Dialect, table: Table, keys: tuple[str, ...]
) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    converters: list[tuple[str, Callable[[Any], Any]]] = []
    for key in keys:
        column_type = table.c[key].type
        if isinstance(column_type, TypeDecorator):
            converters.append((key, _bound_by(column_type, dialect)))
        elif isinstance(column_type, JSON):
            converters.append((key, _document_text))
    return tuple(converters)


def _bound_by(column_type: TypeDecorator, dialect: Dialect) -> Callable[[Any], Any]:
    return lambda value: column_type.process_bind_param(value, dialect)


def _document_text(document: object) -> str | None:
    return None if document is None else orjson.dumps(document).decode()


# --- other databases: one compiled INSERT per table, executemany -------------------------


@dataclass(frozen=True)
class _Prepared:
    """One table's INSERT for one key set, in the driver's own parameter style."""

    sql: str
    processors: tuple[tuple[str, Processor], ...]
    positional: bool

    def bind(self, row: dict[str, Any]) -> tuple | dict[str, Any]:
        values = [
            (key, row[key] if process is None else process(row[key]))
            for key, process in self.processors
        ]
        return tuple(value for _, value in values) if self.positional else dict(values)


def _execute_many(
    cursor: DBAPICursor, dialect: Dialect, groups: Sequence[TableRows], transaction: bool
) -> None:
    if transaction:
        cursor.execute("BEGIN")
    for table, rows in groups:
        prepared = _prepared(dialect, table, tuple(rows[0]))
        cursor.executemany(prepared.sql, [prepared.bind(row) for row in rows])
    if transaction:
        cursor.execute("COMMIT")


@cache
def _prepared(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Prepared:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = compiled.positiontup if compiled.positional else keys
    processors = tuple(
        (key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in order
    )
    return _Prepared(str(compiled), processors, compiled.positional)
