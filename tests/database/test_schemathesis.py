"""Schemathesis, an outside OpenAPI fuzzer, against the live app on SQLite and PostgreSQL:
every operation of the published document, all its checks, all its phases (examples,
coverage, fuzzing and the stateful phase that chains calls), at least 1,000 generated cases
on each backend, and no failure. The two statuses its checks are told to expect besides their
defaults are in tests/schemathesis.toml, each with its reason."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import LIVE_TOKEN, serve

CONFIG = Path(__file__).resolve().parent.parent / "schemathesis.toml"
MIN_CASES = 1_000


@pytest.mark.slow
def test_schemathesis_finds_no_failure_in_a_thousand_cases(db_url: str, tmp_path: Path) -> None:
    with serve(tmp_path, db_url) as live:
        run = subprocess.run(
            [
                *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG)),
                *("run", f"{live.base_url}/openapi.json", "--checks", "all"),
                *("--header", f"Authorization: Bearer {LIVE_TOKEN}"),
                *("--max-examples", "80", "--seed", "20261201", "--generation-database", "none"),
                *("--request-timeout", "60", "--no-color"),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,  # its reports and caches stay in the test's folder
        )
    summary = run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-20000:]
    generated = int(re.search(r"(\d+) generated", summary).group(1))
    assert generated >= MIN_CASES, summary
    assert "Stateful" in summary and "❌" not in summary, summary
