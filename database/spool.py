"""Traces kept on local disk while the database is unreachable, until they can be written.

One file per group of traces, written to a temporary name, fsynced, then renamed into place
(and the directory fsynced): a file either holds a whole group or does not exist, so a crash
mid-write leaves no half group to replay. The number of traces is in the file name, so
counting what waits needs no reading.
"""

import hashlib
import os
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy import URL

from database.repository import CallTrace

SUFFIX = ".json"
#: Traces the database refused even one by one: kept for a person to look at, never replayed.
REFUSED_SUFFIX = ".refused"


class TraceSpool:
    """A directory of spooled groups, oldest first. Not thread-safe: the writer serialises."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def keep(self, model_version_id: int, traces: list[CallTrace], refused: bool = False) -> Path:
        """Store a group durably, to replay, or `refused` to set it aside; returns its file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        suffix = REFUSED_SUFFIX if refused else SUFFIX
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}-{len(traces)}{suffix}"
        content = orjson.dumps(
            {"model_version_id": model_version_id, "traces": [asdict(t) for t in traces]}
        )
        partial = self.directory / f".{name}.partial"
        with partial.open("wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        final = self.directory / name
        partial.rename(final)
        _fsync_directory(self.directory)
        return final

    def groups(self) -> list[Path]:
        """The spooled groups, oldest first."""
        if not self.directory.exists():
            return []
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    def refused(self) -> list[Path]:
        """The groups set aside."""
        if not self.directory.exists():
            return []
        return sorted(self.directory.glob(f"*{REFUSED_SUFFIX}"))

    def count(self) -> int:
        """How many traces wait, from the file names."""
        return _traces_in(self.groups())

    def refused_count(self) -> int:
        """How many traces were set aside, from the file names."""
        return _traces_in(self.refused())

    @staticmethod
    def load(path: Path) -> tuple[int, list[CallTrace]]:
        """The model version id and the traces of one spooled group."""
        stored = orjson.loads(path.read_bytes())
        traces = [
            CallTrace(**{**t, "received_at": datetime.fromisoformat(t["received_at"])})
            for t in stored["traces"]
        ]
        return stored["model_version_id"], traces

    def remove(self, path: Path) -> None:
        path.unlink()
        _fsync_directory(self.directory)


def _traces_in(files: list[Path]) -> int:
    return sum(int(path.stem.rsplit("-", 1)[1]) for path in files)


def _fsync_directory(directory: Path) -> None:
    """Makes a rename or an unlink durable (POSIX keeps directory entries in the directory)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def default_spool_dir(database: URL) -> Path:
    """A folder of the temp directory named after the database, so traces spooled for one
    database are never replayed into another."""
    name = hashlib.sha256(database.render_as_string(hide_password=True).encode()).hexdigest()
    return Path(tempfile.gettempdir()) / "futurisys-attrition-spool" / name[:16]
