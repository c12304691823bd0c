"""The logs as an operator reads them: `python app.py` with LOG_FORMAT=json writes only JSON
lines on stdout, uvicorn's included, with one access line per request that carries its
request id, its caller's correlation id, the route template and the latency, and never a
token; the console format carries the request id too."""

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from src.config import PROJECT_ROOT
from src.observability.logs import REQUEST_ID, log_handler
from tests.conftest import EMPLOYEE_1, MODELS_DIR
from tests.live_server import free_port

TOKEN = "log-test-token-that-must-not-appear"


@dataclass
class Run:
    """What one `python app.py` showed: its console, the prediction's answer, and the
    first `/health` answer with the public page's answer at that moment."""

    lines: list[str]
    answered: httpx.Response
    first_health: dict
    page_meanwhile: httpx.Response


def _serve_and_call(
    tmp_path: Path, log_format: str = "json", api_tokens: str | None = TOKEN
) -> Run:
    """`python app.py` started, one prediction (with the generated token when `api_tokens`
    is None) and the public page loaded once the UI serves, stopped."""
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **({"API_TOKENS": api_tokens} if api_tokens else {}),
        "LOG_FORMAT": log_format,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'trace.db'}",
        "SPOOL_DIR": str(tmp_path / "spool"),
        "MODELS_DIR": str(MODELS_DIR),
        "SHUTDOWN_TIMEOUT_SECONDS": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                first_health = httpx.get(f"{base}/health", timeout=1).json()
                page_meanwhile = httpx.get(f"{base}/ui/")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "no start"
                time.sleep(0.05)
        while httpx.get(f"{base}/health/ready").status_code != 200:
            assert time.monotonic() < deadline, "the UI never started"
            time.sleep(0.05)
        time.sleep(0.5)  # the generated token is shown once the UI is ready
        httpx.get(f"{base}/ui/")
        answered = httpx.post(
            f"{base}/predict",
            json=EMPLOYEE_1,
            headers={"Authorization": f"Bearer {api_tokens or TOKEN}", "X-Request-ID": "corr-42"},
        )
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    return Run(output.splitlines(), answered, first_health, page_meanwhile)


def test_the_api_serves_while_the_ui_starts(tmp_path: Path) -> None:
    """Gradio's import and the spaces' build (2 s and more) come after the API's first
    answer, polled every 50 ms: meanwhile the page answers 503 and reloads itself."""
    run = _serve_and_call(tmp_path)
    assert run.first_health["ui"] == {"status": "starting", "spaces": ["/ui/"]}
    assert run.page_meanwhile.status_code == 503
    assert run.page_meanwhile.headers["Retry-After"] == "2"
    assert '<meta http-equiv="refresh" content="2">' in run.page_meanwhile.text
    assert "L'interface démarre" in run.page_meanwhile.text
    assert run.answered.status_code == 200


def test_every_line_is_json_and_the_access_line_carries_the_calls_ids(tmp_path: Path) -> None:
    run = _serve_and_call(tmp_path)
    lines, answered = run.lines, run.answered
    assert answered.status_code == 200
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's lines too
    [access] = [
        r for r in records if r["logger"] == "attrition.access" and r["route"] == "/predict"
    ]
    assert access["request_id"] == answered.headers["X-Request-ID"]
    assert access["correlation_id"] == "corr-42"
    assert (access["method"], access["status"], access["source"]) == ("POST", 200, "api")
    assert access["latency_ms"] > 0 and access["model_version"] == answered.json()["model_version"]
    assert len(access["client_key_hash"]) == 16
    assert TOKEN not in "\n".join(lines)
    assert str(EMPLOYEE_1["revenu_mensuel"]) not in access["message"]


def test_the_console_at_start_is_short_and_ends_with_the_generated_token(
    tmp_path: Path,
) -> None:
    """A newcomer's `python app.py`: no migration's docstring, no line per page asset, and
    the token to copy as the last line once the server runs."""
    run = _serve_and_call(tmp_path, log_format="console", api_tokens=None)
    lines, answered = run.lines, run.answered
    assert answered.status_code == 401  # the token is the generated one, not ours
    # The start: up to the test's own refused call (logged, being a 401) or the stop.
    end = next(i for i, line in enumerate(lines) if "POST /predict" in line or "Shutting" in line)
    started = lines[:end]
    banner = next(i for i, line in enumerate(started) if "API_TOKENS is not set" in line)
    assert any("Uvicorn running on" in line for line in started[:banner])
    assert all(
        not line.strip() or "Authorization: Bearer" in line for line in started[banner + 1 :]
    )
    assert not any("alembic" in line for line in lines)
    assert sum(1 for line in started if line.strip()) <= 11  # uvicorn, database, model, UI


def test_the_console_format_names_the_request() -> None:
    stream = io.StringIO()
    handler = log_handler("console", stream)
    logger = logging.getLogger("tests.console")
    logger.addHandler(handler)
    logger.propagate = False
    token = REQUEST_ID.set("0192-abc")
    try:
        logger.warning("something happened")
    finally:
        REQUEST_ID.reset(token)
        logger.removeHandler(handler)
    assert "WARNING tests.console [0192-abc] something happened" in stream.getvalue()
