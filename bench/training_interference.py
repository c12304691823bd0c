"""What a training started through the API costs serving: `POST /predict` latency at
concurrency 1 on an idle service, then while a training runs (its own process, nice +10),
then idle again, in the same service process.

    python -m bench.training_interference [--candidates logistic_regression] [--n-repeats 3]
"""

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.service_process import TOKEN, service_process
from src.config import PROJECT_ROOT

ADMIN = "bench-admin-token"
EMPLOYEE = json.loads((PROJECT_ROOT / "data" / "sample_employee.json").read_text("utf-8"))


def _latencies_ms(
    client: httpx.Client, seconds: float, keep_going: Callable[[], bool] | None = None
) -> list[float]:
    """`POST /predict` one after another for `seconds` (or while `keep_going()`)."""
    latencies, end = [], time.monotonic() + seconds
    while time.monotonic() < end if keep_going is None else keep_going():
        started = time.perf_counter()
        client.post("/predict", json=EMPLOYEE).raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _describe(name: str, latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return f"{name}: {len(latencies)} calls, p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", nargs="+", default=["logistic_regression"])
    parser.add_argument("--n-repeats", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        settings = {
            "ADMIN_TOKENS": ADMIN,
            "MODEL_STORE_DIR": str(Path(scratch) / "store"),
            "MLFLOW_DIR": str(Path(scratch) / "mlruns"),
        }
        with service_process(Path(scratch), **settings) as service:
            client = httpx.Client(
                base_url=service.base_url, headers={"Authorization": f"Bearer {TOKEN}"}
            )
            _latencies_ms(client, 5)  # warm up
            before = _latencies_ms(client, args.idle_seconds)
            body = {"candidates": args.candidates, "n_repeats": args.n_repeats}
            run = httpx.post(
                f"{service.base_url}/training/runs",
                json=body,
                headers={"Authorization": f"Bearer {ADMIN}"},
            ).json()
            url = f"/training/runs/{run['run_id']}"
            state = {"status": run["status"], "checked": time.monotonic()}

            def training() -> bool:
                if time.monotonic() - state["checked"] > 1:
                    state.update(status=client.get(url).json()["status"], checked=time.monotonic())
                return state["status"] in ("queued", "running")

            started = time.monotonic()
            during = _latencies_ms(client, 0, training)
            took = time.monotonic() - started
            after = _latencies_ms(client, args.idle_seconds)
            final = client.get(url).json()
    print(_describe("idle before", before))
    print(_describe(f"during the training ({took:.0f} s, {final['status']})", during))
    print(_describe("idle after", after))
    idle_p99 = statistics.quantiles(before + after, n=100)[98]
    during_p99 = statistics.quantiles(during, n=100)[98]
    print(f"p99 during / p99 idle: {during_p99 / idle_p99:.2f}x (the bar: at most 2x)")
    return 0 if final["status"] == "succeeded" else 1


if __name__ == "__main__":
    raise SystemExit(main())
