"""Commits the traces of a group of calls in one transaction; callers answer afterwards.

One commit per request is what makes naive logging slow; the service hands the writer every
trace that is ready at once, so a burst of N requests costs one commit, not N.

While the database is unreachable, groups go to a durable spool on local disk instead (a
prediction is never failed for its trace), and `replay` writes them once the database is back.
A replayed group is skipped if it was stored already, so a crash between the commit and the
spool file's removal cannot store a trace twice.
"""

import asyncio
import logging
import threading
from dataclasses import dataclass

from anyio import to_thread
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from database.bulk import commit_rows, insert_rows
from database.repository import CallTrace, list_stored_request_ids, trace_rows
from database.spool import TraceSpool

logger = logging.getLogger(__name__)

#: What a lost connection raises (refused, reset, timed out, server shut down, SQLite locked or
#: unwritable). Anything else, an integrity error say, is about the trace: it is not spooled.
UNREACHABLE = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class WriterStatus:
    reachable: bool
    spooled: int  # traces waiting for the database
    refused: int  # spooled traces the database refused, set aside for a person to look at


class TraceWriter:
    """Built once at start-up; `write` runs on the service's writing thread, `replay` on the
    replay task's: a lock keeps them from interleaving.

    The writer keeps one connection of its own rather than borrowing one from the pool per
    group: checking a connection out and in (a liveness ping on PostgreSQL, a reset) cost as
    much as the writing itself. A connection that fails is dropped, and the next attempt
    opens a new one.
    """

    def __init__(self, engine: Engine, model_version_id: int, spool: TraceSpool) -> None:
        self.engine = engine
        self.model_version_id = model_version_id
        self.spool = spool
        self._reachable = True
        self._lock = threading.Lock()
        self._connection: Connection | None = None

    def write(self, traces: list[CallTrace]) -> list[Exception | None]:
        """Each trace whole or not at all, in the database or (while it is unreachable) in the
        spool; returns, per trace, the error that kept it out, or None.

        The group is one transaction. If the database refuses it for what a trace holds (a
        bug, or a value a column cannot take), each trace is written again on its own: one bad
        trace fails only its own caller. Once a write has failed for a lost connection, later
        groups go straight to the spool until `replay` finds the database again: a down server
        can take seconds to refuse each connection.
        """
        with self._lock:
            return self._write(traces)

    def replay(self) -> int:
        """Writes the spooled groups, oldest first; returns how many traces were stored.

        Stops at the first group that cannot be written (the database is still down) and
        leaves it and the rest for the next call. A group the database refuses is written
        trace by trace, and the traces it still refuses are set aside in the spool (kept, never
        replayed again), so that one of them cannot hold back every later group.
        """
        stored = 0
        with self._lock:
            for path in self.spool.groups():
                model_version_id, traces = self.spool.load(path)
                try:
                    stored += self._replay_group(traces, model_version_id)
                except UNREACHABLE as err:
                    self._reachable = False
                    logger.info("database still unreachable: %s", err)
                    return stored
                self.spool.remove(path)
            if not self._reachable:
                logger.warning("database reachable again; %d spooled traces written", stored)
            self._reachable = True
        return stored

    def status(self) -> WriterStatus:
        return WriterStatus(
            reachable=self._reachable,
            spooled=self.spool.count(),
            refused=self.spool.refused_count(),
        )

    def close(self) -> None:
        """Returns the writer's connection (at shutdown)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _write(self, traces: list[CallTrace]) -> list[Exception | None]:
        if self._reachable:
            try:
                self._insert(traces, self.model_version_id)
                return [None] * len(traces)
            except UNREACHABLE as err:
                self._reachable = False
                logger.warning("database unreachable, spooling traces to disk: %s", err)
            except DBAPIError as err:
                if len(traces) == 1:
                    logger.error("trace %s refused: %s", traces[0].request_id, err)
                    return [err]
                return [outcome for trace in traces for outcome in self._write([trace])]
        self.spool.keep(self.model_version_id, traces)
        return [None] * len(traces)

    def _insert(self, traces: list[CallTrace], model_version_id: int) -> None:
        """The hot path: one transaction, one round trip on PostgreSQL (`commit_rows`)."""
        try:
            if self._connection is None:
                connection = self.engine.connect()
                self._connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            commit_rows(self._connection, trace_rows(traces, model_version_id))
        except UNREACHABLE:
            # Dropped: a server that went away costs one failed attempt, not one per group.
            if self._connection is not None:
                self._connection.invalidate()
                self._connection.close()
                self._connection = None
            raise

    def _replay_group(self, traces: list[CallTrace], model_version_id: int) -> int:
        try:
            return self._insert_missing(traces, model_version_id)
        except UNREACHABLE:
            raise
        except DBAPIError:
            if len(traces) == 1:
                kept = self.spool.keep(model_version_id, traces, refused=True)
                logger.error("spooled trace refused by the database, set aside in %s", kept)
                return 0
            return sum(self._replay_group([trace], model_version_id) for trace in traces)

    def _insert_missing(self, traces: list[CallTrace], model_version_id: int) -> int:
        """Replay (rare): a pooled connection, reading and writing in one transaction."""
        with self.engine.begin() as connection:
            ids = [trace.request_id for trace in traces]
            stored = list_stored_request_ids(connection, ids)
            missing = [trace for trace in traces if trace.request_id not in stored]
            insert_rows(connection, trace_rows(missing, model_version_id))
        return len(missing)


async def replay_until_cancelled(writer: TraceWriter, interval_s: float) -> None:
    """The app's background task: every `interval_s`, writes what waits in the spool."""
    while True:
        await asyncio.sleep(interval_s)
        if not writer.spool.groups():  # a directory listing: cheap enough to poll
            continue
        try:
            await to_thread.run_sync(writer.replay)
        except Exception:  # the task must outlive any one failure: log it, retry next time
            logger.exception("replaying spooled traces failed")
