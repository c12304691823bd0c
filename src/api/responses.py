"""The API's error bodies, one shape each, and how the OpenAPI document describes them.

Every error is JSON with a `detail` sentence; a 422 adds `errors` (one per bad field, naming it
and what is allowed); a 500 adds the `request_id` to quote. The document says which routes
can answer which of these, so an OpenAPI client (or fuzzer) finds what is really sent.
"""

from typing import Any

import orjson
from pydantic import BaseModel, Field
from starlette.types import Send

UNAUTHORIZED = "missing or invalid token: send Authorization: Bearer <token> or X-API-Key"


class ErrorBody(BaseModel):
    """Any error but a 422."""

    detail: str
    request_id: str | None = Field(default=None, description="on a 500: quote it to operators")


class FieldError(BaseModel):
    field: str = Field(description="where: a field name, `employees.3.genre`, `body`, `page`")
    message: str
    allowed: str | None = Field(default=None, description="what the field accepts")


class ValidationErrorBody(BaseModel):
    """A 422: the bad fields of the request (the first 100), each with what is allowed."""

    detail: str
    errors: list[FieldError]
    error_count: int = Field(description="how many errors in all")


def error_content(detail: str, **extra: str) -> dict[str, str]:
    return {"detail": detail, **extra}


async def send_error(
    send: Send, status_code: int, detail: str, headers: dict[str, str] | None = None, **extra: str
) -> None:
    """An error answered straight from a middleware, in the shape the routes' errors have."""
    body = orjson.dumps(error_content(detail, **extra))
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status_code, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _documented(description: str, model: type[BaseModel] = ErrorBody) -> dict[str, Any]:
    return {"description": description, "model": model}


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}

DOCUMENTED_ERRORS: dict[int, dict[str, Any]] = {
    400: _documented("the body cannot be read (not UTF-8 text)"),
    401: _documented("missing or invalid token"),
    403: _documented("a valid API token, but the route needs an admin token (ADMIN_TOKENS)"),
    404: _documented("unknown id"),
    409: _documented(
        "the model cannot be activated: serving already, or its files are missing or fail a check"
    ),
    413: _documented("body or batch too large"),
    422: _documented("invalid field: each error names it and what is allowed", ValidationErrorBody),
    429: {**_documented("too many requests for this token or client"), "headers": _RETRY_AFTER},
    500: _documented("internal error; the body carries the request id"),
    503: {
        **_documented("busy (too many rows at once) or the database is away (reads)"),
        "headers": _RETRY_AFTER,
    },
}
