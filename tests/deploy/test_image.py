"""The Docker image, checked without a Docker engine: hadolint, the Dockerfile's policy, the
build context, and the app started from exactly the files the image holds."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from src.config import PROJECT_ROOT
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


def test_the_build_context_leaves_out_tests_secrets_and_local_state() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text("utf-8").splitlines()
    for entry in (".git", ".env", "tests", "bench", "*.db", "**/__pycache__", ".venv"):
        assert entry in ignored


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


def test_the_app_starts_from_the_images_files_alone(tmp_path: Path) -> None:
    app_dir = _image_files(tmp_path / "app")
    script = (
        "import sys; from fastapi.testclient import TestClient; from app import create_app; "
        "from src.config import Settings; "
        f"settings = Settings(_env_file=None, api_tokens='t', "
        f"database_url='sqlite:///{tmp_path / 'db.sqlite'}', spool_dir='{tmp_path / 'spool'}'); "
        "c = TestClient(create_app(settings)).__enter__(); "
        "assert c.get('/health').json()['status'] == 'ok'; "
        "assert c.get('/ui/').status_code == 200; "
        "assert c.post('/employees/1/predict', headers={'X-API-Key': 't'}).status_code == 200"
    )
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
