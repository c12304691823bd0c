"""Publishing uploads the three artifact files and returns the commit to pin (Hub client faked
at its boundary: no network here)."""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, ModelCard

from src.artifacts import LoadedModel
from src.errors import ArtifactIntegrityError
from src.publish import main, publish
from tests.conftest import MODELS_DIR


@dataclass
class _Commit:
    oid: str


@dataclass
class FakeHub:
    calls: list[tuple[str, dict]] = field(default_factory=list)

    def create_repo(self, repo_id: str, **kwargs: object) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def create_commit(
        self, repo_id: str, operations: list[CommitOperationAdd], **kwargs: object
    ) -> _Commit:
        files = {}
        for operation in operations:
            with operation.as_file() as handle:
                files[operation.path_in_repo] = handle.read()
        self.calls.append(("create_commit", {"repo_id": repo_id, "files": files, **kwargs}))
        return _Commit("0123456789abcdef0123456789abcdef01234567")


def test_publish_uploads_the_artifact_and_its_card_in_one_commit(shipped: LoadedModel) -> None:
    hub = FakeHub()
    commit = publish(hub, MODELS_DIR, "futurisys/attrition")
    assert commit == "0123456789abcdef0123456789abcdef01234567"
    (_, created), (_, committed) = hub.calls
    assert created == {"repo_id": "futurisys/attrition", "repo_type": "model", "exist_ok": True}
    files = committed["files"]
    for name in ("model.joblib", "metadata.json", "MODEL_CARD.md"):
        assert files[name] == (MODELS_DIR / name).read_bytes()
    assert committed["commit_message"] == "Attrition model 1.0.0"
    assert committed["repo_type"] == "model"
    card = ModelCard(files["README.md"].decode())
    assert card.text.strip() == files["MODEL_CARD.md"].decode().strip()
    assert card.data.library_name == "sklearn" and card.data.language == "fr"
    results = {result.metric_type: result.metric_value for result in card.data.eval_results}
    cv = shipped.metadata["metrics"]["cv"]
    assert results == {name: round(cv[name]["mean"], 4) for name in results}
    assert set(results) == {"roc_auc", "pr_auc", "brier", "f1", "recall"}
    assert card.data.model_sha256 == shipped.metadata["sha256"]
    assert "model-index:" in files["README.md"].decode()


def test_publish_refuses_a_corrupted_artifact(tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    (models / "model.joblib").write_bytes(b"corrupted")
    hub = FakeHub()
    with pytest.raises(ArtifactIntegrityError):
        publish(hub, models, "futurisys/attrition")
    assert hub.calls == []


def test_publish_cli_prints_the_version_decision_and_pins(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, shipped: LoadedModel
) -> None:
    monkeypatch.setattr("src.publish.HfApi", FakeHub)
    caplog.set_level("INFO")
    assert main(["--repo-id", "futurisys/attrition", "--models-dir", str(MODELS_DIR)]) == 0
    assert "MODEL_REVISION=0123456789abcdef0123456789abcdef01234567" in caplog.text
    assert f"MODEL_SHA256={shipped.metadata['sha256']}" in caplog.text
    decision = shipped.metadata["lifecycle"]["comparison"]["decision"]
    assert f"published {shipped.metadata['version']} to futurisys/attrition" in caplog.text
    assert f"(against the champion: {decision})" in caplog.text
