"""Every call to a token route leaves a `requests` row, rejected ones (401, 404, 413, 422) too.

An ASGI middleware, outermost, so it also sees what the body limit refuses before any route
runs. It opens the call (request id, receipt time), tags the response with `X-Request-ID`, and
after the response is sent records the call unless the service traced it: a 2xx POST is a
prediction, whose full trace the service commits before answering. Recording after sending
costs the client nothing.
"""

import hashlib
import logging
from dataclasses import replace

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.service import Call

logger = logging.getLogger(__name__)

#: Routes behind the token (history, employees, predictions); public ones are not recorded,
#: or probes would fill the table.
RECORDED_PREFIXES = ("/predict", "/employees")
#: An error body longer than this is hashed but not kept.
MAX_KEPT_BODY_BYTES = 64 * 1024


class CallRecorder:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(RECORDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        call = Call(
            source="api",
            method=scope["method"],
            route=scope["path"],
        )
        state = scope.setdefault("state", {})
        state["call"] = call
        status_code = 500
        digest = hashlib.sha256()
        kept = bytearray()

        def traced_by_service() -> bool:
            return call.method == "POST" and 200 <= status_code < 300  # a prediction

        async def recording_send(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                request_id = (b"x-request-id", call.request_id.encode())
                message["headers"] = [*message.get("headers", []), request_id]
            elif message["type"] == "http.response.body" and not traced_by_service():
                chunk = message.get("body", b"")
                digest.update(chunk)  # a prediction's bytes are hashed by the service already
                if status_code >= 400 and len(kept) + len(chunk) <= MAX_KEPT_BODY_BYTES:
                    kept.extend(chunk)
            await send(message)

        await self.app(scope, receive, recording_send)
        if traced_by_service():
            return  # its full trace is committed by the service before the answer
        call = replace(call, client_key_hash=state.get("client_key_hash"))
        try:
            service = scope["app"].state.service
            await service.record_call(call, status_code, digest.hexdigest(), bytes(kept))
        except Exception:  # the answer is sent already: log, never turn it into an error
            logger.exception("could not record %s %s (%d)", call.method, call.route, status_code)
