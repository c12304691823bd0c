"""The drift drill (`python -m bench.drift_drill`) on a small sample, against a live server:
nothing raised on unchanged traffic, the moved field flagged in each shifted phase."""

from pathlib import Path

import httpx

from bench.drift_drill import PHASES, describe, extract_records, run_drill
from tests.conftest import DATA_DIR
from tests.live_server import LIVE_TOKEN, serve


def test_the_drill_flags_each_shift_and_nothing_else(tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {LIVE_TOKEN}"}
    with (
        serve(tmp_path) as live,
        httpx.Client(base_url=live.base_url, headers=headers, timeout=60) as client,
    ):
        results = run_drill(client, extract_records(DATA_DIR), size=250)
    assert [result.phase for result in results] == list(PHASES)
    assert all(result.passed for result in results), describe(results)
    unchanged, overtime, *_ = results
    assert unchanged.report["drifted"] == [] and unchanged.report["alerts"] == []
    assert overtime.report["status"] == "alert"
    for result in results[1:]:  # the moved field is the most drifted one
        assert next(iter(result.flagged)) in result.phase.expected, describe(results)
