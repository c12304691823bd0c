"""Deploy to a Hugging Face Space: `python -m deploy.space --space-id org/name`.

Uploads what the Docker image is built from (the same files the Dockerfile copies, plus the
Dockerfile and the README whose header configures the Space), sets the Space's API token
secret from $SPACE_API_TOKEN when given, and waits until the Space runs the new build. Needs
HF_TOKEN with write access to the Space.
"""

import argparse
import logging
import os
import time
from pathlib import Path
from typing import Protocol

from huggingface_hub import HfApi, SpaceStage

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
#: What the Space builds the image from; nothing else leaves the repository. The Space's
#: files are public: of `data/`, only the synthetic demo profiles go (the HR extracts stay
#: here; the Space's app starts with no stored employee, and its demo reads none).
SPACE_FILES = [
    "Dockerfile",
    ".dockerignore",
    "README.md",
    "requirements.txt",
    "app.py",
    "src/**",
    "database/**",
    "models/**",
    "data/demo_profiles.json",
    "assets/**",
]
FAILED = {SpaceStage.BUILD_ERROR, SpaceStage.RUNTIME_ERROR, SpaceStage.CONFIG_ERROR}
STARTING = {
    SpaceStage.BUILDING,
    SpaceStage.RUNNING_BUILDING,
    SpaceStage.APP_STARTING,
    SpaceStage.RUNNING_APP_STARTING,
}


class DeploymentError(RuntimeError):
    """The Space did not reach RUNNING with the new build."""


class SpaceHub(Protocol):
    """The part of `huggingface_hub.HfApi` a deployment uses."""

    def create_repo(self, repo_id: str, **kwargs: object) -> object: ...
    def upload_folder(self, **kwargs: object) -> object: ...
    def add_space_secret(self, repo_id: str, key: str, value: str) -> None: ...
    def add_space_variable(self, repo_id: str, key: str, value: str) -> None: ...
    def get_space_runtime(self, repo_id: str) -> object: ...


def push(hub: SpaceHub, space_id: str, root: Path, api_token: str | None) -> str:
    """Uploads the image's sources; returns the Space commit."""
    hub.create_repo(space_id, repo_type="space", space_sdk="docker", exist_ok=True)
    # Only the Hub's proxy reaches a Space's container: its X-Forwarded-For is the visitor's
    # address, which the per-client limits must count (not the proxy's, shared by everyone).
    hub.add_space_variable(space_id, "FORWARDED_ALLOW_IPS", "*")
    if api_token:
        hub.add_space_secret(space_id, "API_TOKENS", api_token)
    commit = hub.upload_folder(
        repo_id=space_id,
        repo_type="space",
        folder_path=root,
        allow_patterns=SPACE_FILES,
        delete_patterns=["*"],  # files that left the list leave the Space too
        commit_message="Deploy from CI",
    )
    return commit.oid


def wait_running(
    hub: SpaceHub, space_id: str, timeout_s: float, poll_s: float, grace_s: float
) -> None:
    """Returns once the Space has built and runs; raises DeploymentError if it fails or
    takes longer than `timeout_s`.

    Right after an upload the Space may still report the previous build as RUNNING, so a
    RUNNING stage counts only once a build was seen, or after `grace_s` (an upload that
    changed nothing starts no build).
    """
    started = time.monotonic()
    seen_build = False
    while True:
        stage = SpaceStage(hub.get_space_runtime(space_id).stage)
        if stage in FAILED:
            raise DeploymentError(f"{space_id} is {stage.value}: see the Space's logs")
        seen_build = seen_build or stage in STARTING
        elapsed = time.monotonic() - started
        if stage is SpaceStage.RUNNING and (seen_build or elapsed >= grace_s):
            logger.info("%s is running (after %.0f s)", space_id, elapsed)
            return
        if elapsed > timeout_s:
            raise DeploymentError(f"{space_id} still {stage.value} after {timeout_s:.0f} s")
        time.sleep(poll_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--space-id", required=True, help="e.g. futurisys/technova-attrition")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for RUNNING")
    parser.add_argument("--poll", type=float, default=15)
    parser.add_argument(
        "--grace",
        type=float,
        default=120,
        help="seconds after which RUNNING counts without a build having been seen",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    hub = HfApi()
    commit = push(hub, args.space_id, ROOT, os.environ.get("SPACE_API_TOKEN"))
    logger.info("uploaded %s at commit %s", args.space_id, commit)
    try:
        wait_running(hub, args.space_id, args.timeout, args.poll, args.grace)
    except DeploymentError as err:
        logger.error("%s", err)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
