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
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy import URL

from database.repository import ServedModel
from src.tracing import CallTrace

SUFFIX = ".json"
#: Traces the database refused even one by one: kept for a person to look at, never replayed.
REFUSED_SUFFIX = ".refused"


@dataclass(frozen=True)
class SpooledGroup:
    """One file's traces and the model that made them: its `model_versions` row, or, in a
    file spooled before the row travelled with the traces, the row's id."""

    traces: list[CallTrace]
    model: ServedModel | None = None
    model_version_id: int | None = None


class TraceSpool:
    """A directory of spooled groups, oldest first. Not thread-safe: the writer serialises."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def keep(self, group: SpooledGroup, refused: bool = False) -> Path:
        """Store a group durably, to replay, or `refused` to set it aside; returns its file.

        Raises TypeError when a trace holds a value JSON cannot (an integer past 64 bits)."""
        content = orjson.dumps(
            {
                "model": None if group.model is None else asdict(group.model),
                "model_version_id": group.model_version_id,
                "traces": [asdict(t) for t in group.traces],
            }
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        suffix = REFUSED_SUFFIX if refused else SUFFIX
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}-{len(group.traces)}{suffix}"
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
    def load(path: Path) -> SpooledGroup:
        """One spooled group; raises ValueError (or KeyError, TypeError) if the file is not
        one the spool wrote."""
        stored = orjson.loads(path.read_bytes())
        traces = [
            CallTrace(**{**t, "received_at": datetime.fromisoformat(t["received_at"])})
            for t in stored["traces"]
        ]
        model = stored.get("model")
        return SpooledGroup(
            traces,
            None if model is None else ServedModel.from_json(model),
            stored.get("model_version_id"),
        )

    def remove(self, path: Path) -> None:
        path.unlink()
        _fsync_directory(self.directory)

    def set_aside(self, path: Path) -> Path:
        """A file replay cannot read: renamed out of the replay order, kept for a person."""
        aside = path.with_suffix(REFUSED_SUFFIX)
        path.rename(aside)
        _fsync_directory(self.directory)
        return aside


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
