"""One live server per UI test module, with one HR user for the HR space."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from src.ui.users import hash_password
from tests.live_server import LiveServer, serve

HR_USER = ("rh-test", "un mot de passe de test")


def hr_users() -> str:
    """`UI_USERS` with HR_USER, hashed with few iterations: fast to check in tests."""
    name, password = HR_USER
    return f"{name}:{hash_password(password, iterations=1_000)}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("ui"), ui_users=hr_users()) as server:
        yield server


def csv_bytes(rows: list[dict], delimiter: str = ",") -> bytes:
    """`rows` as the bytes of a UTF-8 CSV file, a header first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_csv(path: Path, rows: list[dict]) -> Path:
    path.write_bytes(csv_bytes(rows))
    return path


def join_event(space_url: str, api_name: str, data: list, **client: object) -> str:
    """Calls an event of the space at `space_url` the way a script would, by its index, and
    returns what the event stream said, or the status and body of a refused join. `client`:
    httpx options (cookies)."""
    with httpx.Client(**client) as http:
        config = http.get(f"{space_url}config").json()
        [fn_index] = [i for i, d in enumerate(config["dependencies"]) if d["api_name"] == api_name]
        session = "outsider-session"
        joined = http.post(
            f"{space_url}gradio_api/queue/join",
            json={"data": data, "fn_index": fn_index, "session_hash": session},
        )
        if joined.status_code != 200:
            return f"{joined.status_code} {joined.text}"
        with http.stream(
            "GET", f"{space_url}gradio_api/queue/data", params={"session_hash": session}, timeout=60
        ) as stream:
            return "".join(line for line in stream.iter_lines() if line.startswith("data:"))
