"""Memory under concurrent batches: `python -m bench.concurrent_batches [--clients 25]`.

Starts the service as `python app.py` runs it (SQLite in a temp folder), sends `--clients`
`POST /predict/batch` of 10,000 employees at once, each from its own connection, and reports
the process's peak resident memory above its idle level, how the calls were answered (200, or
503 once the body budget's wait is over), and checks that every answered prediction is in the
database.
"""

import argparse
import json
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.service_process import TOKEN, service_process
from database.engine import create_database_engine, resolve_database_url
from database.models import PredictionResult
from tests.conftest import EMPLOYEE_1

BATCH = 10_000


def _body() -> bytes:
    employees = [{**EMPLOYEE_1, "age": 20 + i % 40, "id_employee": i + 1} for i in range(BATCH)]
    return json.dumps({"employees": employees}).encode()


def _post(base_url: str, body: bytes) -> tuple[int, int, float]:
    """Status, predictions answered, seconds."""
    started = time.perf_counter()
    answered = httpx.post(
        f"{base_url}/predict/batch",
        content=body,
        headers={"X-API-Key": TOKEN, "Content-Type": "application/json"},
        timeout=600,
    )
    count = len(answered.json()["predictions"]) if answered.status_code == 200 else 0
    return answered.status_code, count, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=25)
    parser.add_argument("--admission-wait", default="60", help="ADMISSION_WAIT_SECONDS")
    args = parser.parse_args(argv)
    body = _body()
    scratch = Path(tempfile.mkdtemp())
    with service_process(scratch, ADMISSION_WAIT_SECONDS=args.admission_wait) as service:
        time.sleep(2)  # let start-up settle before reading the idle level
        idle = service.rss_mb()
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(lambda _: _post(service.base_url, body), range(args.clients)))
        elapsed = time.perf_counter() - started
        peak = service.rss_mb("VmHWM")
    engine = create_database_engine(resolve_database_url(f"sqlite:///{scratch / 'bench.db'}"))
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(PredictionResult))
    engine.dispose()
    answered = sum(count for _, count, _ in results)
    statuses = Counter(status for status, _, _ in results)
    print(f"{args.clients} clients x {BATCH} employees ({len(body) / 1e6:.1f} MB each)")
    slowest = max(seconds for _, _, seconds in results)
    print(f"answered: {dict(statuses)} in {elapsed:.1f} s; slowest call {slowest:.1f} s")
    print(f"resident memory: idle {idle:.0f} MB, peak {peak:.0f} MB, +{peak - idle:.0f} MB")
    verdict = "OK" if stored == answered else "LOST"
    print(f"predictions answered {answered}, stored {stored}: {verdict}")


if __name__ == "__main__":
    main()
