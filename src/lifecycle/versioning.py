"""Model versions are computed, never typed: semantic versioning against the champion.

- major: the model reads other inputs (feature list or input schema): clients may need to
  change what they send, and traces of the two versions are not comparable field by field;
- minor: trained on other data, or another estimator family;
- patch: the same data and family (another code revision, other hyper-parameters).

A retrain that writes the champion's very file (same sha256) keeps the champion's version.
"""

from typing import Any

FIRST_VERSION = "1.0.0"


def _parts(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("+")[0].split(".")[:3])
    return major, minor, patch


def change_kind(champion: dict[str, Any], challenger: dict[str, Any]) -> str:
    """`major`, `minor` or `patch`: what separates the challenger's metadata from the
    champion's."""
    if [f["name"] for f in champion.get("features", [])] != [
        f["name"] for f in challenger["features"]
    ] or champion.get("input_schema") != challenger["input_schema"]:
        return "major"
    same_data = champion["training_data"]["sha256"] == challenger["training_data"]["sha256"]
    same_family = champion["estimator"]["family"] == challenger["estimator"]["family"]
    return "patch" if same_data and same_family else "minor"


def next_version(after: str | None, kind: str) -> str:
    """The version that follows `after` for a change of `kind` (the first one without)."""
    if after is None:
        return FIRST_VERSION
    major, minor, patch = _parts(after)
    if kind == "major":
        return f"{major + 1}.0.0"
    if kind == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def latest(versions: list[str]) -> str | None:
    """The highest of `versions` in semantic order (not text order: 1.10.0 > 1.9.0)."""
    return max(versions, key=_parts, default=None)
