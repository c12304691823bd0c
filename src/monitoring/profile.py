"""The training profile: what the population the model learnt from looked like, saved inside the
model artifact (so the artifact's sha256 covers it) for drift to be measured against.

One entry per raw HR field and per engineered model input that is not a raw field, plus the
predicted probabilities of the final model on its own training data (what serving the same
population would give). Only aggregates are kept, never an employee's values: for numbers 200
quantiles (the 0.25 % to 99.75 % levels, so no minimum or maximum is anyone's exact value), the
mean and spread, and decile bins with the training share in each; for categories and yes/no
fields the count of each value.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np

from src.features import FEATURES
from src.fields import FIELDS, Kind

#: Quantile levels kept for numbers: enough to rebuild a reference sample whose distribution
#: is within 0.25 % of the training one at every value (`reference_sample`).
QUANTILE_LEVELS = (np.arange(200) + 0.5) / 200
#: Interior edges of the PSI bins: the training deciles (merged where values repeat).
BIN_LEVELS = np.arange(1, 10) / 10

Profile = dict[str, Any]


def _is_flag(values: np.ndarray) -> bool:
    return values.dtype != object and bool(np.isin(values, (0.0, 1.0)).all())


def profile_numbers(values: np.ndarray) -> dict[str, Any]:
    values = np.asarray(values, dtype=np.float64)
    edges = np.unique(np.quantile(values, BIN_LEVELS, method="inverted_cdf"))
    counts = np.bincount(bin_index(edges, values), minlength=edges.size + 1)
    return {
        "kind": "number",
        "n": int(values.size),
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)),
        "quantiles": np.quantile(values, QUANTILE_LEVELS, method="inverted_cdf").tolist(),
        "bins": {"edges": edges.tolist(), "shares": (counts / values.size).tolist()},
    }


def profile_categories(values: np.ndarray) -> dict[str, Any]:
    keys, counts = np.unique(category_keys(values), return_counts=True)
    return {
        "kind": "category",
        "n": int(values.size),
        "counts": {str(key): int(count) for key, count in zip(keys, counts, strict=True)},
    }


def category_keys(values: np.ndarray) -> np.ndarray:
    """Values as the text keys of a category profile: yes/no flags as "oui"/"non"."""
    if values.dtype == object:
        return values.astype(str)
    return np.where(np.asarray(values, dtype=np.float64) == 1.0, "oui", "non")


def bin_index(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Bin of each value: (-inf, e0], (e0, e1], ..., (e_last, +inf) — right-closed, so an
    integer that is an edge falls in the bin it closes."""
    return np.searchsorted(edges, values, side="left")


def profiled_columns(
    fields: Mapping[str, np.ndarray], features: Mapping[str, np.ndarray]
) -> dict[str, tuple[str, str, np.ndarray]]:
    """name -> (origin, label, values): every raw HR field, then the model inputs that are
    computed from them (a model input that is a raw field is profiled once, as the field)."""
    columns = {spec.name: ("field", spec.label, fields[spec.name]) for spec in FIELDS}
    for feature in FEATURES:
        if feature.name not in columns:
            columns[feature.name] = ("model input", feature.label, features[feature.name])
    return columns


def _kind_of(name: str, values: np.ndarray) -> str:
    spec = next((spec for spec in FIELDS if spec.name == name), None)
    if spec is not None:
        return "category" if spec.kind in (Kind.CATEGORY, Kind.BOOLEAN) else "number"
    return "category" if values.dtype == object or _is_flag(values) else "number"


def build_profile(
    fields: Mapping[str, np.ndarray],
    features: Mapping[str, np.ndarray],
    probabilities: np.ndarray,
    target: np.ndarray,
) -> Profile:
    """The profile of a training set: its raw columns, model inputs, scores and base rate."""
    columns: dict[str, Any] = {}
    for name, (origin, label, values) in profiled_columns(fields, features).items():
        kind = _kind_of(name, values)
        entry = profile_categories(values) if kind == "category" else profile_numbers(values)
        columns[name] = {"origin": origin, "label": label, **entry}
    return {
        "n_employees": int(target.size),
        "base_rate": float(np.mean(target)),
        "columns": columns,
        "probability": profile_numbers(probabilities),
    }


def reference_sample(entry: Mapping[str, Any]) -> np.ndarray:
    """A sample of the profile's size whose distribution is the training one, rebuilt from the
    quantiles (each point takes the nearest kept level), for two-sample tests."""
    quantiles = np.asarray(entry["quantiles"], dtype=np.float64)
    n = int(entry["n"])
    levels = (np.arange(n) + 0.5) / n
    nearest = np.minimum((levels * quantiles.size).astype(int), quantiles.size - 1)
    return quantiles[nearest]
