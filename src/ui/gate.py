"""What reaches a mounted Gradio space from outside, decided before Gradio sees the request.

A Gradio app serves far more than its page needs (run history, profiling, proxies, streams,
recordings, a second file route), takes event bodies as large as the app allows, accepts
uploads of any type, and serves any file of its shared cache to whoever names it. In front
of each space this gate lets through:

- only the routes the page and `gradio_client` use (anything else: 404);
- event bodies up to `max_event_bytes` (a form is a few KB), uploads up to
  `max_upload_bytes`, through the upload route only (413 beyond);
- at most `events_per_client` events and uploads per client address (429 with Retry-After);
- `.csv` uploads only (415; the files of a refused upload are deleted at once), while the
  files kept in the upload folder stay under `max_stored_upload_bytes` (503 beyond);
- every sign-in attempt to a space, whoever tried and whether it worked, to `audit`;
- a file only if this space received or produced it, both to download (`file=`) and named
  in an event's data (403): a path from the HR space's cache, or any server path, is refused
  by the public space, though both spaces share Gradio's folder.
"""

import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

import gradio as gr
import orjson
from gradio_client.utils import is_file_obj, traverse
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.api.limits import BodyLimits, ByteBudget
from src.api.rate_limits import RateLimits
from src.api.responses import send_error

logger = logging.getLogger(__name__)

#: What a multipart envelope adds to an uploaded file.
_MULTIPART_OVERHEAD = 64 * 1024
#: Uploads parsed at once, per space.
_UPLOADS_AT_ONCE = 4


class Kind(Enum):
    PAGE = "page"  # reads: the page, its assets and config, the queue's event stream
    EVENT = "event"  # posts that run something: counted per client
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
            rf"|startup-events|heartbeat/{_NAME}|queue/data|upload_progress"
            rf"|call/{_NAME}/{_NAME})"
        ),
        Kind.PAGE,
    ),
    (
        {"POST"},
        re.compile(rf"/login/?|/gradio_api/(queue/join|call/{_NAME}|cancel|reset/?)"),
        Kind.EVENT,
    ),
    ({"POST"}, re.compile(r"/gradio_api/upload"), Kind.UPLOAD),
    ({"GET", "HEAD"}, re.compile(r"/gradio_api/file=.+"), Kind.FILE),
]


def route_kind(method: str, path: str) -> Kind | None:
    """The kind of a request to a space (`path` relative to the space's mount), or None when
    the space does not serve it."""
    for methods, pattern, kind in _ROUTES:
        if method in methods and pattern.fullmatch(path):
            return kind
    return None


@dataclass(frozen=True)
class UiLimits:
    """The gate's bounds, from the settings (`UI_*`)."""

    max_event_bytes: int
    max_upload_bytes: int
    max_stored_upload_bytes: int
    events_per_client: str | None  # e.g. "60/minute"; None: no limit
    body_read_timeout_s: float


#: Called after each sign-in attempt: the space's prefix, the name tried, whether it worked.
SignInAudit = Callable[[str, str, bool], Awaitable[None]]


class UiGate:
    """ASGI middleware in front of the Gradio spaces mounted at the prefixes of `spaces`;
    everything else passes untouched."""

    def __init__(
        self,
        app: ASGIApp,
        spaces: dict[str, gr.Blocks],
        limits: UiLimits,
        audit: SignInAudit,
    ) -> None:
        self.app = app
        self.spaces = spaces
        self.limits = limits
        self.audit = audit
        self._events = BodyLimits(
            self._checked_event,
            max_bytes=limits.max_event_bytes,
            budget=ByteBudget(limits.max_event_bytes * 16),
            admission_wait_s=limits.body_read_timeout_s,
            read_timeout_s=limits.body_read_timeout_s,
        )
        upload_bytes = limits.max_upload_bytes + _MULTIPART_OVERHEAD
        self._uploads = BodyLimits(
            app,
            max_bytes=upload_bytes,
            budget=ByteBudget(upload_bytes * _UPLOADS_AT_ONCE),
            admission_wait_s=limits.body_read_timeout_s,
            read_timeout_s=limits.body_read_timeout_s,
        )
        # One counter per space: signed-in HR users never share a budget with the public.
        self._rates = {prefix: RateLimits(None, limits.events_per_client) for prefix in spaces}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        space = self._space(scope) if scope["type"] == "http" else None
        if space is None:
            await self.app(scope, receive, send)
            return
        prefix, blocks = space
        kind = route_kind(scope["method"], scope["path"][len(prefix) :])
        if kind is None:
            await send_error(send, 404, "not found")
            return
        if kind is Kind.PAGE:
            await self.app(scope, receive, send)
            return
        if kind is Kind.FILE:
            await self._file(scope, receive, send, blocks)
            return
        retry_after = self._rates[prefix].retry_after(scope, None)
        if retry_after is not None:
            detail = "trop de requêtes depuis votre adresse ; réessayez dans un moment"
            await send_error(send, 429, detail, {"Retry-After": str(retry_after)})
            return
        if kind is Kind.EVENT:
            await self._events({**scope, "ui_space": (prefix, blocks)}, receive, send)
        else:
            await self._upload(scope, receive, send, blocks)

    def _space(self, scope: Scope) -> tuple[str, gr.Blocks] | None:
        path: str = scope["path"]
        for prefix, blocks in self.spaces.items():
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, blocks
        return None

    async def _file(self, scope: Scope, receive: Receive, send: Send, blocks: gr.Blocks) -> None:
        wanted = os.path.abspath(scope["path"].split("/gradio_api/file=", 1)[1])
        if wanted not in _files_of(blocks):
            await send_error(send, 403, "file not allowed")
            return
        await self.app(scope, receive, send)

    async def _checked_event(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An event (its body already bounded) whose data names only files of its space."""
        chunks, message = [], {"more_body": True}
        while message.get("more_body", False):
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left, or the body limit answered
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
        prefix, blocks = scope["ui_space"]
        if not _names_only_files_of(body, blocks):
            await send_error(send, 403, "file not allowed")
            return
        if scope["path"].rstrip("/").endswith("/login"):
            await self._sign_in(scope, body, receive, send, prefix)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _sign_in(
        self, scope: Scope, body: bytes, receive: Receive, send: Send, prefix: str
    ) -> None:
        """Gradio's sign-in, then the attempt audited under the name that was tried."""
        form = await Request(scope, _replaying(body, receive)).form()
        name = str(form.get("username", "")).strip()
        await form.close()
        answered = 0

        async def audited(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = message["status"]
            elif not message.get("more_body", False):  # recorded before the answer ends
                await self.audit(prefix, name[:128], answered == 200)
            await send(message)

        await self.app(scope, _replaying(body, receive), audited)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, blocks: gr.Blocks) -> None:
        if self._stored_upload_bytes() >= self.limits.max_stored_upload_bytes:
            logger.warning("uploads refused: the upload folder is full")
            detail = "trop de fichiers déposés en ce moment ; réessayez dans un moment"
            await send_error(send, 503, detail, {"Retry-After": "60"})
            return
        # Held back until Gradio has finished (its background copy included): a refused
        # upload's files are deleted before anyone learns their path.
        answer: list[Message] = []

        async def hold(message: Message) -> None:
            answer.append(message)

        await self._uploads(scope, receive, hold)
        if not answer:
            return
        start, body = answer[0], b"".join(m.get("body", b"") for m in answer[1:])
        if start["status"] == 200:
            paths = [str(path) for path in orjson.loads(body)]
            if not all(path.lower().endswith(".csv") for path in paths):
                _forget(blocks, paths)
                await send_error(send, 415, "seuls les fichiers .csv sont acceptés")
                return
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def _stored_upload_bytes(self) -> int:
        total = 0
        for blocks in self.spaces.values():
            for path in list(blocks.upload_file_set):
                try:
                    total += os.stat(path).st_size
                except OSError:
                    continue
        return total


def _files_of(blocks: gr.Blocks) -> set[str]:
    """Every file this space received by upload or put in the cache for an answer."""
    return {os.path.abspath(path) for files in blocks.temp_file_sets for path in list(files)}


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` again, then waits on the client as `receive` does."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _names_only_files_of(body: bytes, blocks: gr.Blocks) -> bool:
    """False if the JSON `body` holds a file object (any object with a string `path`, as
    Gradio reads one) that is not a file of `blocks`; a body that is not JSON names none."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return True
    named: list[str] = []
    traverse(data, lambda file: named.append(file["path"]), is_file_obj)
    if not named:
        return True
    files = _files_of(blocks)
    return all(os.path.abspath(path) in files for path in named)


def _forget(blocks: gr.Blocks, paths: list[str]) -> None:
    for path in paths:
        blocks.upload_file_set.discard(path)
        try:
            os.remove(path)
            os.rmdir(os.path.dirname(path))  # Gradio's per-upload folder, now empty
        except OSError:
            continue
