"""How long `python app.py` takes to answer, and what it costs when nobody calls it.

Each run starts the service as a user would (both UI spaces, a fresh SQLite file), times the
first answer of `/health` and of the public page's config (the UI usable) from the moment the
process is started, counts the console lines written meanwhile, then, after a pause, reads
the process's CPU time over a quiet window (`/proc/<pid>/stat`: share of one core).

    python -m bench.startup_idle [--runs 3] [--idle-seconds 30]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from src.config import PROJECT_ROOT
from src.ui.users import hash_password

TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _until_ok(url: str, process: subprocess.Popen, started: float) -> float:
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError("the service exited")
        time.sleep(0.02)


def one_run(scratch: Path, idle_seconds: float) -> dict[str, float]:
    port = _free_port()
    env = {
        **os.environ,
        "API_TOKENS": "bench-token",
        "UI_USERS": f"rh:{hash_password('un mot de passe de banc', iterations=1_000)}",
        "DATABASE_URL": f"sqlite:///{scratch / 'startup.db'}",
        "SPOOL_DIR": str(scratch / "spool"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    console = scratch / "console.log"
    with console.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out
        )
        try:
            base = f"http://127.0.0.1:{port}"
            health = _until_ok(f"{base}/health", process, started)
            ui = _until_ok(f"{base}/ui/config", process, started)
            lines = len(console.read_text().splitlines())
            time.sleep(5)  # start-up's own work (the employees, the first checks) is done
            before, clock = _cpu_seconds(process.pid), time.perf_counter()
            time.sleep(idle_seconds)
            idle = (_cpu_seconds(process.pid) - before) / (time.perf_counter() - clock)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {"health_s": health, "ui_s": ui, "console_lines": lines, "idle_core": idle}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(one_run(Path(folder), args.idle_seconds))
        shown = results[-1]
        print(
            f"run {run + 1}: /health {shown['health_s']:.2f} s, UI {shown['ui_s']:.2f} s, "
            f"{shown['console_lines']} console lines, idle {100 * shown['idle_core']:.2f} % "
            "of a core"
        )
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(
        f"median: /health {median['health_s']:.2f} s, UI {median['ui_s']:.2f} s, "
        f"idle {100 * median['idle_core']:.2f} % of a core"
    )


if __name__ == "__main__":
    main()
