"""Request bodies: how large (413), how many bytes of them at once (503 with Retry-After), and
how slowly they may arrive (408), all enforced before a body is parsed.

Parsing a 10,000-employee batch and scoring it holds about forty times the body's size in
memory, so what bounds the process's memory under concurrent batches is the bytes of bodies
being handled at once, which the declared Content-Length tells before anything is read: a
request past the budget waits its turn briefly, then gets 503. Small bodies (single
predictions) never wait. The waiting bodies are not read meanwhile: uvicorn stops reading a
connection whose body the app does not consume.

FastAPI's own `max_body_size` answers a declared oversize Content-Length with a plain-text
body; the API's contract is JSON errors everywhere, hence this middleware.
"""

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.api.responses import send_error

logger = logging.getLogger(__name__)

#: Bodies up to this size are admitted at once: their parsing costs little.
SMALL_BODY_BYTES = 64 * 1024


class ByteBudget:
    """At most `capacity` bytes reserved at once; a reservation waits up to a timeout."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.reserved = 0
        self._changed: asyncio.Condition | None = None  # made on the serving loop, at first use

    async def reserve(self, size: int, timeout_s: float) -> bool:
        """True once `size` bytes are reserved; False if they could not be within `timeout_s`."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.reserved + size <= self.capacity),
                    timeout_s,
                )
            except TimeoutError:
                return False
            self.reserved += size
            return True

    async def release(self, size: int) -> None:
        assert self._changed is not None, "released without a reservation"
        async with self._changed:
            self.reserved -= size
            self._changed.notify_all()


class BodyLimits:
    """ASGI middleware: refuses a declared Content-Length over `max_bytes` at once, stops
    reading a streamed body as soon as it passes it, admits large bodies within `budget`, and
    answers 408 to a client that leaves `read_timeout_s` between two chunks of its body.
    Paths under `exempt` pass: they have bounds of their own (the UI's gate), and must not
    share the API's budget, which slow uploads could otherwise hold."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        budget: ByteBudget,
        admission_wait_s: float,
        read_timeout_s: float,
        exempt: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.exempt = exempt
        self.max_bytes = max_bytes
        self.budget = budget
        self.admission_wait_s = admission_wait_s
        self.read_timeout_s = read_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _refuse(send, 413, f"request body over {self.max_bytes} bytes")
            return
        if declared is not None:
            size = int(declared)
        else:  # a chunked body may grow to the limit and reserves it all; else there is none
            chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
            size = self.max_bytes if chunked else 0
        if size <= SMALL_BODY_BYTES:
            await self._handle(scope, receive, send)
            return
        if not await self.budget.reserve(size, self.admission_wait_s):
            logger.warning("busy: %d body bytes in flight, %d refused", self.budget.reserved, size)
            detail = "too many large requests at once; retry shortly"
            await _refuse(send, 503, detail, retry_after=self.admission_wait_s)
            return
        try:
            await self._handle(scope, receive, send)
        finally:
            await self.budget.release(size)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        complete = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, complete, refused
            if complete or refused:  # later calls wait for a disconnect: not timed
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.read_timeout_s)
            except TimeoutError:
                refused = True
                await _refuse(send, 408, f"no part of the body for {self.read_timeout_s:g} s")
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_bytes:
                    # Answer now and tell the app the client is gone: it stops reading, and
                    # whatever it would answer is dropped by guarded_send.
                    refused = True
                    await _refuse(send, 413, f"request body over {self.max_bytes} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _refuse(send: Send, status_code: int, detail: str, retry_after: float = 0) -> None:
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after else {}
    await send_error(send, status_code, detail, headers)
