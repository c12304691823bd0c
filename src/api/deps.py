"""Request dependencies: the shared service and the token check."""

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from src.service import Call, PredictionService

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <token>")


async def get_service(request: Request) -> PredictionService:
    # async: a plain def would cost every request a hop through the threadpool
    return request.app.state.service


ServiceDep = Annotated[PredictionService, Depends(get_service)]


def get_session(request: Request) -> Iterator[Session]:
    """A read session per request (sync routes run it in the threadpool)."""
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _is_valid(presented: str, tokens: list[bytes]) -> bool:
    """Constant-time comparison against every token (no early exit on the first match)."""
    candidate = presented.encode("utf-8")
    matches = [hmac.compare_digest(candidate, token) for token in tokens]
    return any(matches)


async def require_token(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> str:
    """401 unless a configured token comes in `Authorization: Bearer` or `X-API-Key`; returns
    the hash of the client's key for the trace.

    async because it never blocks: a few microseconds on the event loop beat a threadpool hop.
    """
    presented = bearer.credentials if bearer else api_key
    if not presented or not _is_valid(presented, request.app.state.tokens):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or invalid token: send Authorization: Bearer <token> or X-API-Key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    hashed = client_key_hash(presented)
    request.state.client_key_hash = hashed  # for the recorder, should the call fail later
    return hashed


def client_key_hash(token: str) -> str:
    """Tells the traces of two clients apart without storing anything that could be replayed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


ClientKeyDep = Annotated[str, Depends(require_token)]


async def get_call(request: Request, client: ClientKeyDep) -> Call:
    """The call the recorder opened for this request (its id is the `X-Request-ID` header),
    with the client's key hash."""
    return replace(request.state.call, client_key_hash=client)


CallDep = Annotated[Call, Depends(get_call)]
