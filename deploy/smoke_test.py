"""Smoke test of a deployed service: `python -m deploy.smoke_test --url URL`.

Waits (a Space cold-starts) until `/health` answers, then checks that the service is healthy,
that `/predict` answers the sample employee with the token from $SMOKE_API_TOKEN, and that it
refuses a call without one. Exits non-zero, saying what failed, so a deployment workflow fails.
The token is read from the environment, never from the command line (where logs would show it).
"""

import argparse
import json
import logging
import os
import time
from pathlib import Path

import httpx

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_employee.json"
TOKEN_VARIABLE = "SMOKE_API_TOKEN"

logger = logging.getLogger(__name__)


class SmokeTestError(RuntimeError):
    """The deployed service does not do what it must."""


def wait_until_up(client: httpx.Client, timeout_s: float, poll_s: float) -> dict:
    """The `/health` report, once the service answers it (retried until `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            response = client.get("/health")
            if response.status_code == 200:
                return response.json()
            problem = f"/health answered {response.status_code}"
        except httpx.TransportError as err:
            problem = f"/health unreachable: {err}"
        if time.monotonic() > deadline:
            raise SmokeTestError(f"not up after {timeout_s:.0f} s: {problem}")
        time.sleep(poll_s)


def check(client: httpx.Client, token: str, timeout_s: float, poll_s: float) -> str:
    """Runs every check; returns a one-line summary or raises SmokeTestError."""
    health = wait_until_up(client, timeout_s, poll_s)
    if health.get("status") != "ok":
        raise SmokeTestError(f"/health is not ok: {json.dumps(health)}")
    employee = json.loads(SAMPLE.read_text("utf-8"))
    refused = client.post("/predict", json=employee)
    if refused.status_code != 401:
        raise SmokeTestError(f"/predict without a token answered {refused.status_code}, not 401")
    answered = client.post("/predict", json=employee, headers={"Authorization": f"Bearer {token}"})
    if answered.status_code != 200:
        raise SmokeTestError(f"/predict answered {answered.status_code}: {answered.text[:300]}")
    prediction = answered.json()
    if prediction.get("prediction") not in ("Part", "Reste") or not (
        0 <= prediction.get("probability", -1) <= 1
    ):
        raise SmokeTestError(f"/predict answered an unexpected body: {answered.text[:300]}")
    return (
        f"healthy, model {health['model']['version']} ({health['model']['source']}); "
        f"/predict: {prediction['prediction']} at {prediction['probability']:.3f}; "
        "401 without a token"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="e.g. https://org-name.hf.space")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for /health")
    parser.add_argument("--poll", type=float, default=10, help="seconds between attempts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        logger.error("set %s to an API token of the deployed service", TOKEN_VARIABLE)
        return 2
    with httpx.Client(base_url=args.url, timeout=30, follow_redirects=True) as client:
        try:
            summary = check(client, token, args.timeout, args.poll)
        except SmokeTestError as err:
            logger.error("smoke test failed: %s", err)
            return 1
    logger.info("smoke test passed: %s", summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
