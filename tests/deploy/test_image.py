"""The Docker image, checked without a Docker engine: hadolint, the Dockerfile's policy, the
build context, and the app started from exactly the files the image holds."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from docker.utils.build import exclude_paths

from src.config import PROJECT_ROOT
from src.fields import Extract
from tests.live_server import serve

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text("utf-8")


def _instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        ["hadolint", "Dockerfile"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_slim_python_311_as_uid_1000_with_runtime_requirements_only() -> None:
    assert _instructions("FROM") == ["python:3.11-slim-bookworm"]
    assert _instructions("USER") == ["1000"]
    assert all(copy.startswith("--chown=1000:1000 ") for copy in _instructions("COPY"))
    installs = " ".join(_instructions("RUN"))
    assert "-r requirements.txt" in installs and "requirements-dev" not in installs
    assert _instructions("EXPOSE") == ["7860"]
    assert _instructions("CMD") == ['["python", "app.py"]']


def test_the_image_is_tuned_for_small_cpus_and_keeps_nothing_outside_tmp() -> None:
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(_instructions("ENV"))))
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert env["HF_HOME"].startswith("/tmp/") and env["GRADIO_TEMP_DIR"].startswith("/tmp/")
    assert env["PORT"] == "7860"


def test_the_build_context_leaves_out_tests_secrets_and_local_state_at_any_depth(
    tmp_path: Path,
) -> None:
    """A tree like the project's, with secrets and local state nested where a careless
    `COPY src` would take them, matched by Docker's own rules (the docker SDK's)."""
    kept = [
        "app.py",
        "src/config.py",
        "src/ui/blocks.py",
        "data/demo_profiles.json",
        "models/model.joblib",
        ".env.example",
    ]
    left_out = [
        ".env",
        "src/.env",
        "src/ui/.env.local",
        "data/trace.db",
        "data/old/trace.db-wal",
        "src/__pycache__/config.cpython-311.pyc",
        "models/.venv/bin/python",
        "database/.git/config",
        "tests/test_x.py",
        "bench/load.py",
        "data/x.sqlite",
    ]
    for name in kept + left_out:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    patterns = [
        line
        for line in (PROJECT_ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    context = exclude_paths(str(tmp_path), patterns)
    assert set(kept) <= context
    assert context.isdisjoint(left_out)


def _image_files(destination: Path) -> Path:
    """What the Dockerfile's COPY lines put in the image, copied to `destination`."""
    destination.mkdir()
    for copy in _instructions("COPY"):
        *sources, _ = copy.split()[1:]
        for source in sources:
            origin = PROJECT_ROOT / source
            target = destination / source
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(origin, target)
    return destination


@pytest.mark.parametrize(
    ("where", "employee_1"), [("image", 200), ("space", 404)], ids=["image", "space"]
)
def test_the_app_starts_from_the_images_files_alone(
    tmp_path: Path, where: str, employee_1: int
) -> None:
    """As the image holds them, and as the public Space does (no HR extract: no employee)."""
    app_dir = _image_files(tmp_path / "app")
    if where == "space":
        for extract in Extract:
            (app_dir / "data" / extract.value).unlink()
    script = f"""
import time
from fastapi.testclient import TestClient
from app import create_app
from src.config import Settings
settings = Settings(
    _env_file=None,
    api_tokens="t",
    database_url="sqlite:///{tmp_path / "db.sqlite"}",
    spool_dir="{tmp_path / "spool"}",
)
c = TestClient(create_app(settings)).__enter__()
assert c.get("/health").json()["status"] == "ok"
while c.get("/health/ready").status_code == 503:  # the UI is built after the API starts
    time.sleep(0.1)
assert c.get("/health").json()["ui"]["status"] == "ready"
assert c.get("/ui/").status_code == 200
answer = c.post("/employees/1/predict", headers={{"X-API-Key": "t"}})
assert answer.status_code == {employee_1}, answer.text
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=app_dir,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_readme_configures_the_space() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    assert readme.startswith("---\n")
    header = yaml.safe_load(readme.split("---\n")[1])
    assert header["sdk"] == "docker"
    assert header["app_port"] == 7860
    assert header["base_path"] == "/ui/"
    assert len(header["short_description"]) <= 60
    assert {"title", "emoji", "colorFrom", "colorTo"} <= set(header)


def test_the_space_serves_the_ui_at_its_base_path(tmp_path: Path) -> None:
    """`base_path` must be a page the app serves (the Space opens it)."""
    with serve(tmp_path) as live:
        assert httpx.get(f"{live.base_url}/ui/").status_code == 200
