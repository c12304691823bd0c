"""The champion / challenger comparison on the shipped data: the shipped model's recipe against
a retrain, a gradient boosting, a model trained on shuffled labels and the dummy, each on the
same folds, with the decision the training would take.

    python -m bench.champion_challenger [--n-repeats 3] [--n-jobs 2]
"""

import time

import numpy as np
import pandas as pd

from bench.protocol import protocol_run
from src.estimator import (
    Fit,
    Thresholded,
    fit_dummy,
    fit_gradient_boosting,
    fit_logistic_regression,
    recipe_of,
)
from src.evaluation import cross_validate
from src.lifecycle.comparison import compare
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
    run = protocol_run(__doc__, argv)
    frame, features, target, protocol = run.frame, run.features, run.target, run.protocol
    champion = run.champion
    started = time.perf_counter()
    champion_cv = cross_validate(
        recipe_of(champion["estimator"]), features, target, protocol, run.args.n_jobs
    )
    print(f"champion {champion['version']} recipe: {time.perf_counter() - started:.0f} s")
    for name, fit in CHALLENGERS.items():
        started = time.perf_counter()
        challenger = cross_validate(fit, features, target, protocol, run.args.n_jobs)
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
