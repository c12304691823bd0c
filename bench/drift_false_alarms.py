"""False alarms and detection of the drift check, on windows drawn from the training data.

    python -m bench.drift_false_alarms [--trials 200]

For each window size, `--trials` windows drawn without replacement from the 1,470 employees
the model was trained on: the share of windows with any field flagged (a false alarm: the
population did not change) and with an alert. Then, at 500 employees, the share of windows in
which a field moved by +1 standard deviation (numbers) or by 30 points of share (categories:
the commonest value gives them up, or the rarest gains them) is flagged, field by field.
"""

import argparse
from pathlib import Path

import numpy as np

from bench.drift_drill import extract_records
from src.artifacts import load_local
from src.fields import FIELDS, Kind
from src.monitoring.drift import DriftThresholds, drift_report
from src.prediction import Predictor


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args(argv)
    loaded = load_local(Path("models"))
    predictor = Predictor(loaded.model)
    records = extract_records(Path("data"))
    thresholds = DriftThresholds()
    rng = np.random.default_rng(0)

    def report(window: list[dict], scored: list[dict] | None = None) -> dict:
        probabilities = [s.probability for s in predictor.predict(scored or window)]
        features = loaded.metadata["features"]
        return drift_report(loaded.model.profile, features, window, probabilities, thresholds)

    def draw(size: int) -> list[dict]:
        return [dict(records[i]) for i in rng.choice(len(records), size, replace=False)]

    print("unchanged population (windows drawn from the training data):")
    for size in (200, 500, 1000):
        flagged = alerted = 0
        for _ in range(args.trials):
            result = report(draw(size))
            flagged += bool(result["drifted"]) or result["probability"]["drifted"]
            alerted += bool(result["alerts"])
        print(
            f"  window {size:>5}: any field flagged in {flagged}/{args.trials} windows "
            f"({flagged / args.trials:.1%}), an alert in {alerted}/{args.trials}"
        )
    trials = max(args.trials // 10, 5)
    print(f"shifted field, window 500, {trials} windows each: share of windows that flag it")
    for spec in FIELDS:
        hits = 0
        for _ in range(trials):
            drawn = draw(500)
            if spec.kind in (Kind.CATEGORY, Kind.BOOLEAN):
                window = move_thirty_points(drawn, spec.name, rng)
                hits += spec.name in report(window)["drifted"]
            else:
                std = loaded.model.profile["columns"][spec.name]["std"]
                window = [{**r, spec.name: r[spec.name] + std} for r in drawn]
                hits += spec.name in report(window, scored=drawn)["drifted"]
        print(f"  {spec.name:<42} {hits}/{trials}")


def move_thirty_points(window: list[dict], name: str, rng: np.random.Generator) -> list[dict]:
    """`window` with 30 % of its employees given another value of category `name`: the
    commonest value gives them up (when it holds that many), else the rarest gains them."""
    values = [record[name] for record in window]
    by_count = sorted(set(values), key=values.count)
    common, rarest = by_count[-1], by_count[0]
    moved = int(0.3 * len(window))
    if values.count(common) >= moved:
        donors = [i for i, value in enumerate(values) if value == common]
        others = [value for value in by_count if value != common]
    else:
        donors = [i for i, value in enumerate(values) if value != rarest]
        others = [rarest]
    for i in rng.choice(donors, moved, replace=False):
        window[i][name] = others[rng.integers(len(others))]
    return window


if __name__ == "__main__":
    main()
