"""Request dependencies: the shared service, read sessions and the token check."""

import hmac
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy.orm import Session
from starlette.types import Scope

from src.api.responses import UNAUTHORIZED
from src.service import PredictionService
from src.tracing import Call, client_key_hash

# Declared for the OpenAPI document (the security schemes /docs offers); the check itself is
# `authenticate`, which the recorder runs before a body is read.
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <token>")


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


async def require_token(
    request: Request,
    _bearer_credentials: Annotated[object, Depends(_bearer)],
    _api_key_credentials: Annotated[object, Depends(_api_key)],
) -> str:
    """401 unless a configured token was presented; returns the hash of the client's key.

    The recorder has checked it already on audited routes (before reading the body); any
    other route that declares this dependency is checked here.
    """
    hashed = request.scope.get("state", {}).get("client_key_hash")
    if hashed is None:
        hashed = authenticate(request.scope, request.app.state.tokens)
    if hashed is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return hashed


ClientKeyDep = Annotated[str, Depends(require_token)]


async def get_call(request: Request, client: ClientKeyDep) -> Call:
    """The call the recorder opened for this request (its id is the `X-Request-ID` header),
    with the client's key hash."""
    return replace(request.state.call, client_key_hash=client)


CallDep = Annotated[Call, Depends(get_call)]
