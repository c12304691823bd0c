"""In-process latency of the prediction core: `python -m bench.predict_latency`.

Times probability + explanation through `Predictor` (the serving path) for one record at a time
and for a batch of 10,000, next to the sklearn pipeline on the same inputs in the same run, so
the ratio holds on a noisy machine even when absolute numbers drift.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from src.artifacts import load_local
from src.config import PROJECT_ROOT, Settings
from src.features import build_feature_frame
from src.fields import FIELDS
from src.prediction import Predictor
from src.preprocessing import load_extracts


def _per_call_us(call: Callable[[int], Any], n_calls: int) -> list[float]:
    timings = []
    for i in range(n_calls):
        start = time.perf_counter()
        call(i)
        timings.append((time.perf_counter() - start) * 1e6)
    return timings


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=3000, help="single-record calls")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--batch-runs", type=int, default=7)
    args = parser.parse_args(argv)

    settings = Settings()
    loaded = load_local(settings.models_dir)
    predictor = Predictor(loaded.model)
    frame = load_extracts(PROJECT_ROOT / "data")
    records = frame[[s.name for s in FIELDS]].reset_index().to_dict("records")
    features = build_feature_frame(frame)
    estimator = loaded.model.estimator
    n = len(records)

    fast = _per_call_us(lambda i: predictor.predict([records[i % n]]), args.records)
    slow = _per_call_us(
        lambda i: estimator.predict_proba(features.iloc[[i % n]]), max(args.records // 10, 10)
    )
    print(f"single record ({args.records} calls)")
    _report("Predictor, probability + explanation", fast, "µs")
    _report("sklearn pipeline, probability only", slow, "µs")
    ratio = statistics.median(slow) / statistics.median(fast)
    print(f"  ratio of p50: sklearn / Predictor = {ratio:.0f}")

    batch = [records[i % n] for i in range(args.batch_size)]
    batch_frame = pd.concat([features] * (args.batch_size // n + 1)).iloc[: args.batch_size]
    runs = args.batch_runs
    fast_ms = [t / 1e3 for t in _per_call_us(lambda _: predictor.predict(batch), runs)]
    slow_ms = [t / 1e3 for t in _per_call_us(lambda _: estimator.predict_proba(batch_frame), runs)]
    print(f"batch of {args.batch_size} ({runs} runs)")
    _report("Predictor, from records, with explanations", fast_ms, "ms")
    _report("sklearn pipeline, ready DataFrame, probability only", slow_ms, "ms")


def _report(label: str, timings: list[float], unit: str) -> None:
    p99 = _percentile(timings, 99) if len(timings) >= 10 else max(timings)
    print(f"  {label:<52} p50 {statistics.median(timings):8.1f} {unit}   p99 {p99:8.1f} {unit}")


if __name__ == "__main__":
    main()
