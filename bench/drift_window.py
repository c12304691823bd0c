"""How long `GET /monitoring/drift` takes over a window of 10,000 stored predictions, and
whether the event loop stays free meanwhile.

    python -m bench.drift_window [--database-url postgresql://...]

Starts `python app.py` on a scratch SQLite file (or the given database), stores 10,000
predictions with one batch call (records without `id_employee`, so none is a repeat), then
times the drift route; during those calls a second client pings `/health/live` and its
latencies are compared with the same pings on an idle service, in the same run.
"""

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

from bench.drift_drill import extract_records
from bench.service_process import TOKEN, service_process

WINDOW = 10_000


def _pings(base_url: str, stop: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(base_url=base_url) as client:
        while not stop.is_set():
            start = time.perf_counter()
            client.get("/health/live")
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(0.005)


def _pinged_while(base_url: str, work: Callable[[], None]) -> list[float]:
    stop, latencies = threading.Event(), []
    pinger = threading.Thread(target=_pings, args=(base_url, stop, latencies))
    pinger.start()
    try:
        work()
    finally:
        stop.set()
        pinger.join()
    return latencies


def _percentiles(latencies: list[float]) -> str:
    p50, p99 = np.percentile(latencies, [50, 99])
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(latencies):.1f} ms ({len(latencies)})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a scratch SQLite file")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    records = extract_records(Path("data"))
    rng = np.random.default_rng(0)
    batch = [records[i] for i in rng.choice(len(records), WINDOW)]
    settings = {"DATABASE_URL": args.database_url} if args.database_url else {}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with (
        tempfile.TemporaryDirectory() as scratch,
        service_process(Path(scratch), **settings) as service,
    ):
        with httpx.Client(base_url=service.base_url, headers=headers, timeout=120) as client:
            client.post("/predict/batch", json={"employees": batch}).raise_for_status()
            timings: list[float] = []

            def drift_calls() -> None:
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    answer = client.get("/monitoring/drift", params={"window": WINDOW})
                    timings.append(time.perf_counter() - start)
                    assert answer.json()["sample_size"] == WINDOW, answer.text[:200]

            idle = _pinged_while(service.base_url, lambda: time.sleep(2))
            busy = _pinged_while(service.base_url, drift_calls)
    print(f"drift over {WINDOW:,} stored predictions ({args.repeats} calls):")
    median, best, worst = statistics.median(timings), min(timings), max(timings)
    print(f"  median {median:.3f} s, best {best:.3f} s, worst {worst:.3f} s")
    print(f"  /health/live while idle:      {_percentiles(idle)}")
    print(f"  /health/live during drift:    {_percentiles(busy)}")


if __name__ == "__main__":
    main()
