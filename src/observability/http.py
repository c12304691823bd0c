"""Every HTTP request, observed once, outermost: its ids, its metrics, its access line.

The service's request id is made here (the `requests` row key, sent back as `X-Request-ID`),
and a caller's own `X-Request-ID` (a proxy's, a client's) is kept as the correlation id when
it is well formed (1 to 128 characters of letters, digits and `-_.:`); it goes to the audit
trail with the call and comes back as `X-Correlation-ID`. A malformed one is ignored, never
stored. Both ids are set in the context variables the log lines read.

Metrics use the route's template, known once the router (or, for a refused token call, the
recorder) has matched it: `scope["route"]` of the API's routes, or of a mounted Gradio
space's routes under the space's prefix; a request that no such route takes (an unknown
path, the docs' assets) is `other`. The in-flight gauge, counted before routing, is by area
(`api` or a space's prefix).
"""

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from src.ids import new_id
from src.observability.logs import CORRELATION_ID, REQUEST_ID
from src.observability.metrics import ServiceMetrics

access = logging.getLogger("attrition.access")

_WELL_FORMED = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
#: Answers too frequent or too small to be worth a line each at INFO (probes, scrapes,
#: the UI page's assets and event streams, a space's page while it starts): logged at DEBUG
#: unless they fail.
_QUIET_ROUTES = frozenset({"/metrics", "/health", "/health/live", "/health/ready"})


def correlation_id(scope: Scope) -> str | None:
    """The caller's `X-Request-ID`, if well formed."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("ascii") if _WELL_FORMED.fullmatch(value) else None
    return None


class RequestObserver:
    """ASGI middleware; `spaces` are the mount prefixes of the UI's spaces."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, spaces: tuple[str, ...]) -> None:
        self.app = app
        self.metrics = metrics
        self.spaces = spaces
        self._in_flight = {area: metrics.in_flight.labels(area) for area in ("api", *spaces)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id, correlation = new_id(), correlation_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"], state["correlation_id"] = request_id, correlation
        service = getattr(scope["app"].state, "service", None)  # a mounted space replaces "app"
        ids = REQUEST_ID.set(request_id), CORRELATION_ID.set(correlation)
        area = self._area(scope["path"])
        in_flight = self._in_flight[area]
        in_flight.inc()
        status = 0

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if correlation is not None:
                    echoed = (b"x-correlation-id", correlation.encode("ascii"))
                    message["headers"] = [*message.get("headers", []), echoed]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        except Exception:
            status = status or 500  # Starlette's outermost handler answers it so
            raise
        finally:
            in_flight.dec()
            seconds = time.perf_counter() - started
            route = _template(scope)
            self.metrics.observe_request(route, scope["method"], status, seconds)
            call = scope.get("state", {}).get("call")
            scored_by = call.mark.model_version if call is not None else None
            version = scored_by or (service.model_version if service is not None else None)
            self._log(scope, route, status, seconds, area, version)
            REQUEST_ID.reset(ids[0])
            CORRELATION_ID.reset(ids[1])

    def _area(self, path: str) -> str:
        for prefix in self.spaces:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix
        return "api"

    def _log(
        self,
        scope: Scope,
        route: str,
        status: int,
        seconds: float,
        area: str,
        model_version: str | None,
    ) -> None:
        ui_read = area != "api" and scope["method"] == "GET"
        # 503 from a space's page or readiness only while the UI starts (the page reloads).
        starting = status == 503 and (ui_read or route == "/health/ready")
        quiet = starting or (status < 400 and (route in _QUIET_ROUTES or ui_read))
        level = logging.DEBUG if quiet else logging.INFO
        if not access.isEnabledFor(level):
            return
        state = scope["state"]
        access.log(
            level,
            "%s %s %d %.1f ms",
            scope["method"],
            route,
            status,
            seconds * 1000,
            extra={
                "method": scope["method"],
                "route": route,
                "status": status,
                "latency_ms": round(seconds * 1000, 3),
                "source": "api" if area == "api" else "ui",
                "model_version": model_version,
                "client_key_hash": state.get("client_key_hash"),
            },
        )


def _template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "other"
    return scope.get("root_path", "") + path
