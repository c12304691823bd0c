"""Every call to an audited route leaves exactly one `requests` row: answered, rejected (401,
404, 408, 413, 422, 429, 503) or failed (500).

Which routes are audited is declared where they are defined (`audited_router`: the routes are
`AuditedRoute`s), not read off a URL prefix or a method; a test enumerates every route of the
app and fails on a token route that is not audited.

The recorder is an ASGI middleware, outermost, so it also sees what the body limits refuse
before any route runs. For an audited route it opens the call (request id, receipt time),
checks the client's rate limits (429 with Retry-After) and the token before the body is read
(an anonymous client cannot make the service read and parse 16 MB), tags the response with
`X-Request-ID` and `Cache-Control: no-store`, turns an unhandled exception into a JSON 500
that carries the request id, and after the response is sent records the call, unless the
service traced it itself (an answered prediction, whose full trace is committed before the
answer). Recording after sending costs the client nothing.
"""

import hashlib
import logging

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.api.deps import authenticate
from src.api.rate_limits import RateLimits
from src.api.responses import DOCUMENTED_ERRORS, UNAUTHORIZED, send_error
from src.ids import new_id
from src.tracing import Call

logger = logging.getLogger(__name__)

#: An error body longer than this is hashed but not kept.
MAX_KEPT_BODY_BYTES = 64 * 1024
#: The status recorded for a client that left before any answer (nginx's convention).
CLIENT_CLOSED = 499


class AuditedRoute(APIRoute):
    """A token route whose every call is recorded (see the module's docstring)."""


class AdminRoute(AuditedRoute):
    """An audited route that wants an admin token (`ADMIN_TOKENS`), not an API token: it
    changes what the service does for everyone (the model that answers, a training)."""


def audited_router(tags: list[str], errors: tuple[int, ...] = (), admin: bool = False) -> APIRouter:
    """A router of token routes: the token (an admin token if `admin`) checked by the
    recorder before anything else, every call recorded, and the errors every such route can
    answer (401, 413, 422, 429, 500, 503; 403 for an admin route) plus `errors` documented."""
    codes = sorted({401, 413, 422, 429, 500, 503, *((403,) if admin else ()), *errors})
    return APIRouter(
        tags=tags,
        route_class=AdminRoute if admin else AuditedRoute,
        responses={code: DOCUMENTED_ERRORS[code] for code in codes},
    )


class CallRecorder:
    """`routes`: every route the app serves, as its routers declare them, in the app's order;
    `rate_limits`: how often a token, or a client without one, may call the audited ones."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute], rate_limits: RateLimits) -> None:
        self.app = app
        self.routes = routes
        self.rate_limits = rate_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._audited_route(scope) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        app_state = scope["app"].state
        admin = isinstance(route, AdminRoute)
        hashed = authenticate(scope, app_state.admin_tokens if admin else app_state.tokens)
        state = scope.setdefault("state", {})
        call = Call(
            source="api",
            method=scope["method"],
            route=scope["path"],
            client_key_hash=hashed,
            # Made by the request observer when it runs (the app's outermost middleware).
            request_id=state.get("request_id") or new_id(),
            correlation_id=state.get("correlation_id"),
        )
        status_code = 0
        digest = hashlib.sha256()
        kept = bytearray()

        async def recording_send(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                request_id = (b"x-request-id", call.request_id.encode())
                # Token routes answer HR data: no shared cache or browser keeps it.
                no_store = (b"cache-control", b"no-store")
                message["headers"] = [*message.get("headers", []), request_id, no_store]
            elif message["type"] == "http.response.body" and not call.traced:
                chunk = message.get("body", b"")
                digest.update(chunk)  # a prediction's bytes are hashed by the service already
                if status_code >= 400 and len(kept) + len(chunk) <= MAX_KEPT_BODY_BYTES:
                    kept.extend(chunk)
            await send(message)

        retry_after = self.rate_limits.retry_after(scope, hashed)
        try:
            if retry_after is not None:
                detail = "too many requests: retry after the number of seconds in Retry-After"
                await send_error(recording_send, 429, detail, {"Retry-After": str(retry_after)})
            elif hashed is None and admin and authenticate(scope, app_state.tokens):
                detail = "this route needs an admin token (ADMIN_TOKENS), not an API token"
                await send_error(recording_send, 403, detail)
            elif hashed is None:
                await send_error(recording_send, 401, UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
            else:
                state["client_key_hash"], state["call"] = hashed, call  # read by `get_call`
                await self.app(scope, receive, recording_send)
        except Exception:  # a bug: answer JSON with the request id, and record it as a 500
            logger.exception("%s %s failed (request %s)", call.method, call.route, call.request_id)
            if status_code:  # the answer had begun: it cannot become a 500 any more
                return
            detail = "internal error; quote the request id to the service's operators"
            await send_error(recording_send, 500, detail, request_id=call.request_id)
        if call.traced:
            return  # its full trace is committed by the service before the answer
        status_code = status_code or CLIENT_CLOSED  # gone before anything was answered
        await _record(scope, call, status_code, digest, kept)

    def _audited_route(self, scope: Scope) -> AuditedRoute | None:
        """The route this request goes to if it is audited: the first route that fully
        matches, as the router itself will find it."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route  # the router sets it too; a refused call never gets there
                return route if isinstance(route, AuditedRoute) else None
        return None


async def _record(
    scope: Scope, call: Call, status_code: int, digest: "hashlib._Hash", kept: bytearray
) -> None:
    try:
        service = scope["app"].state.service
        await service.record_call(call, status_code, digest.hexdigest(), bytes(kept))
    except Exception:  # the answer is sent already: log, never turn it into an error
        logger.exception("could not record %s %s (%d)", call.method, call.route, status_code)
