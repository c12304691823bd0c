"""What reaches a mounted Gradio space from outside, decided before Gradio sees the request.

A Gradio app serves far more than its page needs (run history, profiling, proxies, streams,
recordings, a second file route), takes event bodies as large as the app allows, accepts
uploads of any type, and serves any file of its shared cache to whoever names it. In front
of each space this gate lets through:

- only the routes the page and `gradio_client` use (anything else: 404);
- event bodies up to `max_event_bytes` (a form is a few KB), strict JSON naming an event the
  space has (400, 404); uploads up to `max_upload_bytes`, through the upload route only (413);
- per client address and space: `events_per_client` events and uploads, 10 sign-in attempts
  a minute (429 with Retry-After), 16 open streams (event streams, heartbeats) and 2 uploads
  at once (429): one client cannot hold the connections, the upload budget or the sign-in
  budget of everyone else; each space has its own counters and budgets, so the public
  cannot use up the HR space's;
- `.csv` uploads only, at most 3 files an upload (415, 413; the files of a refused upload
  are deleted at once), while the files a space keeps stay under `max_stored_upload_bytes`
  (503 beyond);
- every sign-in attempt to a space, whoever tried and whether it worked, to `audit`;
- before sign-in to a space that wants it: its page without the description of its events
  (Gradio writes it into the sign-in page too), and every event refused alike by Gradio (401),
  whether or not the space has it: nothing about the HR space's events before sign-in;
- a file only if this space received or produced it, both to download (`file=`) and named
  in an event's data (403): a path from the HR space's cache, or any server path, is refused
  by the public space, though both spaces share Gradio's folder; a file is sent with
  `Cache-Control: no-store`;
- until a space is built and mounted (`src/ui/mount.py`: the API serves first), 503 with
  `Retry-After`, and for its page one that reloads itself.
"""

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.api.limits import BodyLimits, ByteBudget
from src.api.rate_limits import RateLimits, client_address
from src.api.responses import send_error
from src.ui.gate_checks import (
    ClientSlots,
    Kind,
    event_refusal,
    files_of,
    forget,
    route_kind,
    stored_bytes,
    without_api_description,
)
from src.ui.mount import MountedSpace, SessionCheck, SignInAudit, UiSpaces

if TYPE_CHECKING:
    import gradio as gr

logger = logging.getLogger(__name__)

#: What a multipart envelope adds to an uploaded file.
_MULTIPART_OVERHEAD = 64 * 1024
#: Uploads parsed at once, per space.
_UPLOADS_AT_ONCE = 4
SIGN_INS_PER_CLIENT = "10/minute"
STREAMS_PER_CLIENT = 16
UPLOADS_PER_CLIENT = 2
FILES_PER_UPLOAD = 3
_TOO_MANY = "trop de requêtes depuis votre adresse ; réessayez dans un moment"
_STARTING = "l'interface démarre ; réessayez dans quelques secondes"
_FAILED = "l'interface n'a pas pu démarrer ; l'API reste disponible"
#: A space's page while it is being built: it reloads itself (no script: the page's CSP).
_STARTING_PAGE = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
    '<meta http-equiv="refresh" content="2"><title>TechNova — démarrage</title></head>'
    "<body><p>L'interface démarre ; cette page se recharge d'elle-même dans un instant.</p>"
    "</body></html>"
).encode()


@dataclass(frozen=True)
class UiLimits:
    """The gate's bounds, from the settings (`UI_*`)."""

    max_event_bytes: int
    max_upload_bytes: int
    max_stored_upload_bytes: int
    events_per_client: str | None  # e.g. "60/minute"; None: no limit
    body_read_timeout_s: float


@dataclass(frozen=True)
class _Space:
    """One mounted space and everything the gate counts for it alone."""

    prefix: str
    blocks: "gr.Blocks"
    audit: SignInAudit
    events: RateLimits
    sign_ins: RateLimits
    streams: ClientSlots
    uploading: ClientSlots
    uploads: BodyLimits
    signed_in: SessionCheck | None  # None: the space is public

    def locked(self, scope: Scope) -> bool:
        """A request to a space that wants a sign-in, made without one."""
        return self.signed_in is not None and not self.signed_in(scope)


class UiGate:
    """ASGI middleware in front of the Gradio spaces at the prefixes of `ui`; everything else
    passes untouched. A space's counters and budgets are made when it first serves."""

    def __init__(self, app: ASGIApp, ui: UiSpaces, limits: UiLimits) -> None:
        self.app = app
        self.ui = ui
        self.limits = limits
        self._events = BodyLimits(
            self._checked_event,
            max_bytes=limits.max_event_bytes,
            budget=ByteBudget(limits.max_event_bytes * 16),
            admission_wait_s=limits.body_read_timeout_s,
            read_timeout_s=limits.body_read_timeout_s,
        )
        self._spaces: dict[str, _Space] = {}

    def _opened(self, prefix: str, mounted: MountedSpace) -> _Space:
        limits = self.limits
        upload_bytes = limits.max_upload_bytes + _MULTIPART_OVERHEAD
        space = self._spaces[prefix] = _Space(
            prefix=prefix,
            blocks=mounted.blocks,
            audit=mounted.audit,
            events=RateLimits(None, limits.events_per_client),
            sign_ins=RateLimits(None, SIGN_INS_PER_CLIENT),
            streams=ClientSlots(STREAMS_PER_CLIENT),
            uploading=ClientSlots(UPLOADS_PER_CLIENT),
            uploads=BodyLimits(
                self.app,
                max_bytes=upload_bytes,
                budget=ByteBudget(upload_bytes * _UPLOADS_AT_ONCE),
                admission_wait_s=limits.body_read_timeout_s,
                read_timeout_s=limits.body_read_timeout_s,
            ),
            signed_in=mounted.signed_in,
        )
        return space

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        prefix = self._prefix(scope) if scope["type"] == "http" else None
        if prefix is None:
            await self.app(scope, receive, send)
            return
        space = self._spaces.get(prefix)
        if space is None:
            mounted = self.ui.mounted.get(prefix)
            if mounted is None:
                await self._not_yet(scope, send, prefix)
                return
            space = self._opened(prefix, mounted)
        kind = route_kind(scope["method"], scope["path"][len(space.prefix) :])
        address = client_address(scope)
        if kind is None:
            await send_error(send, 404, "not found")
        elif kind is Kind.PAGE:
            page = scope["path"] in (space.prefix, space.prefix + "/")
            if page and scope["method"] == "GET" and space.locked(scope):
                await self._sign_in_page(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        elif kind is Kind.STREAM:
            with space.streams.taken(address) as free:
                if not free:
                    await send_error(send, 429, _TOO_MANY, {"Retry-After": "10"})
                    return
                await self.app(scope, receive, send)
        elif kind is Kind.FILE:
            await self._file(scope, receive, send, space)
        else:
            counter = space.sign_ins if kind is Kind.SIGN_IN else space.events
            retry_after = counter.client_retry_after(address)
            if retry_after is not None:
                await send_error(send, 429, _TOO_MANY, {"Retry-After": str(retry_after)})
            elif kind is Kind.UPLOAD:
                await self._upload(scope, receive, send, space, address)
            else:
                scope["ui_space"], scope["ui_kind"] = space, kind
                await self._events(scope, receive, send)

    def _prefix(self, scope: Scope) -> str | None:
        path: str = scope["path"]
        for prefix in self.ui.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix
        return None

    async def _not_yet(self, scope: Scope, send: Send, prefix: str) -> None:
        """A space not serving yet (503): for a browser's page one that reloads itself."""
        if self.ui.status == "failed":
            await send_error(send, 503, _FAILED)
        elif scope["method"] == "GET" and scope["path"] in (prefix, prefix + "/"):
            headers = [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(_STARTING_PAGE)).encode()),
                (b"retry-after", b"2"),
                (b"cache-control", b"no-store"),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": _STARTING_PAGE})
        else:
            await send_error(send, 503, _STARTING, {"Retry-After": "2"})

    async def _file(self, scope: Scope, receive: Receive, send: Send, space: _Space) -> None:
        wanted = scope["path"].split("/gradio_api/file=", 1)[1]
        if os.path.abspath(wanted) not in files_of(space.blocks):
            await send_error(send, 403, "file not allowed")
            return

        async def not_stored(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, not_stored)

    async def _checked_event(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An event or a sign-in, its body already bounded: read whole, checked, replayed."""
        chunks, message = [], {"more_body": True}
        while message.get("more_body", False):
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left, or the body limit answered
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
        space: _Space = scope["ui_space"]
        if scope["ui_kind"] is Kind.SIGN_IN:
            await self._sign_in(scope, body, receive, send, space)
            return
        # Before sign-in, Gradio refuses every event (401): telling an unknown event apart
        # (404) would count the HR space's events for a stranger.
        refusal = None if space.locked(scope) else event_refusal(body, space.blocks)
        if refusal is not None:
            await send_error(send, *refusal)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _sign_in(
        self, scope: Scope, body: bytes, receive: Receive, send: Send, space: _Space
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
                await space.audit(space.prefix, name[:128], answered)
            await send(message)

        await self.app(scope, _replaying(body, receive), audited)

    async def _sign_in_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        held = await _held(self.app, scope, receive)
        if held is None:
            return
        start, body = held
        body = without_api_description(body)
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _upload(
        self, scope: Scope, receive: Receive, send: Send, space: _Space, address: str
    ) -> None:
        with space.uploading.taken(address) as free:
            if not free:
                await send_error(send, 429, _TOO_MANY, {"Retry-After": "10"})
                return
            if await to_thread.run_sync(stored_bytes, space.blocks) >= (
                self.limits.max_stored_upload_bytes
            ):
                logger.warning("uploads to %s refused: its kept files are at the cap", space.prefix)
                detail = "trop de fichiers déposés en ce moment ; réessayez dans un moment"
                await send_error(send, 503, detail, {"Retry-After": "60"})
                return
            await self._kept_upload(scope, receive, send, space)

    async def _kept_upload(self, scope: Scope, receive: Receive, send: Send, space: _Space) -> None:
        # Held back until Gradio has finished (its background copy included): a refused
        # upload's files are deleted before anyone learns their path.
        held = await _held(space.uploads, scope, receive)
        if held is None:
            return
        start, body = held
        if start["status"] == 200:
            paths = [str(path) for path in orjson.loads(body)]
            if len(paths) > FILES_PER_UPLOAD:
                forget(space.blocks, paths)
                await send_error(send, 413, f"au plus {FILES_PER_UPLOAD} fichiers à la fois")
                return
            if not all(path.lower().endswith(".csv") for path in paths):
                forget(space.blocks, paths)
                await send_error(send, 415, "seuls les fichiers .csv sont acceptés")
                return
        await send(start)
        await send({"type": "http.response.body", "body": body})


async def _held(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes] | None:
    """`app`'s whole answer, kept rather than sent: its start message and its body; None if
    it answered nothing (the client left)."""
    answer: list[Message] = []

    async def hold(message: Message) -> None:
        answer.append(message)

    await app(scope, receive, hold)
    if not answer:
        return None
    return answer[0], b"".join(message.get("body", b"") for message in answer[1:])


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
