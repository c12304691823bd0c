"""A model switch under load: 16 clients post `/predict` back to back to `python app.py`
while an admin activates another registered version, then rolls back to the first.

    python -m bench.switch_under_load [--clients 16] [--seconds 30]

Reports the errors (the bar: none), the versions the answers name in each phase (only the old
one before, only the new one after the switch's answer), the time an activation takes, and
`/predict` latency in the steady phases against the second around each switch (ratios in
the same run). The second version is the shipped recipe with C = 1.0 (a different file).
"""

import argparse
import copy
import json
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine

from bench.service_process import TOKEN, service_process
from src.artifacts import load_local, write_artifacts
from src.config import PROJECT_ROOT
from src.estimator import build_trained_model, fit_logistic_regression
from src.features import build_feature_frame
from src.fields import TARGET
from src.lifecycle.store import store_and_register
from src.model_card import render_model_card
from src.prediction import Predictor
from src.preprocessing import load_extracts
from src.train import with_profile

ADMIN = "bench-admin-token"
EMPLOYEE = json.loads((PROJECT_ROOT / "data" / "sample_employee.json").read_text("utf-8"))


def _other_model(directory: Path) -> str:
    """The shipped recipe with C = 1.0 written as training would, as version 1.1.0 (its
    evaluation figures are the shipped model's, not its own: it is here to be switched to)."""
    frame = load_extracts(PROJECT_ROOT / "data")
    features, target = build_feature_frame(frame), frame[TARGET.name].to_numpy(dtype=int)
    fit = partial(fit_logistic_regression, C=1.0)
    model = with_profile(build_trained_model(fit, features, target, 42), frame, target)
    metadata = copy.deepcopy(load_local(PROJECT_ROOT / "models").metadata)
    for generated in ("sha256", "model_file"):
        metadata.pop(generated)
    metadata.update(version="1.1.0", threshold=model.threshold, base_rate=model.base_rate)
    metadata["estimator"]["C"] = 1.0
    metadata["explanation"]["baseline_logit"] = Predictor(model).baseline_logit
    metadata["lifecycle"].update(change="patch", mlflow_run_id=None)
    write_artifacts(model, metadata, render_model_card(metadata), directory)
    return metadata["version"]


@dataclass
class _Calls:
    """Every answer: when it was sent and received, its status and the version it named."""

    rows: list[tuple[float, float, int, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(base_url: str, stop: threading.Event, calls: _Calls) -> None:
    with httpx.Client(base_url=base_url, headers={"X-API-Key": TOKEN}, timeout=30) as client:
        while not stop.is_set():
            sent = time.monotonic()
            try:
                answer = client.post("/predict", json=EMPLOYEE)
                status = answer.status_code
                version = answer.json().get("model_version") if status == 200 else None
            except httpx.HTTPError:
                status, version = 0, None
            with calls.lock:
                calls.rows.append((sent, time.monotonic(), status, version))


def _activate(base_url: str, version: str) -> tuple[float, float, int]:
    started = time.monotonic()
    answer = httpx.post(
        f"{base_url}/models/{version}/activate",
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=60,
    )
    return started, time.monotonic(), answer.status_code


def _p(latencies: list[float], q: int) -> float:
    return statistics.quantiles(latencies, n=100)[q - 1] if len(latencies) > 1 else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0, help="the whole run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        other = root / "trained"
        new_version = _other_model(other)
        store = root / "store"
        settings = {"ADMIN_TOKENS": ADMIN, "MODEL_STORE_DIR": str(store)}
        with service_process(root, **settings) as service:
            old_version = httpx.get(f"{service.base_url}/model").json()["version"]
            engine = create_engine(f"sqlite:///{root / 'bench.db'}")
            store_and_register(engine, store, other)
            engine.dispose()
            calls, stop = _Calls(), threading.Event()
            threads = [
                threading.Thread(target=_client, args=(service.base_url, stop, calls))
                for _ in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            third = args.seconds / 3
            time.sleep(third)
            switch = _activate(service.base_url, new_version)
            time.sleep(third)
            rollback = _activate(service.base_url, old_version)
            time.sleep(third)
            stop.set()
            for thread in threads:
                thread.join()
    rows = calls.rows
    errors = sum(status != 200 for *_, status, _ in rows)
    print(f"{len(rows)} answers from {args.clients} clients, {errors} errors")
    for name, (started, ended, status) in (("switch", switch), ("rollback", rollback)):
        print(f"{name}: {status} in {(ended - started) * 1000:.0f} ms")
    phases = {
        "before the switch": (float("-inf"), switch[0]),
        "during the switch call": (switch[0], switch[1]),
        "between": (switch[1], rollback[0]),
        "during the rollback call": (rollback[0], rollback[1]),
        "after the rollback": (rollback[1], float("inf")),
    }
    for name, (low, high) in phases.items():
        versions = Counter(v for sent, _, _, v in rows if low <= sent < high)
        print(f"  sent {name}: {dict(versions)}")
    wrong = sum(
        1
        for sent, _, status, version in rows
        if status == 200
        and (
            (sent < switch[0] and version != old_version)
            or (switch[1] <= sent < rollback[0] and version != new_version)
            or (sent >= rollback[1] and version != old_version)
        )
    )
    print(f"answers naming another version than their phase's: {wrong}")
    steady, around = [], []
    for sent, received, status, _ in rows:
        if status != 200:
            continue
        latency = (received - sent) * 1000
        near = any(abs(sent - moment) < 1.0 for moment in (switch[0], switch[1], rollback[0]))
        (around if near else steady).append(latency)
    print(
        f"latency steady: p50 {_p(steady, 50):.1f} ms, p99 {_p(steady, 99):.1f} ms; "
        f"within 1 s of a switch: p50 {_p(around, 50):.1f} ms, p99 {_p(around, 99):.1f} ms "
        f"(p99 ratio {_p(around, 99) / _p(steady, 99):.2f}x, {len(around)} answers)"
    )
    print(f"max latency {np.max([(r - s) * 1000 for s, r, *_ in rows]):.0f} ms")
    ok = errors == 0 and wrong == 0 and switch[2] == rollback[2] == 200
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
