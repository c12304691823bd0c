"""The gate in front of the Gradio spaces, tried as an outsider: raw HTTP and gradio_client
against a live server. Only the page's routes exist; bodies, uploads and events are bounded;
a file is served only by the space that received or produced it."""

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from src.ui.gate import STREAMS_PER_CLIENT
from src.ui.gate_checks import ClientSlots, Kind, route_kind, sweep_abandoned
from tests.conftest import EMPLOYEE_1
from tests.live_server import LiveServer, serve
from tests.ui.conftest import HR_USER, hr_users, join_event, write_csv


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/", Kind.PAGE),
        ("GET", "/config", Kind.PAGE),
        ("GET", "/assets/index-DphvyggB.js", Kind.PAGE),
        ("GET", "/gradio_api/queue/data", Kind.STREAM),
        ("GET", "/gradio_api/heartbeat/abc123", Kind.STREAM),
        ("POST", "/gradio_api/queue/join", Kind.EVENT),
        ("POST", "/gradio_api/call/predict", Kind.EVENT),
        ("POST", "/login", Kind.SIGN_IN),
        ("POST", "/gradio_api/upload", Kind.UPLOAD),
        ("GET", "/gradio_api/file=/tmp/gradio/x/lot.csv", Kind.FILE),
        # Served by Gradio, used by neither the page nor gradio_client: closed.
        ("GET", "/gradio_api/file/tmp/gradio/x/lot.csv", None),
        ("GET", "/gradio_api/proxy=http://169.254.169.254/", None),
        ("GET", "/gradio_api/run-history/records", None),
        ("GET", "/gradio_api/profiling/summary", None),
        ("GET", "/monitoring", None),
        ("POST", "/gradio_api/process_recording", None),
        ("POST", "/gradio_api/run/predict", None),
        ("POST", "/gradio_api/vibe-edit", None),
        ("GET", "/gradio_api/stream/x/0/1/playlist.m3u8", None),
        ("POST", "/gradio_api/queue/data", None),
        ("DELETE", "/", None),
    ],
)
def test_a_space_serves_only_the_routes_its_page_uses(
    method: str, path: str, kind: Kind | None
) -> None:
    assert route_kind(method, path) is kind


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with small UI limits, to reach each of them."""
    with serve(
        tmp_path_factory.mktemp("gate"),
        ui_users=hr_users(),
        ui_max_event_bytes=64 * 1024,
        ui_max_upload_bytes=32 * 1024,
        ui_max_stored_upload_bytes=20 * 1024,
    ) as server:
        yield server


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that counts each visitor's events and rows, with small budgets."""
    with serve(
        tmp_path_factory.mktemp("counted"),
        ui_users=hr_users(),
        ui_rate_limit_per_client="12/minute",
        ui_public_batch_rows="4/hour",
    ) as server:
        yield server


def _upload(
    live: LiveServer, name: str, content: bytes, space: str = "/ui", **client: object
) -> httpx.Response:
    return httpx.post(
        f"{live.base_url}{space}/gradio_api/upload",
        files={"files": (name, content)},
        timeout=30,
        **client,
    )


def test_a_closed_route_answers_404_over_http(live: LiveServer) -> None:
    for path in ["/ui/gradio_api/run-history/records", "/ui/monitoring", "/ui/gradio_api/file/x"]:
        assert httpx.get(f"{live.base_url}{path}").status_code == 404, path


def test_an_event_body_over_the_limit_is_refused_unread(tight: LiveServer) -> None:
    answer = httpx.post(
        f"{tight.url}gradio_api/queue/join",
        content=b'{"data": ["' + b"x" * (65 * 1024) + b'"]}',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 413


def test_only_csv_uploads_are_kept(live: LiveServer) -> None:
    refused = _upload(live, "page.html", b"<script>alert(1)</script>")
    assert refused.status_code == 415
    assert "csv" in refused.json()["detail"]
    kept = _upload(live, "lot.csv", b"age\n41\n")
    assert kept.status_code == 200
    [path] = kept.json()
    assert Path(path).read_bytes() == b"age\n41\n"


def test_a_refused_upload_leaves_no_file(live: LiveServer) -> None:
    content = b"a distinctive payload that names its own folder"
    folder = Path(_upload(live, "probe.csv", content).json()[0]).parent.parent
    before = set(folder.rglob("*"))
    assert _upload(live, "probe.exe", content + b"!").status_code == 415
    assert set(folder.rglob("*")) == before


def test_an_upload_over_the_limit_is_refused(tight: LiveServer) -> None:
    assert _upload(tight, "big.csv", b"x" * (200 * 1024)).status_code == 413


def test_uploads_stop_while_a_spaces_kept_files_are_at_the_cap(tight: LiveServer) -> None:
    assert _upload(tight, "a.csv", b"a" * (21 * 1024)).status_code == 200
    full = _upload(tight, "b.csv", b"b\n")
    assert full.status_code == 503 and full.headers["retry-after"] == "60"
    # The HR space keeps its own: the public filling theirs blocks no HR upload.
    credentials = {"username": HR_USER[0], "password": HR_USER[1]}
    cookies = httpx.post(f"{tight.base_url}/rh/login", data=credentials).cookies
    assert _upload(tight, "rh.csv", b"age\n41\n", space="/rh", cookies=cookies).status_code == 200


def test_a_file_of_the_hr_space_is_not_served_by_the_public_demo(
    live: LiveServer, tmp_path: Path
) -> None:
    hr = Client(f"{live.base_url}/rh/", auth=HR_USER, verbose=False, download_files=False)
    lot = handle_file(str(write_csv(tmp_path / "lot.csv", [EMPLOYEE_1])))
    *_, download = hr.predict(lot, api_name="/score_batch")
    scored = download["value"]["path"]
    assert Path(scored).is_file()
    assert httpx.get(f"{live.url}gradio_api/file={scored}").status_code == 403
    signed_in = httpx.Client(base_url=live.base_url)
    name, password = HR_USER
    signed_in.post("/rh/login", data={"username": name, "password": password})
    served = signed_in.get(f"/rh/gradio_api/file={scored}")
    assert served.status_code == 200 and b"prediction_id" in served.content
    assert served.headers["cache-control"] == "no-store"  # HR rows stay out of caches


def test_an_upload_of_the_hr_space_cannot_be_scored_by_the_public_demo(live: LiveServer) -> None:
    name, password = HR_USER
    signed_in = httpx.post(
        f"{live.base_url}/rh/login", data={"username": name, "password": password}
    )
    uploaded = _upload(live, "rh.csv", b"age\n41\n", space="/rh", cookies=signed_in.cookies)
    [path] = uploaded.json()
    file = {"path": path, "meta": {"_type": "gradio.FileData"}}
    assert join_event(live.url, "score_batch", [file]).startswith("403 ")
    # In its own space, the same upload is read (and found wanting: one column).
    said = join_event(f"{live.base_url}/rh/", "score_batch", [file], cookies=signed_in.cookies)
    assert "la première ligne doit nommer les colonnes" in said


def test_the_public_demo_scores_a_bounded_number_of_rows_per_visitor(
    counted: LiveServer, tmp_path: Path
) -> None:
    public = Client(counted.url, verbose=False, download_files=False)
    lot = write_csv(tmp_path / "lot.csv", [EMPLOYEE_1] * 3)
    status, *_ = public.predict(handle_file(str(lot)), api_name="/score_batch")
    assert status.startswith("**3 salariés prédits")
    with pytest.raises(AppError, match="réessayez dans"):
        public.predict(handle_file(str(lot)), api_name="/score_batch")
    hr = Client(f"{counted.base_url}/rh/", auth=HR_USER, verbose=False, download_files=False)
    status, *_ = hr.predict(handle_file(str(lot)), api_name="/score_batch")
    assert status.startswith("**3 salariés prédits")  # signed-in users have no such budget


def test_uploads_and_scored_files_are_deleted_when_the_app_stops(tmp_path: Path) -> None:
    lot = write_csv(tmp_path / "lot.csv", [EMPLOYEE_1])
    others = set(Path(tempfile.gettempdir()).glob("futurisys-ui-*"))
    with serve(tmp_path / "server") as live:
        public = Client(live.url, verbose=False, download_files=False)
        *_, download = public.predict(handle_file(str(lot)), api_name="/score_batch")
        upload = Path(_upload(live, "autre.csv", b"age\n40\n").json()[0])
        scored = Path(download["value"]["path"])
        assert upload.is_file() and scored.is_file()
        downloads = set(Path(tempfile.gettempdir()).glob("futurisys-ui-*")) - others
        assert downloads
    assert not upload.exists() and not scored.exists()
    assert not any(folder.exists() for folder in downloads)


def test_a_file_larger_than_the_public_allowance_is_refused_whole(
    counted: LiveServer, tmp_path: Path
) -> None:
    public = Client(counted.url, verbose=False, download_files=False)
    lot = write_csv(tmp_path / "big.csv", [EMPLOYEE_1] * 5)  # the allowance is 4 an hour
    with pytest.raises(AppError, match="au plus 4 lignes par fichier"):
        public.predict(handle_file(str(lot)), api_name="/score_batch")


def test_a_visitor_sending_too_many_events_is_told_to_wait(counted: LiveServer) -> None:
    answers = [
        httpx.post(f"{counted.url}gradio_api/queue/join", json={"fn_index": 0}) for _ in range(13)
    ]
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) >= 1
    # The HR space counts its own: anonymous traffic cannot use up its users' events.
    assert httpx.post(f"{counted.base_url}/rh/login", data={"username": "x"}).status_code != 429


def test_a_client_cannot_use_up_the_sign_in_budget_of_everyone(counted: LiveServer) -> None:
    attempts = [
        httpx.post(f"{counted.base_url}/rh/login", data={"username": f"x{i}", "password": "x"})
        for i in range(11)
    ]
    assert {a.status_code for a in attempts[:-1]} <= {400, 429}
    assert attempts[-1].status_code == 429  # refused at the gate, unhashed


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"data": [], "fn_index": 0, "session_hash": "s", "x": NaN}', 400),
        (b'{"data": [], "fn_index": 9999, "session_hash": "s"}', 404),
        (b"not json", 400),
    ],
    ids=["nan", "unknown-event", "not-json"],
)
def test_an_event_body_gradio_would_read_differently_is_refused(
    live: LiveServer, body: bytes, status: int
) -> None:
    answer = httpx.post(
        f"{live.url}gradio_api/queue/join",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == status


def test_more_than_three_files_in_one_upload_are_refused_and_deleted(live: LiveServer) -> None:
    files = [("files", (f"f{i}.csv", f"age\n{i}\n".encode())) for i in range(4)]
    answer = httpx.post(f"{live.url}gradio_api/upload", files=files)
    assert answer.status_code == 413
    kept = _upload(live, "f0.csv", b"age\n0\n").json()[0]  # same content: same folder
    assert sorted(p.name for p in Path(kept).parent.iterdir()) == ["f0.csv"]


def test_a_client_holds_at_most_sixteen_open_streams(tight: LiveServer) -> None:
    with httpx.Client(base_url=tight.url, timeout=10) as http, ExitStack() as held:
        for i in range(STREAMS_PER_CLIENT):
            stream = held.enter_context(http.stream("GET", f"gradio_api/heartbeat/s{i}"))
            assert stream.status_code == 200
        assert http.get("gradio_api/heartbeat/one-more").status_code == 429
    # Closed, they are free again.
    with httpx.stream("GET", f"{tight.url}gradio_api/heartbeat/again", timeout=10) as stream:
        assert stream.status_code == 200


def test_client_slots_are_given_back() -> None:
    slots = ClientSlots(1)
    with slots.taken("a") as first, slots.taken("a") as second, slots.taken("b") as other:
        assert (first, second, other) == (True, False, True)
    with slots.taken("a") as again:
        assert again


def test_the_files_of_uploads_cut_off_mid_body_are_swept(tmp_path: Path) -> None:
    abandoned, live_upload, kept = tmp_path / "tmpab12cd", tmp_path / "tmpef34gh", tmp_path / "x"
    for path in (abandoned, live_upload):
        path.write_bytes(b"part of a body")
    (kept / "lot.csv").parent.mkdir()
    (kept / "lot.csv").write_text("age\n41\n")
    an_hour_ago = time.time() - 3601
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    assert sweep_abandoned(tmp_path, idle_s=3600) == 1
    assert not abandoned.exists() and live_upload.exists() and (kept / "lot.csv").exists()


HR_EVENT_NAMES = ("predict_employee", "history", "trace", "surveillance", "model_lifecycle")


def _joins(space_url: str, http: httpx.Client) -> list[httpx.Response]:
    """One queue/join for events the HR space has (0, 5) and for ones it has not (400, 4000)."""
    return [
        http.post(
            f"{space_url}gradio_api/queue/join",
            json={"data": [], "fn_index": fn_index, "session_hash": "stranger"},
        )
        for fn_index in (0, 5, 400, 4000)
    ]


def test_before_sign_in_the_hr_space_tells_nothing_of_its_events(live: LiveServer) -> None:
    """Gradio writes every event's name and parameters into the page, its sign-in page
    included, and a stranger could count the events by which ones answer 404: the sign-in
    page comes without them, and every event is refused alike."""
    with httpx.Client() as http:
        page = http.get(f"{live.base_url}/rh/")
        assert page.status_code == 200 and '"named_endpoints": {}' in page.text
        assert int(page.headers["content-length"]) == len(page.content)
        assert not any(f'"/{name}"' in page.text for name in HR_EVENT_NAMES)
        refused = _joins(f"{live.base_url}/rh/", http)
    assert {answer.status_code for answer in refused} == {401}
    assert len({answer.text for answer in refused}) == 1


def test_signed_in_the_hr_page_describes_its_events(live: LiveServer) -> None:
    name, password = HR_USER
    with httpx.Client() as http:
        http.post(f"{live.base_url}/rh/login", data={"username": name, "password": password})
        page = http.get(f"{live.base_url}/rh/")
        assert all(f'"/{event}"' in page.text for event in HR_EVENT_NAMES)
        unknown = _joins(f"{live.base_url}/rh/", http)[2:]
    assert {answer.status_code for answer in unknown} == {404}
