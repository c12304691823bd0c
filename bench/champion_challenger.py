"""The champion / challenger comparison on the shipped data: the shipped model's recipe against
a retrain, a gradient boosting, a model trained on shuffled labels and the dummy, each on the
same folds, with the decision the training would take.

    python -m bench.champion_challenger [--n-repeats 3] [--n-jobs 2]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from src.artifacts import load_local
from src.estimator import (
    Fit,
    Thresholded,
    fit_dummy,
    fit_gradient_boosting,
    fit_logistic_regression,
    recipe_of,
)
from src.evaluation import Protocol, cross_validate
from src.features import build_feature_frame
from src.fields import TARGET
from src.lifecycle.comparison import compare
from src.preprocessing import load_extracts
from src.train import groups_of


def fit_on_shuffled_labels(features: pd.DataFrame, target: np.ndarray, seed: int) -> Thresholded:
    """A challenger that learnt nothing: its training labels are permuted (C fixed: nothing
    to tune on noise)."""
    shuffled = np.random.default_rng(seed).permutation(target)
    return fit_logistic_regression(features, shuffled, seed, C=0.1)


CHALLENGERS: dict[str, Fit] = {
    "retrain (C tuned again)": fit_logistic_regression,
    "gradient boosting": fit_gradient_boosting,
    "shuffled labels": fit_on_shuffled_labels,
    "dummy": fit_dummy,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--n-repeats", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    frame = load_extracts(args.data_dir)
    features = build_feature_frame(frame)
    target = frame[TARGET.name].to_numpy(dtype=int)
    protocol = Protocol(n_repeats=args.n_repeats)
    champion = load_local(args.models_dir).metadata
    started = time.perf_counter()
    champion_cv = cross_validate(
        recipe_of(champion["estimator"]), features, target, protocol, args.n_jobs
    )
    print(f"champion {champion['version']} recipe: {time.perf_counter() - started:.0f} s")
    for name, fit in CHALLENGERS.items():
        started = time.perf_counter()
        challenger = cross_validate(fit, features, target, protocol, args.n_jobs)
        result = compare(champion_cv, challenger, groups_of(frame), target, protocol)
        tests = "  ".join(
            f"{t['metric']} {t['advantage']:+.4f} (bound {t['lower_bound']:+.4f})"
            for t in result["metrics"]
        )
        worse = sum(row["worse"] for row in result["slices"])
        print(
            f"{name}: {result['decision']}; {tests}; groups worse: {worse}/{len(result['slices'])}"
            f" [{time.perf_counter() - started:.0f} s]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
