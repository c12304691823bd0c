"""Shared fixtures: the real extracts, the shipped model, and a deterministic employee factory."""

import json
import pickle
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from src.artifacts import LoadedModel, load_local
from src.config import PROJECT_ROOT, Settings
from src.fields import FIELDS
from src.prediction import Predictor
from src.preprocessing import load_extracts

DATA_DIR = PROJECT_ROOT / "data"
MODELS_DIR = PROJECT_ROOT / "models"


def ui_started(client: TestClient) -> TestClient:
    """`client` once its app's UI serves too: the spaces are built after the API starts."""
    deadline = time.monotonic() + 60
    while client.get("/health/ready").status_code == 503:
        assert time.monotonic() < deadline, "the UI did not start"
        time.sleep(0.05)
    return client


def make_settings(database_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: the bundled model, no .env, a database and a spool of its own.

    No rate limits unless a test sets them: the fuzzers send thousands of calls a minute by
    design (tests/api/test_limits.py tests the limits themselves)."""
    values = {
        "models_dir": MODELS_DIR,
        "database_url": f"sqlite:///{database_dir / 'trace.db'}",
        "spool_dir": database_dir / "spool",
        "model_store_dir": database_dir / "model_store",
        "mlflow_dir": database_dir / "mlruns",
        "rate_limit_per_token": None,
        "rate_limit_per_client": None,
        "ui_rate_limit_per_client": None,
        "ui_public_batch_rows": None,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def clean_frame() -> pd.DataFrame:
    return load_extracts(DATA_DIR)


@pytest.fixture(scope="session")
def shipped() -> LoadedModel:
    return load_local(MODELS_DIR)


@pytest.fixture(scope="session")
def predictor(shipped: LoadedModel) -> Predictor:
    return Predictor(shipped.model)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the extracts that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture(scope="session")
def records(clean_frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Every employee as a clean record of canonical fields (no target)."""
    fields = [spec.name for spec in FIELDS]
    return clean_frame[fields].reset_index().to_dict("records")


#: Employee 1 of the extracts (who left), as the sample request file has it.
EMPLOYEE_1: dict[str, Any] = json.loads((DATA_DIR / "sample_employee.json").read_text("utf-8"))


@pytest.fixture
def make_employee() -> Callable[..., dict[str, Any]]:
    """Employee 1 of the extracts (who left), with any field overridden."""

    def make(**overrides: Any) -> dict[str, Any]:
        unknown = set(overrides) - set(EMPLOYEE_1)
        assert not unknown, f"not employee fields: {unknown}"
        return {**EMPLOYEE_1, **overrides}

    return make


class _Alarm:
    """Unpickling this creates a file: proof that loading ran code."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.flag,))


def alarming_pickle(flag: Path) -> bytes:
    """Pickle bytes that create `flag` if anyone ever unpickles them."""
    return pickle.dumps(_Alarm(flag))
