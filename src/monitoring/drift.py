"""Data drift: how far the employees the service scored lately are from the training population.

For each profiled column (`src.monitoring.profile`): the population stability index over the
training deciles (or categories), and a two-sample test against the training data — KS for
numbers (scipy's `ks_2samp`, ties handled), chi-square of homogeneity for categories (scipy's
`chi2_contingency`) — whose p-values are adjusted together (Benjamini–Hochberg, scipy), so
that thirty-odd tests on an unchanged population do not flag a field one window in two.

A column has drifted when both say so: the adjusted p-value is below `alpha` (it is not noise)
and the PSI reaches `psi_flag` (the change is large enough to matter: a window of 10,000 makes
tiny differences significant). An alert is a drifted important column (one of the model's
`important` strongest inputs) with a PSI above `psi_alert`, too large a share of drifted HR
fields, or drifted predicted probabilities.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np
from scipy.stats import chi2_contingency, false_discovery_control, ks_2samp

from src.features import build_features, columns_from_records
from src.monitoring.profile import (
    Profile,
    bin_index,
    category_keys,
    profiled_columns,
    reference_sample,
)

#: Shares below this count as this in the PSI (an empty bin would make it infinite).
SHARE_FLOOR = 1e-4


@dataclass(frozen=True)
class DriftThresholds:
    """When a column counts as drifted and when drift becomes an alert (documented defaults;
    `Settings` sets them from DRIFT_* variables)."""

    minimum_sample: int = 200
    alpha: float = 0.05
    psi_flag: float = 0.1
    psi_alert: float = 0.2
    share_alert: float = 0.3
    important: int = 10


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of shares `actual` against `expected` (same bins)."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), SHARE_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=np.float64), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


@cache
def _reference(quantiles: tuple[float, ...], n: int) -> np.ndarray:
    """The rebuilt training sample of a profile entry, built once per entry."""
    return reference_sample({"quantiles": quantiles, "n": n})


def compare_numbers(entry: Mapping[str, Any], values: np.ndarray) -> dict[str, Any]:
    """PSI over the training deciles, KS against the training sample, and the mean's shift
    in training standard deviations (what a person reads: "+1.1 σ")."""
    values = np.asarray(values, dtype=np.float64)
    edges = np.asarray(entry["bins"]["edges"], dtype=np.float64)
    counts = np.bincount(bin_index(edges, values), minlength=edges.size + 1)
    reference = _reference(tuple(entry["quantiles"]), int(entry["n"]))
    test = ks_2samp(values, reference, method="asymp")  # exact is slow beyond 10,000
    std = float(entry["std"]) or 1.0
    training_shares = np.asarray(entry["bins"]["shares"])
    return {
        "psi": psi(training_shares, counts / values.size),
        "test": "ks",
        "statistic": float(test.statistic),
        "p_value": float(test.pvalue),
        "training_mean": float(entry["mean"]),
        "window_mean": float(values.mean()),
        "shift_std": (float(values.mean()) - float(entry["mean"])) / std,
        "bins": {
            "edges": entry["bins"]["edges"],
            "training": [round(float(share), 4) for share in training_shares],
            "window": [round(float(share), 4) for share in counts / values.size],
        },
    }


def compare_categories(entry: Mapping[str, Any], values: np.ndarray) -> dict[str, Any]:
    """PSI over the categories (training ones and any new one), chi-square of homogeneity
    between the training counts and the window's, and both shares of each category."""
    reference: Mapping[str, int] = entry["counts"]
    keys, counts = np.unique(category_keys(values), return_counts=True)
    window = dict(zip(keys.tolist(), counts.tolist(), strict=True))
    categories = sorted(set(reference) | set(window))
    table = np.array(
        [[reference.get(c, 0) for c in categories], [window.get(c, 0) for c in categories]]
    )
    shares = table / table.sum(axis=1, keepdims=True)
    if len(categories) > 1:
        test = chi2_contingency(table)
        statistic, p_value = float(test.statistic), float(test.pvalue)
    else:  # one value everywhere: nothing to compare
        statistic, p_value = 0.0, 1.0
    return {
        "psi": psi(shares[0], shares[1]),
        "test": "chi2",
        "statistic": statistic,
        "p_value": p_value,
        "shares": {
            c: {"training": round(float(t), 4), "window": round(float(w), 4)}
            for c, t, w in zip(categories, shares[0], shares[1], strict=True)
        },
    }


def importance_ranks(features: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, int]:
    """Rank (1 = strongest) of each profiled column by the mean absolute contribution of the
    model input it is, or is computed into (`revenu_mensuel` -> `revenu_mensuel_log`)."""
    weight = {f["name"]: float(f["mean_abs_contribution"]) for f in features}

    def importance(name: str) -> float:
        related = [
            w for feature, w in weight.items() if feature == name or feature.startswith(f"{name}_")
        ]
        return max(related, default=0.0)

    ordered = sorted(names, key=importance, reverse=True)
    return {name: rank for rank, name in enumerate(ordered, start=1)}


def drift_report(
    profile: Profile,
    features: Sequence[Mapping[str, Any]],
    payloads: Sequence[Mapping[str, Any]],
    probabilities: Sequence[float],
    thresholds: DriftThresholds,
) -> dict[str, Any]:
    """Drift of the scored `payloads` (clean records) and of the `probabilities` the model in
    use gave (possibly fewer: predictions of earlier models are not compared with this model's
    training scores) against `profile`; `features` are the metadata's model inputs."""
    sample = {"sample_size": len(payloads), "minimum_sample": thresholds.minimum_sample}
    base = {"thresholds": asdict(thresholds), **sample}
    if len(payloads) < thresholds.minimum_sample:
        return {"status": "not enough data", **base}
    fields = columns_from_records(payloads)
    window = profiled_columns(fields, build_features(fields))
    reference = profile["columns"]
    ranks = importance_ranks(features, list(reference))
    rows = []
    for name, entry in reference.items():
        values = window[name][2]
        compared = (
            compare_categories(entry, values)
            if entry["kind"] == "category"
            else compare_numbers(entry, values)
        )
        rows.append(
            {
                "name": name,
                "label": entry["label"],
                "origin": entry["origin"],
                "kind": entry["kind"],
                "importance_rank": ranks[name],
                **compared,
            }
        )
    adjusted = false_discovery_control([row["p_value"] for row in rows], method="bh")
    for row, q_value in zip(rows, adjusted.tolist(), strict=True):
        row["q_value"] = q_value
        row["drifted"] = q_value < thresholds.alpha and row["psi"] >= thresholds.psi_flag
    rows.sort(key=lambda row: row["psi"], reverse=True)
    score = _probability_drift(profile, probabilities, thresholds)
    hr_fields = [row for row in rows if row["origin"] == "field"]
    share = sum(row["drifted"] for row in hr_fields) / len(hr_fields)
    alerts = _alerts(rows, share, score, thresholds)
    status = "alert" if alerts else "warning" if any(row["drifted"] for row in rows) else "ok"
    return {
        "status": status,
        **base,
        "share_of_fields_drifted": round(share, 4),
        "drifted": [row["name"] for row in rows if row["drifted"]],
        "alerts": alerts,
        "probability": score,
        "columns": [_rounded(row) for row in rows],
    }


def _probability_drift(
    profile: Profile, probabilities: Sequence[float], thresholds: DriftThresholds
) -> dict[str, Any]:
    sample = {"sample_size": len(probabilities)}
    if len(probabilities) < thresholds.minimum_sample:
        return {"status": "not enough data", **sample}
    compared = compare_numbers(profile["probability"], np.asarray(probabilities))
    drifted = compared["p_value"] < thresholds.alpha and compared["psi"] >= thresholds.psi_flag
    return {"status": "ok", **sample, **_rounded(compared), "drifted": drifted}


def _alerts(
    rows: list[dict[str, Any]], share: float, score: dict[str, Any], thresholds: DriftThresholds
) -> list[str]:
    alerts = [
        f"{row['name']}: PSI {row['psi']:.2f} > {thresholds.psi_alert} "
        f"(input no. {row['importance_rank']} of the model)"
        for row in rows
        if row["drifted"]
        and row["psi"] > thresholds.psi_alert
        and row["importance_rank"] <= thresholds.important
    ]
    if share > thresholds.share_alert:
        alerts.append(
            f"{share:.0%} of the HR fields drifted (alert above {thresholds.share_alert:.0%})"
        )
    if score.get("drifted") and score["psi"] > thresholds.psi_alert:
        alerts.append(f"predicted probabilities: PSI {score['psi']:.2f} > {thresholds.psi_alert}")
    return alerts


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    """Floats to four significant digits (a p-value of 3e-12 stays readable as such)."""
    return {k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in row.items()}
