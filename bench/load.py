"""Load benchmark of `POST /predict`: `python -m bench.load [--database-url URL] [--pin]`.

Starts, each in its own uvicorn process on loopback: a bare FastAPI endpoint, the stack's
limit (`bench/stack_limit.py`: FastAPI, Pydantic and the model, no database), the service
with tracing cut off (built here only), and the service as it runs, tracing every prediction
to the database (a fresh SQLite file unless --database-url is given). Drives each from this
process at concurrency 1 and 16 with keep-alive HTTP/1.1 connections and prints requests/s,
p50/p99 latency, and the ratios measured in the same run. The servers run at once and are
measured in interleaved rounds; a ratio is the median of the rounds', and the logged
service's slowest round is set against its median (a stall shows there). `--pin`: the
servers on CPU 1, this load generator on CPU 0.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import make_url

from tests.conftest import EMPLOYEE_1

TOKEN = "bench-token"
SERVICE = (
    "from app import create_app; from src.config import Settings; "
    # The rate limiter runs, with a limit no benchmark reaches.
    f"app = create_app(Settings(api_tokens='{TOKEN}', database_url=DATABASE_URL, "
    "rate_limit_per_token='10000000/minute', _env_file=None))"
)
SERVERS = {
    "bare FastAPI endpoint": "from bench.bare_app import create_bare_app as make; app = make()",
    "stack limit": "from bench.stack_limit import create_stack_limit_app as make; app = make()",
    # The same service with tracing cut where it starts: no trace rows built, nothing written.
    "service, unlogged": (
        "import src.service as s; s.PredictionService._write = lambda self, items: [None] * "
        "len(items); " + SERVICE
    ),
    "service, logged": SERVICE,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(
    setup: str, port: int, database_url: str, cpu: int | None = None
) -> Iterator[subprocess.Popen]:
    """A uvicorn process serving the `app` that `setup` builds; on `cpu` alone if given (set
    first, so that every thread it starts inherits it)."""
    run = f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', access_log=False)"
    pin = "" if cpu is None else f"import os; os.sched_setaffinity(0, {{{cpu}}}); "
    code = f"{pin}import uvicorn; DATABASE_URL = {database_url!r}; {setup}; {run}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        # The service builds its UI once it listens (seconds of CPU): measured after that.
        while time.monotonic() < deadline and _starting(port):
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _starting(port: int) -> bool:
    """`/health/ready` says 503 (the baselines have no such route: 404, ready)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        return sock.recv(64).startswith(b"HTTP/1.1 503")


def request_bytes(port: int) -> bytes:
    body = json.dumps(EMPLOYEE_1).encode()
    head = (
        f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _worker(port: int, request: bytes, stop_at: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < stop_at:
        start = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.decode(errors="replace"))
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - start)
    writer.close()


async def drive(port: int, concurrency: int, seconds: float) -> tuple[float, float, float]:
    request = request_bytes(port)
    latencies: list[float] = []
    await _worker(port, request, time.perf_counter() + 0.5, [])  # warm-up
    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(*(_worker(port, request, stop_at, latencies) for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, cuts[49] * 1e3, cuts[98] * 1e3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--pin", action="store_true", help="servers on CPU 1, load on CPU 0")
    args = parser.parse_args(argv)
    server_cpu = pin_load_generator() if args.pin else None
    scratch = tempfile.mkdtemp()
    database_url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
    print(f"database: {make_url(database_url).render_as_string(hide_password=True)}")
    ports = {name: free_port() for name in SERVERS}
    runs: dict[tuple[str, int], list[tuple[float, float, float]]] = defaultdict(list)
    with ExitStack() as servers:
        for name, setup in SERVERS.items():
            servers.enter_context(server(setup, ports[name], database_url, server_cpu))
        # Rounds alternate the servers, so a slow spell of this shared machine hits all of
        # them, and each round gives its own ratio.
        for _ in range(args.rounds):
            for concurrency in args.concurrency:
                for name in SERVERS:
                    runs[name, concurrency].append(
                        asyncio.run(drive(ports[name], concurrency, args.seconds))
                    )
    _report(runs, args.concurrency)


def _report(
    runs: dict[tuple[str, int], list[tuple[float, float, float]]], levels: list[int]
) -> None:
    for (name, concurrency), measured in runs.items():
        rps, p50, p99 = (statistics.median(column) for column in zip(*measured, strict=True))
        latency = f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
        print(f"{name:<22} c={concurrency:<3} {rps:8.0f} req/s   {latency}   (medians)")
    for concurrency in levels:
        bare, limit, unlogged, logged = (
            [rps for rps, _, _ in runs[name, concurrency]] for name in SERVERS
        )
        of_bare = statistics.median(u / b for u, b in zip(unlogged, bare, strict=True))
        of_limit = [lo / li for lo, li in zip(logged, limit, strict=True)]
        ratios = [lo / u for lo, u in zip(logged, unlogged, strict=True)]
        spread = f"rounds {min(ratios):.0%}..{max(ratios):.0%}"
        print(
            f"c={concurrency}: logged = {statistics.median(of_limit):.2f} x the stack limit "
            f"(rounds {min(of_limit):.2f}..{max(of_limit):.2f}); unlogged = {of_bare:.0%} of "
            f"bare; logged = {statistics.median(ratios):.0%} of unlogged ({spread}); logged's "
            f"slowest round {statistics.median(logged) / min(logged):.2f}x below its median"
        )


def pin_load_generator() -> int:
    """This process on CPU 0; returns the CPU the servers get."""
    os.sched_setaffinity(0, {0})
    return 1


if __name__ == "__main__":
    main()
