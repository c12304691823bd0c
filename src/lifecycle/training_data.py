"""What a training learns from: the HR extracts, or what the service has stored since.

From the database, the employees are those `database.load_employees` stored (their canonical
records), and each one's outcome is the newest one HR reported through `POST /outcomes` (by
date, then by when it was recorded), else the one the extracts knew. An outcome reported for an
employee who is not stored has no record to learn from: it is counted, not used. Either way the
data is named by the sha256 of its content (`hash_records`), so the same employees with the same
outcomes hash the same from both sources and a scheduled retraining sees new outcomes as new data.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from database.repository import latest_reported_outcomes, list_employees
from src.errors import NoTrainingDataError
from src.fields import TARGET
from src.preprocessing import frame_from_records, hash_records, load_extracts

Source = Literal["extracts", "database"]
SOURCES: tuple[Source, ...] = get_args(Source)


@dataclass(frozen=True)
class TrainingData:
    """Clean records with their outcome, where they came from and the hash that names them;
    `outcomes` says how the reported outcomes were used (database only)."""

    frame: pd.DataFrame
    sha256: str
    source: Source
    outcomes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_extracts(cls, data_dir: Path) -> "TrainingData":
        frame = load_extracts(data_dir)
        return cls(frame, hash_records(frame), "extracts")

    @classmethod
    def from_database(cls, engine: Engine) -> "TrainingData":
        """Raises NoTrainingDataError when no employee is stored."""
        with Session(engine) as session:
            employees = list_employees(session)
            reported = latest_reported_outcomes(session)
        if not employees:
            raise NoTrainingDataError(
                "no employee is stored: load them first (python -m database.load_employees)"
            )
        records = {id_employee: record for id_employee, record, _ in employees}
        known = {id_employee: left for id_employee, _, left in employees}
        used = {i: left for i, left in reported.items() if i in records}
        frame = frame_from_records(records, {**known, **used})
        counts = {
            "reported_used": len(used),
            "reported_changed": sum(known[i] != left for i, left in used.items()),
            "reported_without_employee": len(reported) - len(used),
        }
        return cls(frame, hash_records(frame), "database", counts)

    @classmethod
    def load(cls, source: Source, data_dir: Path, engine: Engine | None) -> "TrainingData":
        if source == "database":
            if engine is None:
                raise ValueError("training from the database needs DATABASE_URL")
            return cls.from_database(engine)
        return cls.from_extracts(data_dir)

    def describe(self) -> dict[str, Any]:
        """The model metadata's `training_data`."""
        target = self.frame[TARGET.name]
        described = {
            "source": self.source,
            "sha256": self.sha256,
            "n_employees": int(len(target)),
            "n_leavers": int(target.sum()),
        }
        if self.source == "database":
            described["reported_outcomes"] = self.outcomes
        return described
