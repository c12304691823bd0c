"""The drift drill: realistic traffic, then shifted traffic, sent to a running service through
its API, and what `GET /monitoring/drift` makes of each.

    python -m bench.drift_drill                       # starts `python app.py` on a scratch SQLite
    python -m bench.drift_drill --url http://127.0.0.1:7860 --token "$TOKEN"

Each phase posts `--size` employees drawn from the HR extracts (without replacement, so each
counts once in the window), changed as the phase says, then reads the drift of the newest
`--size` API predictions. The drill passes when the unshifted phase raises nothing and each
shifted phase flags the fields it moved. Exit status 1 otherwise.
"""

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.service_process import TOKEN, service_process
from src.fields import FIELDS
from src.preprocessing import load_extracts

Record = dict[str, Any]


@dataclass(frozen=True)
class Phase:
    name: str
    change: Callable[[Record], Record]
    expected: frozenset[str]  # fields that must be flagged; none at all for the baseline


PHASES = (
    Phase("unchanged traffic", lambda r: r, frozenset()),
    Phase(
        "overtime for everyone",
        lambda r: {**r, "heures_supplementaires": True},
        frozenset({"heures_supplementaires"}),
    ),
    Phase(
        "salary grid moved +30 %",
        lambda r: {**r, "revenu_mensuel": round(r["revenu_mensuel"] * 1.3, 2)},
        frozenset({"revenu_mensuel"}),
    ),
    Phase(
        "Commercial merged into Consulting",
        lambda r: {**r, "departement": "Consulting"} if r["departement"] == "Commercial" else r,
        frozenset({"departement"}),
    ),
)


@dataclass(frozen=True)
class PhaseResult:
    phase: Phase
    report: dict[str, Any]

    @property
    def flagged(self) -> dict[str, float]:
        columns = {row["name"]: row["psi"] for row in self.report.get("columns", [])}
        return {name: columns[name] for name in self.report.get("drifted", [])}

    @property
    def passed(self) -> bool:
        if not self.phase.expected:
            return self.report["status"] == "ok"
        return self.phase.expected <= set(self.flagged)


def extract_records(data_dir: Path) -> list[Record]:
    """The employees of the extracts as API records (canonical fields, JSON types)."""
    frame = load_extracts(data_dir)
    names = [spec.name for spec in FIELDS]
    return [
        {name: value.item() if hasattr(value, "item") else value for name, value in row.items()}
        for row in frame[names].to_dict("records")
    ]


def run_drill(
    client: httpx.Client, records: list[Record], size: int, seed: int = 0
) -> list[PhaseResult]:
    """Every phase in turn against the service `client` talks to (base URL and token set)."""
    rng = np.random.default_rng(seed)
    results = []
    for phase in PHASES:
        drawn = [records[i] for i in rng.choice(len(records), size, replace=False)]
        batch = {"employees": [phase.change(dict(record)) for record in drawn]}
        client.post("/predict/batch", json=batch).raise_for_status()
        answer = client.get("/monitoring/drift", params={"window": size, "source": "api"})
        answer.raise_for_status()
        results.append(PhaseResult(phase, answer.json()))
    return results


def describe(results: list[PhaseResult]) -> str:
    lines = []
    for result in results:
        flagged = ", ".join(f"{name} (PSI {psi:.2f})" for name, psi in result.flagged.items())
        score = result.report.get("probability", {}).get("psi")
        lines.append(
            f"{'PASS' if result.passed else 'FAIL'}  {result.phase.name}: "
            f"{result.report['status']}; flagged: {flagged or 'none'}; "
            f"score PSI {score if score is not None else '-'}; "
            f"alerts: {len(result.report.get('alerts', []))}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running service; default: start one on scratch SQLite")
    parser.add_argument("--token", default=TOKEN, help="an API token of that service")
    parser.add_argument("--size", type=int, default=500, help="employees per phase")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    args = parser.parse_args(argv)
    records = extract_records(args.data_dir)
    headers = {"Authorization": f"Bearer {args.token}"}
    if args.url:
        with httpx.Client(base_url=args.url, headers=headers, timeout=60) as client:
            results = run_drill(client, records, args.size)
    else:
        with tempfile.TemporaryDirectory() as scratch, service_process(Path(scratch)) as service:
            with httpx.Client(base_url=service.base_url, headers=headers, timeout=60) as client:
                results = run_drill(client, records, args.size)
    print(describe(results))
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
