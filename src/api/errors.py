"""Errors become HTTP here: JSON bodies that name the field and what is allowed."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Route

from src.errors import (
    ArtifactCompatibilityError,
    ArtifactIntegrityError,
    CannotTrainHereError,
    DatabaseUnavailableError,
    ModelActivationError,
    TrainingInProgressError,
    UnknownEmployeeError,
    UnknownModelError,
    UnknownPredictionError,
    UnknownTrainingRunError,
)
from src.field_errors import describe_error
from src.schemas import MAX_BATCH_SIZE

logger = logging.getLogger(__name__)


#: A 422 lists this many errors at most (and counts them all): 10,000 empty employees make
#: 270,000 errors, which listed whole were a 30 MB answer and a busy event loop.
MAX_LISTED_ERRORS = 100


def _is_oversized_batch(error: dict[str, Any]) -> bool:
    return error["type"] == "too_long" and tuple(error["loc"]) == ("body", "employees")


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(_is_oversized_batch(error) for error in errors):
        return JSONResponse(
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            content={"detail": f"a batch holds at most {MAX_BATCH_SIZE} employees"},
        )
    listed = [describe_error(error) for error in errors[:MAX_LISTED_ERRORS]]
    detail = "invalid request"
    if len(errors) > MAX_LISTED_ERRORS:
        detail += f": {len(errors)} errors, the first {MAX_LISTED_ERRORS} listed"
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": detail, "errors": listed, "error_count": len(errors)},
    )


async def _not_found(_: Request, exc: LookupError) -> JSONResponse:
    return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"detail": str(exc)})


async def _conflict(_: Request, exc: Exception) -> JSONResponse:
    """A model that cannot be activated: serving already, files missing or failing a check."""
    return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": str(exc)})


async def _database_unavailable(_: Request, exc: DatabaseUnavailableError) -> JSONResponse:
    """A read needs the database; predictions do not (their traces are spooled meanwhile)."""
    logger.warning("database unavailable for a read: %s", exc.__cause__ or exc)
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": "the database is unreachable; predictions still work, retry reads"},
        headers={"Retry-After": "5"},
    )


def _http_error_of(
    routes: list[BaseRoute],
) -> Callable[[Request, StarletteHTTPException], Awaitable[Response]]:
    """Starlette's answer, but a 405's `Allow` lists every method of the path: a path served by
    two routes (`GET` and the admin `POST /training/runs`) would otherwise name only the first
    route's. `routes`: the API's routes, as its routers declare them."""

    async def answer(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            allowed = {
                method
                for route in routes
                if isinstance(route, Route)
                and route.methods
                and route.matches(request.scope)[0] is not Match.NONE
                for method in route.methods
            }
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(allowed))}
        return await http_exception_handler(request, exc)

    return answer


def install_error_handlers(app: FastAPI, routes: list[BaseRoute]) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error_of(routes))
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(UnknownEmployeeError, _not_found)
    app.add_exception_handler(UnknownPredictionError, _not_found)
    app.add_exception_handler(UnknownModelError, _not_found)
    app.add_exception_handler(UnknownTrainingRunError, _not_found)
    refusals = (ModelActivationError, ArtifactIntegrityError, ArtifactCompatibilityError)
    for refused in (*refusals, TrainingInProgressError, CannotTrainHereError):
        app.add_exception_handler(refused, _conflict)
    app.add_exception_handler(DatabaseUnavailableError, _database_unavailable)
    app.add_exception_handler(Exception, _server_error)


async def _server_error(_: Request, exc: Exception) -> JSONResponse:
    """A bug on a route the recorder does not wrap (the audited ones answer their own 500,
    with the request id): JSON like every other error, never the exception's text."""
    logger.error("unhandled %s", type(exc).__name__)
    return JSONResponse(status_code=500, content={"detail": "internal error"})
