"""The service as `python app.py` runs it, in a process of its own on a free loopback port, for
the benchmarks that watch it from outside (memory, latency under replay)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from src.config import PROJECT_ROOT

TOKEN = "bench-token"


@dataclass(frozen=True)
class ServiceProcess:
    pid: int
    base_url: str

    def rss_mb(self, field: str = "VmRSS") -> float:
        """Resident memory now (`VmRSS`) or at its highest so far (`VmHWM`), in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        raise LookupError(field)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def service_process(scratch: Path, **settings: str) -> Iterator[ServiceProcess]:
    """`python app.py` on a SQLite file in `scratch` (unless DATABASE_URL is given), with the
    rate limiter on but out of reach, and `settings` as environment variables."""
    port = _free_port()
    env = {
        **os.environ,
        "API_TOKENS": TOKEN,
        "DATABASE_URL": f"sqlite:///{scratch / 'bench.db'}",
        "SPOOL_DIR": str(scratch / "spool"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_TOKEN": "10000000/minute",
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stderr=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base_url}/health/live", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.2)
        yield ServiceProcess(process.pid, base_url)
    finally:
        process.terminate()
        process.wait(timeout=30)
