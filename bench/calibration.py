"""The calibration experiment: the shipped recipe (logistic regression, Platt/sigmoid) against
the same recipe with isotonic calibration, under the training protocol (the same repeated
folds, the same inner folds, the C the shipped model was chosen with).

    python -m bench.calibration [--n-repeats 3] [--n-jobs 2]

Prints, for each method, the CV means of ROC-AUC, PR-AUC, Brier and log loss, the paired
Brier difference, the Hosmer–Lemeshow p-value of each repeat, and the gap (observed −
predicted) of the top risk bands in every repeat.
"""

import time
from functools import partial

import numpy as np
from sklearn.metrics import log_loss

from bench.protocol import protocol_run
from src.estimator import fit_logistic_regression
from src.evaluation import calibration_table, cross_validate, hosmer_lemeshow
from src.train import CALIBRATION_EDGES

METHODS = ("sigmoid", "isotonic")


def main(argv: list[str] | None = None) -> int:
    run = protocol_run(__doc__, argv)
    features, target, protocol = run.features, run.target, run.protocol
    C = float(run.champion["estimator"]["C"])
    briers = {}
    for method in METHODS:
        started = time.perf_counter()
        fit = partial(fit_logistic_regression, C=C, calibration=method)
        cv = cross_validate(fit, features, target, protocol, run.args.n_jobs)
        summary = cv.summary()
        briers[method] = np.array([fold["brier"] for fold in cv.folds])
        losses = [log_loss(target, oof.probabilities) for oof in cv.repeats]
        tests = [hosmer_lemeshow(target, oof.probabilities) for oof in cv.repeats]
        print(f"## {method} ({time.perf_counter() - started:.0f} s)")
        for name in ("roc_auc", "pr_auc", "brier"):
            low, high = summary[name]["repeat_range"]
            print(f"  {name}: {summary[name]['mean']:.4f} (repeats {low:.4f}–{high:.4f})")
        print(f"  log loss: {np.mean(losses):.4f} (repeats {min(losses):.4f}–{max(losses):.4f})")
        print("  Hosmer–Lemeshow p per repeat: " + ", ".join(f"{t['p_value']:.2g}" for t in tests))
        for band in calibration_table(target, cv, CALIBRATION_EDGES):
            low, high = band["gap_range"]
            print(
                f"  band {band['from']:.2f}–{min(band['to'], 1):.2f}: n≈{band['n']}, predicted "
                f"{band['mean_probability']:.3f}, observed {band['observed_rate']:.3f}, "
                f"gap {low:+.3f} to {high:+.3f}"
            )
    difference = briers["isotonic"] - briers["sigmoid"]
    print(
        f"Brier isotonic − sigmoid, fold by fold: mean {difference.mean():+.5f}, "
        f"folds where isotonic is better {int((difference < 0).sum())}/{len(difference)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
