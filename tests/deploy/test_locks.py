"""The locks: every package that any install takes, pinned and hashed, one version per
package across the runtime, dev and deployment locks, made from the `.in` files, and used by
every place that installs."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from src.config import PROJECT_ROOT

LOCKS = {
    "requirements.txt": "requirements.in",
    "requirements-dev.txt": "requirements-dev.in",
    "deploy/requirements.txt": "deploy/requirements.in",
}


def _entries(path: Path) -> list[tuple[Requirement, list[str]]]:
    """A lock's requirements with their hashes (continuation lines joined)."""
    text = path.read_text("utf-8").replace("\\\n", " ")
    entries = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        spec, *hashes = re.split(r"\s+--hash=", line)
        entries.append((Requirement(spec), hashes))
    return entries


def _pins(path: Path) -> dict[str, str]:
    """The `name==version` lines of an `.in` file (and of the files it includes)."""
    pins = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= _pins(path.parent / line[3:])
        elif line:
            requirement = Requirement(line)
            [spec] = requirement.specifier
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_package_is_pinned_with_its_hashes(lock: str) -> None:
    entries = _entries(PROJECT_ROOT / lock)
    assert len(entries) > 10
    for requirement, hashes in entries:
        assert str(requirement.specifier).startswith("=="), requirement
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes)


@pytest.mark.parametrize(("lock", "source"), LOCKS.items())
def test_each_lock_holds_its_sources_pins(lock: str, source: str) -> None:
    locked = {
        canonicalize_name(r.name): str(r.specifier)[2:] for r, _ in _entries(PROJECT_ROOT / lock)
    }
    for name, version in _pins(PROJECT_ROOT / source).items():
        assert locked.get(name) == version, f"{name}: {source} says {version}, {lock} says"


def test_a_package_has_one_version_in_every_lock() -> None:
    versions: dict[str, set[str]] = {}
    for lock in LOCKS:
        for requirement, _ in _entries(PROJECT_ROOT / lock):
            name = canonicalize_name(requirement.name)
            if requirement.marker is None or requirement.marker.evaluate(
                {"python_full_version": "3.11.7", "python_version": "3.11"}
            ):
                versions.setdefault(name, set()).add(str(requirement.specifier))
    assert {name: v for name, v in versions.items() if len(v) > 1} == {}


def test_platform_specific_wheels_are_marked() -> None:
    """uvloop has no Windows build: without its marker the README's install fails there."""
    [uvloop] = [r for r, _ in _entries(PROJECT_ROOT / "requirements.txt") if r.name == "uvloop"]
    assert uvloop.marker is not None
    assert not uvloop.marker.evaluate({"sys_platform": "win32"})
    assert uvloop.marker.evaluate({"sys_platform": "linux"})


def test_every_install_uses_a_lock_and_checks_its_hashes() -> None:
    places = [
        PROJECT_ROOT / "Dockerfile",
        PROJECT_ROOT / ".ci" / "run",
        *sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml")),
    ]
    installs = [
        (place.name, line)
        for place in places
        for line in place.read_text("utf-8").replace("\\\n", " ").splitlines()
        if "pip install" in line
    ]
    assert installs
    for place, line in installs:
        assert "--require-hashes" in line and re.search(r"-r \S*requirements", line), place
