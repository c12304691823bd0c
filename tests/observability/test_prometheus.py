"""The operator's stack, for real: Debian's Prometheus scrapes a live app and its counters are
read back through Prometheus's HTTP API; promtool checks the config and the rules and proves
each alert fires; the Grafana dashboard and the alerts use only metrics the app exports."""

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from src.config import PROJECT_ROOT
from tests.conftest import EMPLOYEE_1
from tests.live_server import LIVE_TOKEN, LiveServer, free_port, serve

MONITORING = PROJECT_ROOT / "deploy" / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "attrition.json"
AUTH = {"Authorization": f"Bearer {LIVE_TOKEN}"}
SCRAPE_TOKEN = "prometheus-scrape-token"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"Debian's prometheus package is not installed ({name}; .ci/run installs it)")
    return found


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Drift checked every second (not every 5 minutes), so its gauges show within the test."""
    folder = tmp_path_factory.mktemp("prometheus-app")
    with serve(folder, monitoring_interval_seconds=1.0, metrics_token=SCRAPE_TOKEN) as server:
        yield server


@pytest.mark.parametrize(
    "command",
    [
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],  # every alert fires on its synthetic series
    ],
    ids=lambda command: " ".join(command),
)
def test_promtool_accepts_the_config_and_the_rules(command: list[str], tmp_path: Path) -> None:
    """Run where the files are, with the compose secret the config reads made real."""
    shutil.copytree(MONITORING, tmp_path, dirs_exist_ok=True)
    config = yaml.safe_load((tmp_path / "prometheus.yml").read_text("utf-8"))
    [job] = config["scrape_configs"]
    (tmp_path / "metrics_token").write_text(SCRAPE_TOKEN, "utf-8")
    job["authorization"]["credentials_file"] = str(tmp_path / "metrics_token")
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config), "utf-8")
    result = subprocess.run(
        [_tool("promtool"), *command], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test() -> None:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text("utf-8"))
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tests = yaml.safe_load((MONITORING / "alerts_test.yml").read_text("utf-8"))["tests"]
    firing = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert firing == alerts


@pytest.fixture(scope="module")
def prometheus(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus, scraping the live app every second, with the alert rules."""
    binary = _tool("prometheus")
    folder = tmp_path_factory.mktemp("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(MONITORING / "alerts.yml")],
        "scrape_configs": [
            {
                "job_name": "attrition",
                "authorization": {"credentials": SCRAPE_TOKEN},
                "static_configs": [{"targets": [live.base_url.removeprefix("http://")]}],
            }
        ],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config), "utf-8")
    port = free_port()
    server = subprocess.Popen(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _until(
    check: Callable[[], bool], server: subprocess.Popen | None = None, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        if server is not None:
            assert server.poll() is None, server.stderr.read() if server.stderr else "exited"
        assert time.monotonic() < deadline, "Prometheus never saw it"
        time.sleep(0.25)


def _query(prometheus: str, expr: str) -> list[dict]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def test_prometheus_reads_the_apps_counters_after_real_predictions(
    live: LiveServer, prometheus: str
) -> None:
    for _ in range(4):
        assert httpx.post(f"{live.base_url}/predict", json=EMPLOYEE_1, headers=AUTH).is_success
    httpx.post(f"{live.base_url}/predict/batch", json={"employees": [EMPLOYEE_1] * 3}, headers=AUTH)
    expr = 'sum(attrition_predictions_total{source="api"})'

    def seven() -> bool:
        result = _query(prometheus, expr)
        return bool(result) and float(result[0]["value"][1]) == 7

    _until(seven)
    [served] = _query(prometheus, "attrition_model_info")
    assert served["metric"]["version"] == httpx.get(f"{live.base_url}/model").json()["version"]
    [up] = _query(prometheus, 'up{job="attrition"}')
    assert up["value"][1] == "1"
    [route] = _query(
        prometheus, 'sum by (route) (attrition_http_requests_total{route="/predict/batch"})'
    )
    assert float(route["value"][1]) == 1
    rules = httpx.get(f"{prometheus}/api/v1/rules").json()["data"]["groups"][0]["rules"]
    assert {rule["health"] for rule in rules} == {"ok"} and len(rules) == 11
    firing = httpx.get(f"{prometheus}/api/v1/alerts").json()["data"]["alerts"]
    assert [alert for alert in firing if alert["state"] == "firing"] == []


def _exported(live: LiveServer) -> set[str]:
    scraper = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    text = httpx.get(f"{live.base_url}/metrics", headers=scraper).text
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples} | {"up"}


def _metric_names(expr: str) -> set[str]:
    """The series an expression reads (names before `{`, `[` or a space, not functions)."""
    names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*(?=\{|\[|\)|$|\s*[=<>!/*+-])", expr))
    return {n for n in names if n.startswith(("attrition_", "process_")) or n == "up"}


def test_the_dashboard_and_the_alerts_use_only_exported_metrics(
    live: LiveServer, records: list[dict], clean_frame: pd.DataFrame
) -> None:
    """After enough predictions for a drift window and enough known outcomes for live
    quality, so that their gauges exist."""
    employees = {"employees": records[:250]}
    batch = httpx.post(f"{live.base_url}/predict/batch", json=employees, headers=AUTH).json()
    left = clean_frame["a_quitte_l_entreprise"]
    outcomes = [
        {
            "id_employee": record["id_employee"],
            "left": bool(left[record["id_employee"]]),
            "date": "2026-11-30",
            "prediction_id": prediction["prediction_id"],
        }
        for record, prediction in zip(records[:250], batch["predictions"], strict=True)
    ]
    posted = httpx.post(
        f"{live.base_url}/outcomes/batch", json={"outcomes": outcomes}, headers=AUTH
    )
    assert posted.status_code == 201, posted.text
    _until(lambda: {"attrition_drift_psi", "attrition_live_quality"} <= _exported(live))
    exported = _exported(live)
    panels = json.loads(DASHBOARD.read_text("utf-8"))["panels"]
    exprs = [target["expr"] for panel in panels for target in panel["targets"]]
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text("utf-8"))
    exprs += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = set().union(*(_metric_names(expr) for expr in exprs))
    assert len(used) >= 15
    assert used - exported == set()
    titles = " ".join(panel["title"] for panel in panels)
    shown_panels = ("Traffic", "Latency", "Errors", "Prediction mix", "Risk", "Trace store")
    for shown in (*shown_panels, "Model", "Drift", "Live quality"):
        assert shown in titles
