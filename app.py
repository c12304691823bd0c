"""Entry point: `python app.py` builds the service and serves it with uvicorn on $PORT."""

import asyncio
import gc
import json
import logging
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import gradio as gr
import gradio.utils as gr_utils
import uvicorn
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from database.engine import engine_from_settings
from database.load_employees import load_employees
from database.migrate import upgrade
from database.repository import ServedModel
from database.spool import TraceSpool, default_spool_dir
from database.writer import TraceWriter, replay_until_cancelled
from src.api.errors import install_error_handlers
from src.api.headers import SecurityHeaders
from src.api.limits import BodyLimits, ByteBudget
from src.api.openapi import install_examples
from src.api.rate_limits import RateLimits
from src.api.recorder import CallRecorder
from src.api.routes import employees, history, predict, status
from src.artifacts import LoadedModel, load_model
from src.config import PROJECT_ROOT, Settings
from src.prediction import Predictor
from src.service import PredictionService
from src.ui.backend import UiBackend
from src.ui.blocks import build_ui
from src.ui.users import UiUsers

logger = logging.getLogger(__name__)


def _tokens(settings: Settings) -> list[bytes]:
    """The configured tokens, or one random token for this process, shown once on stderr.

    Never open and never a built-in default: a newcomer runs `python app.py` and copies the
    token from the console, as with Jupyter.
    """
    configured = settings.token_list()
    if configured:
        return [token.encode("utf-8") for token in configured]
    generated = secrets.token_urlsafe(32)
    logger.warning(
        "API_TOKENS is not set: this process accepts only the token below (set API_TOKENS "
        "to choose your own)\n\n    Authorization: Bearer %s\n",
        generated,
    )
    return [generated.encode("utf-8")]


def _prepare_database(engine: Engine) -> None:
    """The schema brought to head and the employees loaded (single-process deployments;
    replicas run `python -m database.migrate` and `python -m database.load_employees` once
    instead, and this finds nothing to do)."""
    upgrade(engine)
    load_employees(engine, PROJECT_ROOT / "data")  # idempotent: adds only missing employees


def _writer(settings: Settings, loaded: LoadedModel) -> TraceWriter:
    """The trace writer, connected if the database answers; if not, the service starts
    anyway (degraded, traces spooled) and prepares the database when it comes back."""
    engine = engine_from_settings(settings)
    spool = TraceSpool(settings.spool_dir or default_spool_dir(engine.url))
    model = ServedModel.from_metadata(loaded.metadata, loaded.source)
    writer = TraceWriter(engine, model, spool, prepare=_prepare_database)
    writer.connect()
    return writer


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app; the model is loaded by the lifespan, once per process, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = load_model(settings)
        writer = _writer(settings, loaded)
        app.state.model = loaded
        app.state.service = PredictionService(
            Predictor(loaded.model), loaded.metadata["version"], writer
        )
        app.state.tokens = _tokens(settings)
        logger.info("model %s loaded (%s)", loaded.metadata["version"], loaded.source)
        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise walk the libraries' and the model's objects
        # and stall requests (p99 120 ms -> 20 ms at 16 concurrent requests).
        gc.collect()
        gc.freeze()
        replaying = asyncio.create_task(
            replay_until_cancelled(writer, settings.spool_retry_seconds)
        )
        yield
        replaying.cancel()
        writer.close()
        writer.engine.dispose()

    app = FastAPI(
        title="Futurisys attrition service",
        description="Probability that a TechNova employee leaves, with the reasons.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(
        BodyLimits,
        max_bytes=settings.max_body_bytes,
        budget=ByteBudget(settings.max_body_bytes_in_flight),
        admission_wait_s=settings.admission_wait_seconds,
        read_timeout_s=settings.body_read_timeout_seconds,
    )
    routers = (status.router, predict.router, employees.router, history.router)
    for router in routers:
        app.include_router(router)
    routes = [route for router in routers for route in router.routes]
    limits = RateLimits(settings.rate_limit_per_token, settings.rate_limit_per_client)
    # Added last: outermost, so it records what the body limits refuse too.
    app.add_middleware(CallRecorder, routes=routes, rate_limits=limits)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, recorded or not
    install_error_handlers(app)
    install_examples(app, PROJECT_ROOT / "data")
    _mount_ui(app, settings)
    return app


def _mount_ui(app: FastAPI, settings: Settings) -> None:
    """The public demo at /ui/ (and / redirects there) and, when `UI_USERS` is set, the HR
    space at /rh/ behind Gradio's sign-in; mounted before the server starts."""
    profiles = {
        profile["name"]: profile["record"]
        for profile in json.loads((PROJECT_ROOT / "data" / "demo_profiles.json").read_bytes())[
            "profiles"
        ]
    }
    downloads = Path(tempfile.gettempdir()) / f"futurisys-ui-{os.getpid()}"
    backend = UiBackend(app.state, downloads, Path(gr_utils.get_upload_folder()))
    options = {
        "run_history": False,  # HR data must not be kept in browsers
        "ssr_mode": False,
        "footer_links": ["api"],
        "max_file_size": settings.ui_max_upload_bytes,
        "mcp_server": False,
        "show_error": False,  # a user sees the French message of a gr.Error, never a trace
    }
    users = UiUsers(settings.ui_users.get_secret_value()) if settings.ui_users else None
    audiences = [("/rh", True, {"auth": users.check})] if users else []
    for path, hr, access in [*audiences, ("/ui", False, {})]:
        ui = build_ui(backend, profiles, hr=hr)
        # Gradio checks that a file handed to an event was uploaded (is in its upload folder)
        # only once `launch()` has run, which a mounted app never calls: without the flag, a
        # client naming any server path in place of an upload has it read.
        ui.has_launched = True
        gr.mount_gradio_app(app, ui, path=path, **access, **options)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/")


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **serving(settings))


def serving(settings: Settings) -> dict[str, object]:
    """uvicorn's settings besides where it listens: idle connections, a cap on concurrent
    ones, and no `server` header advertising what runs."""
    return {
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        "limit_concurrency": settings.max_concurrent_connections,
        "server_header": False,
    }


if __name__ == "__main__":
    main()
