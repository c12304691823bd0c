"""Live latency while an outage's spool is replayed: `python -m bench.replay_latency`.

Starts the service as `python app.py` runs it (SQLite in a temp folder), drives `POST /predict`
at a steady concurrency and measures its latency with an empty spool; then drops `--groups`
spooled groups of 16 traces (what a long outage under load leaves) into the spool, and
measures the same traffic while the replay task writes them, until the spool is empty. Both
phases in the same process and run; the ratio of the p99s is the figure.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

from bench.load import request_bytes
from bench.service_process import service_process
from database.repository import ServedModel
from database.spool import SpooledGroup, TraceSpool
from src.artifacts import load_local
from src.config import Settings
from src.features import build_features, columns_from_records
from src.ids import new_id
from src.prediction import Predictor
from src.tracing import Call, CallTrace, answered_trace
from tests.conftest import EMPLOYEE_1

GROUP = 16


def _spool(directory: Path, groups: int) -> int:
    """`groups` files of GROUP realistic traces each, as the writer spools them."""
    loaded = load_local(Settings(_env_file=None).models_dir)
    predictor = Predictor(loaded.model)
    features = build_features(columns_from_records([EMPLOYEE_1]))
    [scoring] = predictor.predict_features(features)
    body = {
        "prediction_id": "",
        "prediction": scoring.label,
        "probability": scoring.probability,
        "threshold": predictor.threshold,
        "risk_level": scoring.risk_level,
        "model_version": loaded.metadata["version"],
        "explanation": [{"feature": f, "contribution": c} for f, c in scoring.contributions],
    }
    feature_row = {name: values.tolist()[0] for name, values in features.items()}
    call = Call(source="api", method="POST", route="/predict")

    def trace() -> CallTrace:
        prediction = {**body, "prediction_id": new_id()}
        return answered_trace(
            replace(call, request_id=new_id()), b"{}", [EMPLOYEE_1], [feature_row], [prediction]
        )

    spool = TraceSpool(directory)
    model = ServedModel.from_metadata(loaded.metadata, "local")
    for _ in range(groups):
        spool.keep(SpooledGroup([trace() for _ in range(GROUP)], model))
    return groups * GROUP


async def drive(port: int, concurrency: int, until: object) -> list[float]:
    """Latencies (ms) of `concurrency` keep-alive clients until `until()` is true."""
    request = request_bytes(port)
    latencies: list[float] = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not until():
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1e3)
        writer.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies


def _summary(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=2000, help="spooled groups of 16 traces")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="of the baseline phase")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp())
    staged = scratch / "staged"
    traces = _spool(staged, args.groups)
    with service_process(scratch, SPOOL_RETRY_SECONDS="0.5") as service:
        port = int(service.base_url.rsplit(":", 1)[1])
        stop_at = time.monotonic() + args.seconds
        quiet = asyncio.run(drive(port, args.concurrency, lambda: time.monotonic() > stop_at))
        spool_dir = scratch / "spool"
        spool_dir.mkdir(exist_ok=True)
        for path in sorted(staged.iterdir()):
            path.rename(spool_dir / path.name)

        checked = {"at": 0.0, "done": False}

        def replayed() -> bool:  # the spool is listed at most every 50 ms
            if time.monotonic() - checked["at"] > 0.05:
                checked["at"], checked["done"] = time.monotonic(), not any(spool_dir.glob("*.json"))
            return checked["done"]

        started = time.monotonic()
        during = asyncio.run(drive(port, args.concurrency, replayed))
        took = time.monotonic() - started
        health = httpx.get(f"{service.base_url}/health").json()["database"]
    (quiet_p50, quiet_p99), (during_p50, during_p99) = _summary(quiet), _summary(during)
    print(f"{traces} spooled traces in {args.groups} files, replayed in {took:.1f} s")
    print(f"no replay:     {len(quiet):6d} calls  p50 {quiet_p50:6.2f} ms  p99 {quiet_p99:6.2f} ms")
    print(
        f"during replay: {len(during):6d} calls  p50 {during_p50:6.2f} ms  p99 {during_p99:6.2f} ms"
    )
    print(f"p99 during replay / without: {during_p99 / quiet_p99:.2f}x; database after: {health}")


if __name__ == "__main__":
    main()
