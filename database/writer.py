"""Commits the traces of a group of calls in one transaction; callers answer afterwards.

One commit per request is what makes naive logging slow; the service hands the writer every
trace that is ready at once, so a burst of N requests costs one commit, not N.

While the database is unreachable, at start-up included, groups go to a durable spool on
local disk instead (a prediction is never failed for its trace), and the replay task writes
them once the database is back, one file at a time so that live traffic is never held behind
the whole spool. A replayed group is skipped if it was stored already, so a crash between the
commit and the spool file's removal cannot store a trace twice.
"""

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from anyio import to_thread
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from database.bulk import commit_rows, insert_rows
from database.repository import (
    ServedModel,
    add_model_version,
    list_stored_request_ids,
    trace_rows,
)
from database.spool import SpooledGroup, TraceSpool
from src.tracing import CallTrace

logger = logging.getLogger(__name__)

#: What a lost connection raises (refused, reset, timed out, server shut down, SQLite locked or
#: unwritable). Anything else, an integrity error say, is about the trace: it is not spooled.
UNREACHABLE = (OperationalError, InterfaceError)

Outcomes = list[Exception | None]


@dataclass(frozen=True)
class WriterStatus:
    reachable: bool
    ready: bool  # schema migrated, employees loaded, the served model registered
    spooled: int  # traces waiting for the database
    refused: int  # spooled traces the database refused, set aside for a person to look at


class TraceWriter:
    """Built once at start-up; `write` runs on the service's writing thread, `replay_file` on
    the replay task's: a lock keeps them from interleaving.

    `prepare` readies the database for this process (migrations, the employees); it runs in
    `connect` at start-up, and again on replay if the database was away at start-up, so the
    service starts, answers and spools without it.

    The writer keeps one connection of its own rather than borrowing one from the pool per
    group: checking a connection out and in (a liveness ping on PostgreSQL, a reset) cost as
    much as the writing itself. A connection that fails is dropped, and the next attempt
    opens a new one.
    """

    def __init__(
        self,
        engine: Engine,
        model: ServedModel,
        spool: TraceSpool,
        prepare: Callable[[Engine], None] = lambda _: None,
    ) -> None:
        self.engine = engine
        self.model = model
        self.spool = spool
        self.model_version_id: int | None = None
        self._other_models: dict[str, int] = {}
        self._prepare = prepare
        self._reachable = False
        self._was_down = False  # to log the outage once, and the return once
        self._lock = threading.Lock()
        self._connection: Connection | None = None

    @property
    def ready(self) -> bool:
        """Whether reads can be served: the database was reached and prepared."""
        return self.model_version_id is not None and self._reachable

    def connect(self) -> bool:
        """Prepares the database and registers the served model; False while it is
        unreachable (writes are spooled until `replay_file` finds it)."""
        with self._lock:
            return self._connect()

    def write(self, traces: list[CallTrace], model: ServedModel | None = None) -> Outcomes:
        """Each trace whole or not at all, in the database or (while it is unreachable) in the
        spool; returns, per trace, the error that kept it out, or None.

        The group is one transaction. If it is refused for what a trace holds, each trace is
        written again on its own: one bad trace fails only its own caller. Once a write has
        failed for a lost connection, later groups go straight to the spool until the replay
        finds the database again: a down server can take seconds to refuse each connection.

        `model` made the group's predictions (default: the one served at start-up); after a
        switch of model, groups of both may be in flight, and each is stored with its own.
        """
        with self._lock:
            return self._write(traces, model or self.model)

    def replay(self) -> int:
        """Writes every spooled group, oldest first; returns how many traces were stored.
        (The app's task goes file by file through `replay_file` instead.)"""
        stored = 0
        for path in self.spool.groups():
            written = self.replay_file(path)
            if written is None:
                break
            stored += written
        return stored

    def replay_file(self, path: Path) -> int | None:
        """Writes one spooled group; returns how many of its traces were stored, or None if the
        database is still unreachable (the file stays for the next attempt).

        A group the database refuses is written trace by trace, and the traces it still
        refuses are set aside in the spool (kept, never replayed again), as is a file that
        cannot be read: neither may hold back the files behind it.
        """
        with self._lock:
            if not self.ready and not self._connect():
                return None
            if not path.exists():  # replayed by an earlier pass
                return 0
            try:
                group = self.spool.load(path)
            except (ValueError, KeyError, TypeError):
                aside = self.spool.set_aside(path)
                logger.exception("unreadable spool file set aside as %s", aside)
                return 0
            try:
                stored = self._replay_group(group)
            except UNREACHABLE as err:
                self._reachable, self._was_down = False, True
                logger.info("database still unreachable: %s", err)
                return None
            self.spool.remove(path)
            return stored

    def status(self) -> WriterStatus:
        return WriterStatus(
            reachable=self._reachable,
            ready=self.ready,
            spooled=self.spool.count(),
            refused=self.spool.refused_count(),
        )

    def close(self) -> None:
        """Returns the writer's connection (at shutdown)."""
        with self._lock:
            self._drop_connection()

    def _connect(self) -> bool:
        try:
            if self.model_version_id is None:
                self._prepare(self.engine)
                with self.engine.begin() as connection:
                    self.model_version_id = add_model_version(connection, self.model)
            elif not self._reachable:
                with self.engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
        except UNREACHABLE as err:
            if not self._was_down:
                logger.warning("database unreachable, traces go to the spool: %s", err)
            self._reachable, self._was_down = False, True
            return False
        if self._was_down:
            logger.warning("database reachable; %d spooled traces to replay", self.spool.count())
        self._reachable, self._was_down = True, False
        return True

    def _write(self, traces: list[CallTrace], model: ServedModel) -> Outcomes:
        again = partial(self._write, model=model)
        if self.ready:
            try:
                self._insert(traces, self._model_version_id_of(model))
                return [None] * len(traces)
            except UNREACHABLE as err:
                self._reachable, self._was_down = False, True
                logger.warning("database unreachable, spooling traces to disk: %s", err)
            except Exception as err:  # any refusal of a trace: isolate it (see _one_by_one)
                return _one_by_one(traces, err, again)
        try:
            self.spool.keep(SpooledGroup(traces, model))
        except (TypeError, ValueError) as err:  # a value the spool's JSON cannot hold
            return _one_by_one(traces, err, again)
        return [None] * len(traces)

    def _model_version_id_of(self, model: ServedModel) -> int:
        """The row of `model`: the start-up model's is known; another (after a switch) is
        looked up once, and added if it is new."""
        if model.sha256 == self.model.sha256:
            return self.model_version_id
        if model.sha256 not in self._other_models:
            with self.engine.begin() as connection:
                self._other_models[model.sha256] = add_model_version(connection, model)
        return self._other_models[model.sha256]

    def _insert(self, traces: list[CallTrace], model_version_id: int) -> None:
        """The hot path: one transaction, one round trip on PostgreSQL (`commit_rows`)."""
        try:
            if self._connection is None:
                connection = self.engine.connect()
                self._connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            commit_rows(self._connection, trace_rows(traces, model_version_id))
        except UNREACHABLE:
            # Dropped: a server that went away costs one failed attempt, not one per group.
            self._drop_connection()
            raise

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()
            self._connection.close()
            self._connection = None

    def _replay_group(self, group: SpooledGroup) -> int:
        try:
            return self._insert_missing(group)
        except UNREACHABLE:
            raise
        except Exception:  # any refusal of a trace: set it aside
            if len(group.traces) == 1:
                kept = self.spool.keep(group, refused=True)
                logger.exception("spooled trace refused by the database, set aside in %s", kept)
                return 0
            return sum(
                self._replay_group(SpooledGroup([trace], group.model, group.model_version_id))
                for trace in group.traces
            )

    def _insert_missing(self, group: SpooledGroup) -> int:
        """Replay (rare): a pooled connection, reading and writing in one transaction."""
        with self.engine.begin() as connection:
            model_version_id = self._model_version_id(connection, group)
            ids = [trace.request_id for trace in group.traces]
            stored = list_stored_request_ids(connection, ids)
            missing = [trace for trace in group.traces if trace.request_id not in stored]
            insert_rows(connection, trace_rows(missing, model_version_id))
        return len(missing)

    def _model_version_id(self, connection: Connection, group: SpooledGroup) -> int:
        if group.model is None:  # a file of an earlier version: the id travelled instead
            assert group.model_version_id is not None, "a spooled group names its model"
            return group.model_version_id
        # Looked up in the replay's own transaction, not cached: should that transaction roll
        # back, a row it added would be gone, and a cached id would name nothing.
        return add_model_version(connection, group.model)


def _one_by_one(
    traces: list[CallTrace], err: Exception, write: Callable[[list[CallTrace]], Outcomes]
) -> Outcomes:
    """A group refused for what one of its traces holds (the database's refusal, or the
    driver's: a value it cannot bind) is written again trace by trace, so that only the bad
    trace's caller gets the error. Any exception counts: one that escaped would fail every
    caller of the group and leave the writer in doubt about the database."""
    if len(traces) > 1:
        return [outcome for trace in traces for outcome in write([trace])]
    logger.error("trace %s refused: %s: %s", traces[0].request_id, type(err).__name__, err)
    return [err]


async def replay_until_cancelled(writer: TraceWriter, interval_s: float) -> None:
    """The app's background task: every `interval_s`, writes what waits in the spool, one
    file per hop to the thread, so live writes take the lock between files."""
    while True:
        await asyncio.sleep(interval_s)
        if writer.ready and not writer.spool.groups():  # a directory listing: cheap to poll
            continue
        try:
            if not writer.ready and not await to_thread.run_sync(writer.connect):
                continue
            for path in writer.spool.groups():
                if await to_thread.run_sync(writer.replay_file, path) is None:
                    break
        except Exception:  # the task must outlive any one failure: log it, retry next time
            logger.exception("replaying spooled traces failed")
