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
from pathlib import Path

import httpx

from src.config import PROJECT_ROOT
from src.observability.logs import REQUEST_ID, log_handler
from tests.conftest import EMPLOYEE_1, MODELS_DIR
from tests.live_server import free_port

TOKEN = "log-test-token-that-must-not-appear"


def _serve_and_call(
    tmp_path: Path, log_format: str = "json", api_tokens: str | None = TOKEN
) -> tuple[list[str], httpx.Response]:
    """`python app.py` started, one prediction (with the generated token when `api_tokens`
    is None) and the public page loaded, stopped; its console lines and the answer."""
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
                httpx.get(f"{base}/health/live", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "no start"
                time.sleep(0.2)
        time.sleep(1)  # the generated token is shown just after start-up
        httpx.get(f"{base}/ui/")
        answered = httpx.post(
            f"{base}/predict",
            json=EMPLOYEE_1,
            headers={"Authorization": f"Bearer {api_tokens or TOKEN}", "X-Request-ID": "corr-42"},
        )
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    return output.splitlines(), answered


def test_every_line_is_json_and_the_access_line_carries_the_calls_ids(tmp_path: Path) -> None:
    lines, answered = _serve_and_call(tmp_path)
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
    lines, answered = _serve_and_call(tmp_path, log_format="console", api_tokens=None)
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
    assert sum(1 for line in started if line.strip()) <= 10


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
