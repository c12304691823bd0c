"""The logs: one stream (stdout), the app's events and uvicorn's together, as JSON lines
(`LOG_FORMAT=json`, the image's default) or readable lines for local work (`console`).

Every line written while a request is served carries its request id and, when the caller
sent one, its correlation id (the caller's own `X-Request-ID`): both live in context
variables set by `src/observability/http.py`, which also writes the one access line per
request (uvicorn's own access log is off). python-json-logger does the JSON, with orjson.
"""

import logging
import sys
from contextvars import ContextVar
from typing import Literal, TextIO

from pythonjsonlogger.orjson import OrjsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
CORRELATION_ID: ContextVar[str | None] = ContextVar("correlation_id", default=None)

LogFormat = Literal["json", "console"]
_CONSOLE = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class _RequestContext(logging.Filter):
    """Adds the ids of the request being served (None outside one) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        record.correlation_id = CORRELATION_ID.get()
        return True


def log_handler(log_format: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """The one handler: every record with the request's ids, as JSON or as a console line;
    on stdout unless `stream` is given."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.addFilter(_RequestContext())
    if log_format == "json":
        handler.setFormatter(
            OrjsonFormatter(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_CONSOLE))
    return handler


def configure_logging(level: str, log_format: LogFormat) -> None:
    """Replaces the root logger's handlers by `log_handler`; uvicorn's loggers write through
    it. Called once, by `python app.py`."""
    root = logging.getLogger()
    root.handlers[:] = [log_handler(log_format)]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # One access line per request comes from the app, with the route template and ids.
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic says each migration it runs, docstring and all (a dozen lines at a first
    # start): the app says where the schema is, in one line.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
