"""Publish CLI: `python -m src.publish --repo-id org/name` uploads models/ (and the Hub's card)
to a Hub model repo and prints the commit to pin as MODEL_REVISION."""

import argparse
import logging
from pathlib import Path
from typing import Protocol

from huggingface_hub import CommitOperationAdd, HfApi

from src.artifacts import CARD_FILE, METADATA_FILE, MODEL_FILE, load_local
from src.hub_card import hub_card

logger = logging.getLogger(__name__)


class HubClient(Protocol):
    """The part of `huggingface_hub.HfApi` that publishing uses."""

    def create_repo(self, repo_id: str, *, repo_type: str, exist_ok: bool) -> object: ...

    def create_commit(
        self,
        repo_id: str,
        operations: list[CommitOperationAdd],
        *,
        commit_message: str,
        repo_type: str,
    ) -> object: ...


#: The Hub shows a repo's README.md as its model card.
HUB_CARD_FILE = "README.md"


def publish(client: HubClient, models_dir: Path, repo_id: str) -> str:
    """Upload the three artifact files and the Hub's card (README.md: MODEL_CARD.md behind
    its YAML header) in one commit; returns the commit id to pin.

    The artifact is hash-checked first, so a corrupted file is never published.
    """
    loaded = load_local(models_dir)
    card = hub_card(loaded.metadata, (models_dir / CARD_FILE).read_text(encoding="utf-8"))
    operations = [
        CommitOperationAdd(path_in_repo=name, path_or_fileobj=models_dir / name)
        for name in (MODEL_FILE, METADATA_FILE, CARD_FILE)
    ]
    operations.append(
        CommitOperationAdd(path_in_repo=HUB_CARD_FILE, path_or_fileobj=str(card).encode())
    )
    client.create_repo(repo_id, repo_type="model", exist_ok=True)
    commit = client.create_commit(
        repo_id,
        operations,
        commit_message=f"Attrition model {loaded.metadata['version']}",
        repo_type="model",
    )
    return commit.oid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo-id", required=True, help="Hub model repo, e.g. org/name")
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # HfApi reads HF_TOKEN from the environment; the token never passes through this code.
    commit = publish(HfApi(), args.models_dir, args.repo_id)
    metadata = load_local(args.models_dir).metadata
    comparison = (metadata.get("lifecycle") or {}).get("comparison") or {}
    logger.info(
        "published %s to %s (against the champion: %s); pin it with:\n"
        "  MODEL_REPO_ID=%s\n  MODEL_REVISION=%s\n  MODEL_SHA256=%s",
        metadata["version"],
        args.repo_id,
        comparison.get("decision", "no champion"),
        args.repo_id,
        commit,
        metadata["sha256"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
