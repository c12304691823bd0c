"""Request dependencies: the shared service, read sessions, the call; how a token is checked."""

import hmac
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.security import APIKeyHeader, HTTPBearer
from fastapi.security.base import SecurityBase
from sqlalchemy.orm import Session
from starlette.types import Scope

from src.service import PredictionService
from src.tracing import Call, client_key_hash

#: The ways to present a token, as the OpenAPI document declares them (what /docs offers and
#: every audited operation accepts, under their `scheme_name`); the check itself is
#: `authenticate`, which the recorder runs before a body is read.
SECURITY_SCHEMES: tuple[SecurityBase, ...] = (
    HTTPBearer(description="Authorization: Bearer <token>"),
    APIKeyHeader(name="X-API-Key", description="X-API-Key: <token>"),
)


def security_components() -> dict[str, Any]:
    """The OpenAPI `components.securitySchemes` of `SECURITY_SCHEMES`."""
    return {
        scheme.scheme_name: jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
        for scheme in SECURITY_SCHEMES
    }


async def get_service(request: Request) -> PredictionService:
    # async: a plain def would cost every request a hop through the threadpool
    return request.app.state.service


ServiceDep = Annotated[PredictionService, Depends(get_service)]


def get_session(service: ServiceDep) -> Iterator[Session]:
    """A read session per request (sync routes run it in the threadpool); 503 while the
    database is unreachable or not ready."""
    with service.read_session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def presented_token(scope: Scope) -> str | None:
    """The token of `Authorization: Bearer <token>`, else of `X-API-Key`, else None."""
    headers = dict(scope["headers"])
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    api_key = headers.get(b"x-api-key", b"").decode("latin-1")
    return api_key or None


def authenticate(scope: Scope, tokens: list[bytes]) -> str | None:
    """The hash of the client's key if it presents a configured token, else None.

    Every token is compared in constant time, with no early exit on the first match.
    """
    presented = presented_token(scope)
    if presented is None:
        return None
    candidate = presented.encode("utf-8")
    matches = [hmac.compare_digest(candidate, token) for token in tokens]
    return client_key_hash(presented) if any(matches) else None


async def get_call(request: Request) -> Call:
    """The call the recorder opened for this request, once it checked the token (its id is
    the `X-Request-ID` header; it carries the client's key hash).

    Only audited routes have one: the recorder checks their token before the body is read,
    so no dependency checks it again (FastAPI solving three more per request cost about a
    tenth of a prediction's time; the docs take the schemes from `SECURITY_SCHEMES`).
    """
    call = request.scope.get("state", {}).get("call")
    if call is None:  # a route that is not audited asked for a call: a bug, never an answer
        raise RuntimeError(f"{request.url.path} is not an audited route: it has no call")
    return call


CallDep = Annotated[Call, Depends(get_call)]
