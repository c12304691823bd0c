"""The gate's decisions that need no request in flight: which routes a space serves, what an
event's body may name, which files a space owns, how many things one client holds at once,
whether a request is signed in.
`src/ui/gate.py` applies them.

Nothing here imports Gradio at import time: the gate is in place before the spaces are built
(`src/ui/mount.py`), and Gradio's import is most of a start-up."""

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.types import Scope

if TYPE_CHECKING:
    import gradio as gr
    from gradio.routes import App


class Kind(Enum):
    PAGE = "page"  # reads: the page, its assets and config
    STREAM = "stream"  # reads that stay open: the queue's events, heartbeats, upload progress
    EVENT = "event"  # posts that run something: counted per client
    SIGN_IN = "sign_in"
    UPLOAD = "upload"
    FILE = "file"


_NAME = r"[\w.-]{1,128}"
_ROUTES: list[tuple[set[str], re.Pattern[str], Kind]] = [
    (
        {"GET", "HEAD"},
        re.compile(
            r"/?|/config/?|/theme\.css|/favicon\.ico|/manifest\.json|/robots\.txt|/logout"
            r"|/(assets|static|svelte)/[^?#]+"
            r"|/gradio_api/(info/?|theme\.css|app_id/?|login_check/?|token/?|user/?"
            r"|startup-events)"
        ),
        Kind.PAGE,
    ),
    (
        {"GET"},
        re.compile(
            rf"/gradio_api/(heartbeat/{_NAME}|queue/data|upload_progress|call/{_NAME}/{_NAME})"
        ),
        Kind.STREAM,
    ),
    ({"POST"}, re.compile(rf"/gradio_api/(queue/join|call/{_NAME}|cancel|reset/?)"), Kind.EVENT),
    ({"POST"}, re.compile(r"/login/?"), Kind.SIGN_IN),
    ({"POST"}, re.compile(r"/gradio_api/upload"), Kind.UPLOAD),
    ({"GET", "HEAD"}, re.compile(r"/gradio_api/file=.+"), Kind.FILE),
]


#: Gradio's page carries its JSON escaped (`<` as \\u003c): no `</script>` inside.
_API_DESCRIPTION = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.DOTALL)
_NO_API_DESCRIPTION = (
    b'window.gradio_api_info = {"named_endpoints": {}, "unnamed_endpoints": {}};</script>'
)


def route_kind(method: str, path: str) -> Kind | None:
    """The kind of a request to a space (`path` relative to the space's mount), or None when
    the space does not serve it."""
    for methods, pattern, kind in _ROUTES:
        if method in methods and pattern.fullmatch(path):
            return kind
    return None


def session_check(space_app: "App") -> Callable[[Scope], bool]:
    """Whether a request to this Gradio app carries one of its signed-in sessions: a cookie
    naming a token the app issued at sign-in, as its own `/user` route decides."""
    names = (f"access-token-{space_app.cookie_id}", f"access-token-unsecure-{space_app.cookie_id}")

    def signed_in(scope: Scope) -> bool:
        cookies = Request(scope).cookies
        return any(cookies.get(name) in space_app.tokens for name in names)

    return signed_in


def without_api_description(page: bytes) -> bytes:
    """The page with an empty API description: Gradio writes every event's name and
    parameters into its page, its sign-in page included. The page's own events do not need it
    (they go by index); an empty one rather than none, which would send the page after a
    route its sign-in config lacks."""
    return _API_DESCRIPTION.sub(_NO_API_DESCRIPTION, page, count=1)


def files_of(blocks: "gr.Blocks") -> set[str]:
    """Every file this space received by upload or put in the cache for an answer."""
    return {os.path.abspath(path) for files in blocks.temp_file_sets for path in list(files)}


def event_refusal(body: bytes, blocks: "gr.Blocks") -> tuple[int, str] | None:
    """Why an event's body is refused (status, detail), or None: it must be strict JSON (the
    gate reads it as Gradio will; JSON's NaN and Infinity are not JSON), name an event the
    space has, and name only files of the space (any object with a string `path`, as Gradio
    reads a file)."""
    from gradio_client.utils import is_file_obj, traverse  # loaded with the spaces, by then

    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 400, "the body is not JSON"
    if isinstance(data, dict) and "fn_index" in data and data["fn_index"] not in blocks.fns:
        return 404, "no such event"
    named: list[str] = []
    traverse(data, lambda file: named.append(file["path"]), is_file_obj)
    if named:
        files = files_of(blocks)
        if not all(os.path.abspath(path) in files for path in named):
            return 403, "file not allowed"
    return None


def forget(blocks: "gr.Blocks", paths: list[str]) -> None:
    """Deletes uploaded files (and their folder) and drops them from the space's uploads."""
    for path in paths:
        blocks.upload_file_set.discard(path)
        try:
            os.remove(path)
            os.rmdir(os.path.dirname(path))  # Gradio's per-upload folder, now empty
        except OSError:
            continue


def stored_bytes(blocks: "gr.Blocks") -> int:
    """The bytes of the files uploaded to the space and still kept (on a worker thread: it
    reads each file's size)."""
    total = 0
    for path in list(blocks.upload_file_set):
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
    return total


def sweep_abandoned(upload_dir: Path, idle_s: float) -> int:
    """Deletes what uploads cut off mid-body left: Gradio's parser writes an upload to a
    `tmp*` file at the top of its folder and renames it when the body is complete, and keeps
    nothing of one that never completes. A file not written to for `idle_s` is abandoned
    (every chunk of a live upload touches it). Returns how many were deleted."""
    deadline = time.time() - idle_s
    deleted = 0
    for path in upload_dir.glob("tmp*"):
        try:
            if path.is_file() and path.stat().st_mtime < deadline:
                path.unlink()
                deleted += 1
        except OSError:
            continue
    return deleted


class ClientSlots:
    """How many requests of one kind each client address has open now, up to `most`."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._held: Counter[str] = Counter()

    @contextmanager
    def taken(self, address: str) -> Iterator[bool]:
        """True (and a slot held until the block ends) if the client has one free."""
        if self._held[address] >= self.most:
            yield False
            return
        self._held[address] += 1
        try:
            yield True
        finally:
            self._held[address] -= 1
            if not self._held[address]:
                del self._held[address]
