"""Registering a trained model: its three files copied into the model store, one folder per
version, and its row in the registry with the decision of its comparison.

The store is a folder (`MODEL_STORE_DIR`); with several replicas it must be one volume they
all mount, since any of them may be asked to activate any version.
"""

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from database import registry
from database.repository import ServedModel
from src.artifacts import CARD_FILE, METADATA_FILE, MODEL_FILE, load_local

#: What a training that reproduced a registered file reports: nothing was registered.
UNCHANGED = "unchanged"


def status_of(metadata: dict[str, Any]) -> str:
    """`challenger` unless its comparison with the champion kept the champion (`refused`)."""
    comparison = (metadata.get("lifecycle") or {}).get("comparison") or {}
    return "refused" if comparison.get("decision") == "keep the champion" else "challenger"


def store_and_register(engine: Engine, store_dir: Path, trained_dir: Path) -> Path | None:
    """Copies the model of `trained_dir` (checked first, as serving would) into the store
    and registers it; returns its folder in the store. None when the registry has that very
    file already (a retrain on the same data reproduced the champion): its row and folder
    stay as they were, rather than take this run's decision and metadata."""
    loaded = load_local(trained_dir)
    metadata = loaded.metadata
    with Session(engine) as session:
        taken = registry.find(session, metadata["version"])
    if taken is not None:
        if taken.sha256 != metadata["sha256"]:
            raise ValueError(
                f"version {metadata['version']} is registered already, for another file"
            )
        return None
    folder = store_dir / metadata["version"]
    if (folder / METADATA_FILE).is_file() and folder.resolve() != trained_dir.resolve():
        if load_local(folder).metadata["sha256"] != metadata["sha256"]:
            raise ValueError(f"version {metadata['version']} is in the store with other files")
    elif folder.resolve() != trained_dir.resolve():
        staging = store_dir / f".{metadata['version']}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in (MODEL_FILE, METADATA_FILE, CARD_FILE):
            shutil.copy2(trained_dir / name, staging / name)
        staging.rename(folder)
    lifecycle = metadata.get("lifecycle") or {}
    with Session(engine) as session:
        registry.register(
            session,
            ServedModel.from_metadata(metadata, "local"),
            str(folder.resolve()),
            status_of(metadata),
            lifecycle.get("mlflow_run_id"),
            lifecycle.get("comparison"),
        )
        session.commit()
    return folder
