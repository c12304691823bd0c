"""Cost of writing traces: `python -m bench.trace_write [--database-url URL]`.

Builds the service as the app does, on the database (a fresh SQLite file unless --database-url
is given; it must be a scratch database: it is migrated and gets a table of this script's),
scores one employee to get a real trace, and times the writer's transaction (`commit_rows`)
for a group of 1 and of 16 traces: wall time and this process's CPU time, medians. Under load
the CPU is what competes with scoring for the GIL. Two references are measured in the same
interleaved rounds: scoring that employee (the service's own work for a request; the ratios
are against it) and the floor of any durable write, one tiny row committed straight through
the driver.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Connection, make_url, text

from database.bulk import commit_rows
from database.engine import create_database_engine, resolve_database_url
from database.migrate import upgrade
from database.repository import trace_rows
from database.spool import TraceSpool
from database.writer import TraceWriter
from src.artifacts import load_local
from src.config import Settings
from src.ids import new_id
from src.schemas import EmployeeRecord
from src.service import PredictionService, Serving
from src.tracing import Call, CallTrace, answered_trace
from tests.conftest import EMPLOYEE_1

GROUP_SIZES = (1, 16)
SCORING, FLOOR = "scoring one employee", "commit of one tiny row"


def _traces(service: PredictionService, count: int) -> list[CallTrace]:
    """`count` traces of one scored employee, each with ids of its own."""
    bodies, features = service.score_untraced([EmployeeRecord(**EMPLOYEE_1)])
    call = Call(source="api", method="POST", route="/predict")
    return [
        answered_trace(
            replace(call, request_id=new_id()),
            b"{}",
            [EMPLOYEE_1],
            features,
            [{**bodies[0], "prediction_id": new_id()}],
        )
        for _ in range(count)
    ]


def _timed(work: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3


def _measure(
    connection: Connection, service: PredictionService, rounds: int, repeats: int
) -> dict[str, list[tuple[float, float]]]:
    version_id = service.writer.model_version_id
    connection.execute(text("CREATE TABLE bench_commit_floor (x INTEGER)"))
    driver = connection.connection.driver_connection  # the floor without SQLAlchemy's own cost
    record = EmployeeRecord(**EMPLOYEE_1)
    timings: dict[str, list[tuple[float, float]]] = {SCORING: [], FLOOR: []}
    try:
        for _ in range(rounds):  # interleaved, so a slow spell hits every measurement
            for _ in range(repeats):
                timings[SCORING].append(_timed(lambda: service.score_untraced([record])))
                floor = _timed(lambda: driver.execute("INSERT INTO bench_commit_floor VALUES (1)"))
                timings[FLOOR].append(floor)
            for size in GROUP_SIZES:
                for _ in range(repeats):
                    rows = trace_rows(_traces(service, size), version_id)
                    timed = _timed(lambda rows=rows: commit_rows(connection, rows))
                    timings.setdefault(f"write of {size} trace(s)", []).append(timed)
    finally:
        connection.execute(text("DROP TABLE bench_commit_floor"))
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=100, help="writes per round and size")
    parser.add_argument("--database-url", help="a scratch database; default: a temp SQLite file")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp())
    database_url = args.database_url or f"sqlite:///{scratch / 'bench.db'}"
    print(f"database: {make_url(database_url).render_as_string(hide_password=True)}")
    engine = create_database_engine(resolve_database_url(database_url))
    upgrade(engine)
    serving = Serving.of(load_local(Settings(_env_file=None).models_dir))
    writer = TraceWriter(engine, serving.model, TraceSpool(scratch / "spool"))
    writer.connect()
    service = PredictionService(serving, writer)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        timings = _measure(connection, service, args.rounds, args.repeats)
    engine.dispose()
    medians = {
        name: tuple(statistics.median(column) for column in zip(*measured, strict=True))
        for name, measured in timings.items()
    }
    scoring_wall = medians[SCORING][0]
    for name, (wall, cpu) in medians.items():
        print(
            f"{name:<24} wall {wall:6.2f} ms ({wall / scoring_wall:5.2f}x scoring)   "
            f"CPU here {cpu:6.2f} ms"
        )


if __name__ == "__main__":
    main()
