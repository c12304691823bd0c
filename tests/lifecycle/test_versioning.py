"""Versions are computed from what changed since the champion, never typed."""

import copy

import pytest

from src.artifacts import LoadedModel
from src.lifecycle.versioning import change_kind, latest, next_version


@pytest.mark.parametrize(
    ("after", "kind", "expected"),
    [
        (None, "major", "1.0.0"),
        ("1.0.0", "patch", "1.0.1"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "major", "2.0.0"),
        ("1.9.0", "minor", "1.10.0"),
    ],
)
def test_the_next_version_bumps_the_part_that_changed(
    after: str | None, kind: str, expected: str
) -> None:
    assert next_version(after, kind) == expected


def test_versions_are_ordered_as_numbers_not_as_text() -> None:
    assert latest(["1.9.0", "1.10.0", "1.2.3"]) == "1.10.0"
    assert latest([]) is None


def test_the_kind_of_change_follows_the_metadata(shipped: LoadedModel) -> None:
    champion = shipped.metadata
    same = copy.deepcopy(champion)
    assert change_kind(champion, same) == "patch"
    new_data = copy.deepcopy(champion)
    new_data["training_data"]["sha256"] = "0" * 64
    assert change_kind(champion, new_data) == "minor"
    other_family = copy.deepcopy(champion)
    other_family["estimator"]["family"] = "gradient_boosting"
    assert change_kind(champion, other_family) == "minor"
    fewer_inputs = copy.deepcopy(champion)
    fewer_inputs["features"] = fewer_inputs["features"][1:]
    assert change_kind(champion, fewer_inputs) == "major"
    other_schema = copy.deepcopy(champion)
    other_schema["input_schema"]["fields"][0]["maximum"] = 80
    assert change_kind(champion, other_schema) == "major"
