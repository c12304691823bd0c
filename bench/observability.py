"""What metrics and logs cost: `python -m bench.observability [--database-url URL]`.

Two servers of the same service, every prediction traced: as it runs (the request observer's
metrics and JSON access line per request at INFO, written to a file; the service's domain
metrics) and with all of it cut out (the observer passes requests through, the domain metrics
do nothing, logs at WARNING). Each in its own uvicorn process; driven from this process at
concurrency 1 and 16 in interleaved rounds; the ratio per round, then the median. The budget
is 5 % of the logged throughput.

Throughput on this shared 2-core machine swings by 15 % from one round to the next, so the
benchmark also reads each server's own CPU time (user + system, from /proc) over each
measurement: CPU per answered request is what the observation adds, whatever else runs.
`--pin` keeps the servers on one core and the load on the other, as issue 18 measures.
"""

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from bench.load import SERVICE, drive, free_port, pin_load_generator, server

LOGGING = (
    "import logging, sys; from src.observability.logs import configure_logging; "
    "sys.stdout = open({log!r}, 'w'); configure_logging('INFO', 'json'); "
)
SERVERS = {
    "observed": LOGGING + SERVICE,
    "unobserved": (
        "import src.observability.http as h, src.observability.metrics as m; "
        "h.RequestObserver.__call__ = lambda self, scope, receive, send: "
        "self.app(scope, receive, send); "
        "m.ServiceMetrics.observe_answers = lambda *a, **k: None; "
        "m.ServiceMetrics.observe_group = lambda *a, **k: None; " + SERVICE
    ),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--database-url", help="default: a fresh SQLite file per server")
    parser.add_argument(
        "--pin", action="store_true", help="the servers on CPU 1, this load generator on CPU 0"
    )
    args = parser.parse_args(argv)
    server_cpu = pin_load_generator() if args.pin else None
    scratch = Path(tempfile.mkdtemp())
    ports = {name: free_port() for name in SERVERS}
    runs: dict[tuple[str, int], list[float]] = defaultdict(list)
    cpu: dict[tuple[str, int], list[float]] = defaultdict(list)
    with ExitStack() as servers:
        pids = {}
        for name, setup in SERVERS.items():
            url = args.database_url or f"sqlite:///{scratch / (name + '.db')}"
            code = setup.replace("{log!r}", repr(str(scratch / f"{name}.log")))
            pids[name] = servers.enter_context(server(code, ports[name], url, server_cpu)).pid
        for round_ in range(args.rounds):
            for concurrency in args.concurrency:
                # Each round swaps who goes first: an A/A run (the same server twice) showed
                # the first of a pair 4-6 % slower, whichever it was.
                for name in list(SERVERS)[:: 1 if round_ % 2 else -1]:
                    before = _cpu_seconds(pids[name])
                    rps, _, _ = asyncio.run(drive(ports[name], concurrency, args.seconds))
                    used = _cpu_seconds(pids[name]) - before
                    runs[name, concurrency].append(rps)
                    cpu[name, concurrency].append(used / (rps * args.seconds) * 1e6)
    for concurrency in args.concurrency:
        observed, unobserved = runs["observed", concurrency], runs["unobserved", concurrency]
        ratios = [o / u for o, u in zip(observed, unobserved, strict=True)]
        print(
            f"c={concurrency:<3} observed {statistics.median(observed):7.0f} req/s   "
            f"unobserved {statistics.median(unobserved):7.0f} req/s   "
            f"observed = {statistics.median(ratios):.1%} of unobserved "
            f"(rounds {min(ratios):.1%}..{max(ratios):.1%})"
        )
        spent = [statistics.median(cpu[name, concurrency]) for name in SERVERS]
        print(
            f"       CPU per request: observed {spent[0]:.0f} us, unobserved {spent[1]:.0f} us: "
            f"+{spent[0] / spent[1] - 1:.1%}"
        )
    log = scratch / "observed.log"
    if log.exists():
        print(f"{sum(1 for _ in log.open())} JSON log lines written by the observed server")
    shutil.rmtree(scratch)


def _cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (from /proc/<pid>/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
