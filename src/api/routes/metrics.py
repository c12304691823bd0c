"""`GET /metrics`: the Prometheus scrape, public like `/health`, or behind its own token
(`METRICS_TOKEN`, distinct from the API's tokens) when set. Never recorded in `requests`:
a scrape every few seconds is not a call anyone audits.

The public scrape leaves out the predictions' results (counts by label and risk, the
probability histogram): diffing two scrapes would give away another caller's answer. Set
`METRICS_TOKEN` and give it to Prometheus to graph them."""

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from src.api.responses import DOCUMENTED_ERRORS, error_content

router = APIRouter(tags=["status"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
        401: DOCUMENTED_ERRORS[401],
    },
)
def metrics(request: Request) -> Response:
    """Traffic, latency and errors per route, batch and group sizes, the trace store's state,
    the model, drift; with `METRICS_TOKEN` set (and given), also predictions by source, label
    and risk and the probability distribution."""
    expected = request.app.state.settings.metrics_token
    if expected is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, expected.get_secret_value().encode()):
            body = error_content("missing or invalid metrics token: Authorization: Bearer <token>")
            return JSONResponse(body, 401, {"WWW-Authenticate": "Bearer"})
    body, content_type = request.app.state.metrics.exposition(
        request.headers.get("accept"), outcomes=expected is not None
    )
    return Response(body, media_type=content_type)
