"""Deployment to a Space: the upload and the wait for the new build (Hub client faked at its
boundary: no network here)."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from huggingface_hub import SpaceStage

from deploy.space import SPACE_FILES, DeploymentError, main, push, wait_running
from src.config import PROJECT_ROOT
from src.fields import Extract


@dataclass
class _Commit:
    oid: str


@dataclass
class _Runtime:
    stage: str


@dataclass
class FakeHub:
    stages: list[str] = field(default_factory=list)
    calls: list[tuple[str, dict]] = field(default_factory=list)

    def create_repo(self, repo_id: str, **kwargs: object) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def add_space_secret(self, repo_id: str, key: str, value: str) -> None:
        self.calls.append(("add_space_secret", {"repo_id": repo_id, "key": key, "value": value}))

    def add_space_variable(self, repo_id: str, key: str, value: str) -> None:
        self.calls.append(("add_space_variable", {"repo_id": repo_id, "key": key, "value": value}))

    def upload_folder(self, **kwargs: object) -> _Commit:
        self.calls.append(("upload_folder", kwargs))
        return _Commit("abc123")

    def get_space_runtime(self, repo_id: str) -> _Runtime:
        assert repo_id == "futurisys/attrition"
        return _Runtime(self.stages.pop(0) if len(self.stages) > 1 else self.stages[0])


def test_push_creates_the_docker_space_sets_the_token_and_uploads_the_image_sources() -> None:
    hub = FakeHub()
    assert push(hub, "futurisys/attrition", PROJECT_ROOT, "space-token") == "abc123"
    (_, created), (_, forwarded), (_, secret), (_, uploaded) = hub.calls
    assert (forwarded["key"], forwarded["value"]) == ("FORWARDED_ALLOW_IPS", "*")
    assert created == {
        "repo_id": "futurisys/attrition",
        "repo_type": "space",
        "space_sdk": "docker",
        "exist_ok": True,
    }
    assert (secret["key"], secret["value"]) == ("API_TOKENS", "space-token")
    assert uploaded["repo_type"] == "space" and uploaded["folder_path"] == PROJECT_ROOT


def test_push_without_a_token_leaves_the_spaces_secret_alone() -> None:
    hub = FakeHub()
    push(hub, "futurisys/attrition", PROJECT_ROOT, None)
    assert [name for name, _ in hub.calls] == ["create_repo", "add_space_variable", "upload_folder"]


def test_the_uploaded_files_are_what_the_image_is_built_from() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text("utf-8")
    copied = {line.split()[2] for line in dockerfile.splitlines() if line.startswith("COPY ")}
    uploaded = {pattern.removesuffix("/**") for pattern in SPACE_FILES}
    assert all(any(u == c or u.startswith(c + "/") for u in uploaded) for c in copied)
    assert {"Dockerfile", "README.md"} <= uploaded
    for pattern in SPACE_FILES:
        assert list(Path(PROJECT_ROOT).glob(pattern)), f"{pattern} matches nothing"


@pytest.mark.parametrize(
    "stages",
    [
        ["RUNNING", "BUILDING", "BUILDING", "APP_STARTING", "RUNNING"],  # old build first
        ["BUILDING", "RUNNING_APP_STARTING", "RUNNING"],
    ],
)
def test_wait_returns_once_the_new_build_runs(stages: list[str]) -> None:
    hub = FakeHub(stages=list(stages))
    wait_running(hub, "futurisys/attrition", timeout_s=5, poll_s=0, grace_s=5)
    assert hub.stages == ["RUNNING"]


def test_wait_accepts_a_space_that_never_rebuilt_after_the_grace_period() -> None:
    hub = FakeHub(stages=["RUNNING"])
    wait_running(hub, "futurisys/attrition", timeout_s=5, poll_s=0.001, grace_s=0.01)


@pytest.mark.parametrize("failure", ["BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR"])
def test_wait_fails_when_the_space_fails(failure: str) -> None:
    hub = FakeHub(stages=["BUILDING", failure])
    with pytest.raises(DeploymentError, match=failure):
        wait_running(hub, "futurisys/attrition", timeout_s=5, poll_s=0, grace_s=5)


def test_wait_gives_up_after_its_timeout() -> None:
    hub = FakeHub(stages=[SpaceStage.BUILDING.value])
    with pytest.raises(DeploymentError, match="still BUILDING"):
        wait_running(hub, "futurisys/attrition", timeout_s=0.05, poll_s=0.01, grace_s=1)


@pytest.mark.parametrize(("final", "code"), [("RUNNING", 0), ("BUILD_ERROR", 1)])
def test_the_command_deploys_and_reports_the_outcome(
    monkeypatch: pytest.MonkeyPatch, final: str, code: int
) -> None:
    hub = FakeHub(stages=["BUILDING", final])
    monkeypatch.setattr("deploy.space.HfApi", lambda: hub)
    monkeypatch.setenv("SPACE_API_TOKEN", "space-token")
    assert main(["--space-id", "futurisys/attrition", "--poll", "0", "--timeout", "5"]) == code
    assert ("add_space_secret", "API_TOKENS") in [
        (name, call.get("key")) for name, call in hub.calls
    ]


def test_no_hr_extract_goes_to_the_public_space() -> None:
    uploaded = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for pattern in SPACE_FILES
        for path in PROJECT_ROOT.glob(pattern)
    }
    assert "data/demo_profiles.json" in uploaded
    assert not any(path.endswith(extract.value) for path in uploaded for extract in Extract)
    assert not any(path.endswith(".csv") for path in uploaded)
