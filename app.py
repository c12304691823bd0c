"""Entry point: `python app.py` builds the service and serves it with uvicorn on $PORT."""

import asyncio
import gc
import logging
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine

from database.engine import engine_from_settings
from database.load_employees import load_employees
from database.migrate import current_revision, upgrade
from database.repository import ServedModel
from database.spool import TraceSpool, default_spool_dir
from database.writer import TraceWriter, replay_until_cancelled
from src.api.errors import install_error_handlers
from src.api.headers import SecurityHeaders
from src.api.limits import BodyLimits, ByteBudget
from src.api.openapi import install_examples
from src.api.rate_limits import RateLimits
from src.api.recorder import CallRecorder
from src.api.routes import (
    employees,
    history,
    models,
    monitoring,
    outcomes,
    predict,
    status,
    training,
)
from src.api.routes import metrics as metrics_route
from src.artifacts import load_model
from src.config import PROJECT_ROOT, Settings
from src.lifecycle.runs import TrainingLauncher
from src.lifecycle.switch import ModelSwitch
from src.monitoring.monitor import ModelMonitor
from src.observability.http import RequestObserver
from src.observability.logs import configure_logging
from src.observability.metrics import ServiceMetrics
from src.preprocessing import has_extracts
from src.service import PredictionService, Serving
from src.ui.gate import UiGate, UiLimits
from src.ui.gate_checks import sweep_abandoned
from src.ui.mount import PUBLIC_PATH, UiSpaces, open_spaces

logger = logging.getLogger(__name__)


def _tokens(settings: Settings) -> tuple[list[bytes], str | None]:
    """The configured tokens, or one random token for this process, returned second too, to
    be shown once on the console when the service is ready (`_show_token`).

    Never open and never a built-in default: a newcomer runs `python app.py` and copies the
    token from the console, as with Jupyter.
    """
    configured = settings.token_list()
    if configured:
        return [token.encode("utf-8") for token in configured], None
    generated = secrets.token_urlsafe(32)
    return [generated.encode("utf-8")], generated


def _show_token(token: str) -> None:
    """The console's last start-up line: after uvicorn's and the UI's, where one sees it."""
    logger.warning(
        "API_TOKENS is not set: this process accepts only the token below (set API_TOKENS "
        "to choose your own)\n\n    Authorization: Bearer %s\n",
        token,
    )


def _prepare_database(data: Path, engine: Engine) -> None:
    """The schema brought to head and the employees of the extracts in `data` loaded
    (single-process deployments; replicas run `python -m database.migrate` and `python -m
    database.load_employees` once instead, and this finds nothing to do)."""
    upgrade(engine)
    logger.info("database schema at revision %s", current_revision(engine))
    if has_extracts(data):
        load_employees(engine, data)  # idempotent: adds only missing employees
    else:  # the public Space carries no HR data (deploy/space.py)
        logger.info("no HR extracts in %s: no employees loaded", data)


def _writer(settings: Settings, model: ServedModel) -> TraceWriter:
    """The trace writer, connected if the database answers; if not, the service starts
    anyway (degraded, traces spooled) and prepares the database when it comes back."""
    engine = engine_from_settings(settings)
    spool = TraceSpool(settings.spool_dir or default_spool_dir(engine.url))
    writer = TraceWriter(
        engine, model, spool, prepare=partial(_prepare_database, settings.data_dir)
    )
    writer.connect()
    return writer


#: The API's routers, in the order the app tries them.
ROUTERS = (
    status.router,
    metrics_route.router,
    predict.router,
    employees.router,
    history.router,
    outcomes.router,
    monitoring.router,
    models.router,
    models.admin_router,
    training.router,
    training.admin_router,
)


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app; the model is loaded by the lifespan, once per process, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = load_model(settings)
        serving = Serving.of(loaded)
        writer = _writer(settings, serving.model)
        version = serving.version
        app.state.service = service = PredictionService(serving, writer, metrics)
        fallback = settings.model_repo_id is not None and loaded.source != "hub"
        metrics.model_loaded_now(version, loaded.metadata["sha256"], loaded.source, fallback)
        metrics.watch_storage(writer.status)
        app.state.monitor = monitor = ModelMonitor(lambda: service.serving.loaded, settings)
        metrics.watch_monitoring(lambda: monitor.latest)
        app.state.tokens, generated = _tokens(settings)
        app.state.admin_tokens = [token.encode("utf-8") for token in settings.admin_token_list()]
        app.state.switch = switch = ModelSwitch(service, metrics, settings.model_sync_seconds)
        app.state.training = TrainingLauncher(settings, writer.engine)
        logger.info("model %s loaded (%s)", loaded.metadata["version"], loaded.source)
        replaying = asyncio.create_task(
            replay_until_cancelled(writer, settings.spool_retry_seconds)
        )
        monitoring = asyncio.create_task(
            monitor.run_until_cancelled(app.state.service.read_session)
        )
        following = asyncio.create_task(switch.run_until_cancelled())
        sweeping = asyncio.create_task(_sweep_uploads_until_cancelled(ui))
        async with AsyncExitStack() as running_ui:
            opening = asyncio.create_task(_open_ui(app, settings, running_ui, generated))
            yield
            # A build still in progress runs to its end on its thread: wait for it, so that
            # no space is left half started when Gradio's start-up is undone (leaving
            # `running_ui`: its queues stopped, its cache of this app's files emptied).
            await asyncio.wait([opening], timeout=UI_START_TIMEOUT_S)
            tasks = (opening, replaying, sweeping, monitoring, following)
            for task in tasks:
                task.cancel()
            # A task's pass in a worker thread runs to its end (a thread cannot be stopped):
            # wait for it, so that no session is left open on the database about to close.
            await asyncio.wait(tasks, timeout=settings.shutdown_timeout_seconds)
        if ui.uploads is not None:
            await asyncio.to_thread(sweep_abandoned, ui.uploads, ABANDONED_UPLOAD_SECONDS)
        writer.close()
        writer.engine.dispose()
        # Scored files hold HR records: none outlives the process.
        shutil.rmtree(app.state.ui_downloads, ignore_errors=True)

    # /docs and /redoc load Swagger UI and ReDoc from this app, so they render offline and
    # under the Content-Security-Policy.
    app = FastAPIOffline(
        title="Futurisys attrition service",
        description="Probability that a TechNova employee leaves, with the reasons.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics = ServiceMetrics()
    app.state.ui = ui = UiSpaces.of(settings)
    # This app's own folder for the UI's scored files, made at the first one, removed at stop.
    app.state.ui_downloads = Path(tempfile.gettempdir()) / f"futurisys-ui-{secrets.token_hex(8)}"
    app.add_middleware(
        BodyLimits,
        max_bytes=settings.max_body_bytes,
        budget=ByteBudget(settings.max_body_bytes_in_flight),
        admission_wait_s=settings.admission_wait_seconds,
        read_timeout_s=settings.body_read_timeout_seconds,
        exempt=tuple(f"{prefix}/" for prefix in ui.prefixes),  # the gate bounds them
    )
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(UiGate, ui=ui, limits=_ui_limits(settings))
    routes = [route for router in ROUTERS for route in router.routes]
    rates = RateLimits(settings.rate_limit_per_token, settings.rate_limit_per_client)
    # Added after the body limits: outside them, so it records what they refuse too.
    app.add_middleware(CallRecorder, routes=routes, rate_limits=rates)
    app.add_middleware(SecurityHeaders)  # on every answer, recorded or not
    # Outermost: every request's ids (read by the recorder and the logs), metrics, access line.
    app.add_middleware(RequestObserver, metrics=metrics, spaces=ui.prefixes)
    install_error_handlers(app, routes)
    install_examples(app, PROJECT_ROOT / "data", routes)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse(f"{PUBLIC_PATH}/")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:  # browsers ask the root for it
        return RedirectResponse(f"{PUBLIC_PATH}/favicon.ico")

    return app


#: How long a stop waits for a UI build still in progress (it runs on a thread).
UI_START_TIMEOUT_S = 60.0


async def _open_ui(
    app: FastAPI, settings: Settings, running: AsyncExitStack, generated: str | None
) -> None:
    """The UI's spaces built and mounted while the API serves, then the generated token
    shown: the console's last start-up line."""
    await open_spaces(
        app, settings, app.state.ui, app.state.metrics, app.state.ui_downloads, running
    )
    # Everything built so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise walk the libraries', the model's and the UI's
    # objects and stall requests (p99 120 ms -> 20 ms at 16 concurrent requests).
    gc.collect()
    gc.freeze()
    if generated is not None:
        _show_token(generated)


#: How long an unfinished upload's file may sit untouched before it is deleted.
ABANDONED_UPLOAD_SECONDS = 3600.0


async def _sweep_uploads_until_cancelled(ui: UiSpaces) -> None:
    """Every ten minutes, the files of uploads cut off mid-body (Gradio keeps them)."""
    while True:
        await asyncio.sleep(600)
        if ui.uploads is not None:
            await asyncio.to_thread(sweep_abandoned, ui.uploads, ABANDONED_UPLOAD_SECONDS)


def _ui_limits(settings: Settings) -> UiLimits:
    return UiLimits(
        max_event_bytes=settings.ui_max_event_bytes,
        max_upload_bytes=settings.ui_max_upload_bytes,
        max_stored_upload_bytes=settings.ui_max_stored_upload_bytes,
        events_per_client=settings.ui_rate_limit_per_client,
        body_read_timeout_s=settings.body_read_timeout_seconds,
    )


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,  # uvicorn's loggers write through ours
        **serving(settings),
    )


def serving(settings: Settings) -> dict[str, object]:
    """uvicorn's settings besides where it listens: idle connections, a cap on concurrent
    ones, no `server` header advertising what runs, and how long a stop waits for open
    connections: the UI's event streams never end by themselves, and without a bound the
    lifespan's shutdown (the trace writer closed, the UI's files deleted) would never run."""
    return {
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        "limit_concurrency": settings.max_concurrent_connections,
        "timeout_graceful_shutdown": settings.shutdown_timeout_seconds,
        "server_header": False,
    }


if __name__ == "__main__":
    main()
