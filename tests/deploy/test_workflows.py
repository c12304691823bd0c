"""The GitHub workflows: valid against GitHub's schema, clean under zizmor, actions pinned to
commits, least privilege, and each doing the job the pipeline relies on."""

import json
import re
import subprocess
from typing import Any

import pytest
import yaml

from src.config import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
NAMES = ("ci.yml", "deploy.yml", "model.yml")


def _load(name: str) -> dict[str, Any]:
    # PyYAML reads the `on:` key as True (YAML 1.1); the workflows are read as GitHub does.
    workflow = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    workflow["on"] = workflow.pop(True)
    return workflow


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)


def test_there_are_exactly_the_three_workflows() -> None:
    assert sorted(path.name for path in WORKFLOWS.iterdir()) == sorted(NAMES)


def test_every_workflow_is_valid_against_githubs_schema() -> None:
    paths = [str(WORKFLOWS / name) for name in NAMES]
    result = _run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *paths])
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_of_medium_or_high_severity() -> None:
    result = _run(["zizmor", "--offline", "--format", "json", str(WORKFLOWS)])
    findings = json.loads(result.stdout)
    serious = [
        (f["ident"], f["determinations"]["severity"])
        for f in findings
        if f["determinations"]["severity"] in ("Medium", "High")
    ]
    assert serious == []


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned_to_commits_and_permissions_are_read_only(name: str) -> None:
    workflow = _load(name)
    assert workflow["permissions"] == {"contents": "read"}
    for step in _steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", NAMES)
def test_secrets_reach_commands_through_the_environment_only(name: str) -> None:
    for step in _steps(_load(name)):
        assert "${{" not in step.get("run", ""), step["run"]


def test_ci_lints_tests_on_postgresql_and_builds_the_image() -> None:
    ci = _load("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    test = ci["jobs"]["test"]
    assert test["services"]["postgres"]["image"].startswith("postgres:")
    assert test["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
    commands = " ".join(step.get("run", "") for step in test["steps"])
    for expected in ("ruff check", "ruff format --check", "pytest", ".ci/check_junit.py"):
        assert expected in commands
    image = " ".join(step.get("run", "") for step in ci["jobs"]["image"]["steps"])
    assert "hadolint Dockerfile" in image and "docker build" in image


def test_deploy_runs_only_after_a_green_ci_on_main_or_a_tag() -> None:
    deploy_job = _load("ci.yml")["jobs"]["deploy"]
    assert set(deploy_job["needs"]) == {"test", "image"}
    assert "refs/heads/main" in deploy_job["if"] and "refs/tags/v" in deploy_job["if"]
    assert deploy_job["uses"] == "./.github/workflows/deploy.yml"
    deploy = _load("deploy.yml")
    commands = [step.get("run", "") for step in _steps(deploy)]
    assert any("deploy.space" in command for command in commands)
    assert any("deploy.smoke_test" in command for command in commands)


def test_model_workflow_trains_then_publishes_and_reports_the_revision() -> None:
    model = _load("model.yml")
    assert {"workflow_dispatch", "schedule"} <= set(model["on"])
    commands = "\n".join(step.get("run", "") for step in _steps(model))
    assert commands.index("src.train") < commands.index("src.publish")
    assert "GITHUB_STEP_SUMMARY" in commands
