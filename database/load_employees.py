"""Loads the TechNova employees into `employees`: `python -m database.load_employees`.

Idempotent: employees already stored are left as they are, so it can run at every start. The
records come from `src.preprocessing.load_extracts`, the same cleaning training uses.
"""

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from database.engine import engine_from_settings, serialize
from database.migrate import upgrade
from database.repository import add_dataset_outcomes, add_employees, list_employee_ids
from src.config import PROJECT_ROOT, Settings
from src.fields import FIELDS, TARGET
from src.preprocessing import load_extracts

logger = logging.getLogger(__name__)


def load_employees(engine: Engine, data_dir: Path) -> int:
    """Insert the employees of the extracts that are not stored yet; returns how many."""
    frame = load_extracts(data_dir)
    fields = [spec.name for spec in FIELDS]
    with engine.begin() as connection:
        serialize(connection, "load_employees")  # replicas starting together insert once
        stored = list_employee_ids(Session(connection))
        rows = [
            {
                "id_employee": int(id_employee),
                "record": {name: row[name] for name in fields},
                "a_quitte_l_entreprise": bool(row[TARGET.name]),
            }
            for id_employee, row in zip(frame.index, frame.to_dict("records"), strict=True)
            if int(id_employee) not in stored
        ]
        add_employees(connection, rows)
        # What the extracts know of the same employees, for live quality (undated).
        add_dataset_outcomes(
            connection, {row["id_employee"]: row["a_quitte_l_entreprise"] for row in rows}
        )
    logger.info("employees: %d added, %d already stored", len(rows), len(stored))
    return len(rows)


def main() -> int:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    engine = engine_from_settings(settings)
    upgrade(engine)
    load_employees(engine, PROJECT_ROOT / "data")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
