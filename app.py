"""Entry point: `python app.py` builds the service and serves it with uvicorn on $PORT."""

import asyncio
import gc
import json
import logging
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from gradio.utils import get_upload_folder
from sqlalchemy import Engine
from starlette.routing import Mount

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
from src.ui.backend import UiBackend
from src.ui.blocks import build_ui
from src.ui.gate import SessionCheck, UiGate, UiLimits
from src.ui.gate_checks import session_check, sweep_abandoned
from src.ui.users import UiUsers

logger = logging.getLogger(__name__)


#: How long after start-up the random token is shown: after uvicorn's own "running" lines,
#: so that it is the console's last line when the service is ready.
_BANNER_DELAY_S = 0.3


def _tokens(settings: Settings) -> list[bytes]:
    """The configured tokens, or one random token for this process, shown once on the
    console once the server runs (`_BANNER_DELAY_S`).

    Never open and never a built-in default: a newcomer runs `python app.py` and copies the
    token from the console, as with Jupyter.
    """
    configured = settings.token_list()
    if configured:
        return [token.encode("utf-8") for token in configured]
    generated = secrets.token_urlsafe(32)
    asyncio.get_running_loop().call_later(
        _BANNER_DELAY_S,
        partial(
            logger.warning,
            "API_TOKENS is not set: this process accepts only the token below (set "
            "API_TOKENS to choose your own)\n\n    Authorization: Bearer %s\n",
            generated,
        ),
    )
    return [generated.encode("utf-8")]


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
        app.state.tokens = _tokens(settings)
        app.state.admin_tokens = [token.encode("utf-8") for token in settings.admin_token_list()]
        app.state.switch = switch = ModelSwitch(service, metrics, settings.model_sync_seconds)
        app.state.training = TrainingLauncher(settings, writer.engine)
        logger.info("model %s loaded (%s)", loaded.metadata["version"], loaded.source)
        # Everything built so far lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise walk the libraries' and the model's objects
        # and stall requests (p99 120 ms -> 20 ms at 16 concurrent requests).
        gc.collect()
        gc.freeze()
        replaying = asyncio.create_task(
            replay_until_cancelled(writer, settings.spool_retry_seconds)
        )
        monitoring = asyncio.create_task(
            monitor.run_until_cancelled(app.state.service.read_session)
        )
        following = asyncio.create_task(switch.run_until_cancelled())
        uploads = Path(get_upload_folder())  # Gradio's, shared by both spaces
        sweeping = asyncio.create_task(_sweep_uploads_until_cancelled(uploads))
        yield
        tasks = (replaying, sweeping, monitoring, following)
        for task in tasks:
            task.cancel()
        # A task's pass in a worker thread runs to its end (a thread cannot be stopped): wait
        # for it, so that no session is left open on the database about to be closed.
        await asyncio.wait(tasks, timeout=settings.shutdown_timeout_seconds)
        await asyncio.to_thread(sweep_abandoned, uploads, ABANDONED_UPLOAD_SECONDS)
        writer.close()
        writer.engine.dispose()
        # Scored files hold HR records: none outlives the process (Gradio's own lifespan,
        # which `mount_gradio_app` chains to this one, empties its cache of this app's files).
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
    spaces, sessions, backend = _mount_ui(app, settings)
    app.add_middleware(
        BodyLimits,
        max_bytes=settings.max_body_bytes,
        budget=ByteBudget(settings.max_body_bytes_in_flight),
        admission_wait_s=settings.admission_wait_seconds,
        read_timeout_s=settings.body_read_timeout_seconds,
        exempt=tuple(f"{prefix}/" for prefix in spaces),  # the gate bounds them
    )
    routers = (
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
    for router in routers:
        app.include_router(router)
    for prefix, blocks in spaces.items():
        metrics.watch_queue(prefix, partial(_queue_depth, blocks))
    limits = _ui_limits(settings)
    app.add_middleware(
        UiGate, spaces=spaces, limits=limits, audit=backend.record_sign_in, sessions=sessions
    )
    routes = [route for router in routers for route in router.routes]
    rates = RateLimits(settings.rate_limit_per_token, settings.rate_limit_per_client)
    # Added after the body limits: outside them, so it records what they refuse too.
    app.add_middleware(CallRecorder, routes=routes, rate_limits=rates)
    app.add_middleware(SecurityHeaders)  # on every answer, recorded or not
    # Outermost: every request's ids (read by the recorder and the logs), metrics, access line.
    app.add_middleware(RequestObserver, metrics=metrics, spaces=tuple(spaces))
    install_error_handlers(app, routes)
    install_examples(app, PROJECT_ROOT / "data")
    return app


#: How long an unfinished upload's file may sit untouched before it is deleted.
ABANDONED_UPLOAD_SECONDS = 3600.0


async def _sweep_uploads_until_cancelled(uploads: Path) -> None:
    """Every ten minutes, the files of uploads cut off mid-body (Gradio keeps them)."""
    while True:
        await asyncio.sleep(600)
        await asyncio.to_thread(sweep_abandoned, uploads, ABANDONED_UPLOAD_SECONDS)


def _queue_depth(blocks: gr.Blocks) -> int | None:
    """Events waiting in a space's Gradio queue (a private attribute: None if it moved)."""
    queue = getattr(blocks, "_queue", None)
    return len(queue) if queue is not None else None


def _ui_limits(settings: Settings) -> UiLimits:
    return UiLimits(
        max_event_bytes=settings.ui_max_event_bytes,
        max_upload_bytes=settings.ui_max_upload_bytes,
        max_stored_upload_bytes=settings.ui_max_stored_upload_bytes,
        events_per_client=settings.ui_rate_limit_per_client,
        body_read_timeout_s=settings.body_read_timeout_seconds,
    )


#: Gradio's French where it is wrong or missing: « télécharger » (download) for the upload
#: zone's « click to upload », English for the tables' filter menu.
GRADIO_FRENCH = gr.I18n(
    fr={
        "upload_text.click_to_upload": "Cliquez pour choisir un fichier",
        "dataframe.filter": "Filtrer",
        "dataframe.clear_filter": "Effacer les filtres",
    }
)


def _mount_ui(
    app: FastAPI, settings: Settings
) -> tuple[dict[str, gr.Blocks], dict[str, SessionCheck], UiBackend]:
    """The public demo at /ui/ (and / redirects there) and, when `UI_USERS` is set, the HR
    space at /rh/ behind Gradio's sign-in; mounted before the server starts. Returns the
    spaces by mount path, for the gate in front of them, the sign-in check of the spaces that
    want one, and their backend."""
    profiles = {
        profile["name"]: profile["record"]
        for profile in json.loads((PROJECT_ROOT / "data" / "demo_profiles.json").read_bytes())[
            "profiles"
        ]
    }
    # This app's own folder, made at the first scored file, removed at stop.
    downloads = Path(tempfile.gettempdir()) / f"futurisys-ui-{secrets.token_hex(8)}"
    app.state.ui_downloads = downloads
    public_rows = RateLimits(None, settings.ui_public_batch_rows)
    backend = UiBackend(app.state, downloads, public_rows, ZoneInfo(settings.ui_timezone))
    options = {
        "run_history": False,  # HR data must not be kept in browsers
        "ssr_mode": False,
        "footer_links": ["api"],
        "max_file_size": settings.ui_max_upload_bytes,
        "mcp_server": False,
        "show_error": False,  # a user sees the French message of a gr.Error, never a trace
        "i18n": GRADIO_FRENCH,
    }
    users = UiUsers(settings.ui_users.get_secret_value()) if settings.ui_users else None
    audiences = [("/rh", True, {"auth": users.check})] if users else []
    spaces: dict[str, gr.Blocks] = {}
    sessions: dict[str, SessionCheck] = {}
    for path, hr, access in [*audiences, ("/ui", False, {})]:
        ui = build_ui(backend, profiles, hr=hr)
        # Gradio checks that a file handed to an event was uploaded (is in its upload folder)
        # only once `launch()` has run, which a mounted app never calls: without the flag, a
        # client naming any server path in place of an upload has it read.
        ui.has_launched = True
        gr.mount_gradio_app(app, ui, path=path, **access, **options)
        spaces[path] = ui
        if hr:
            [mounted] = [r for r in app.routes if isinstance(r, Mount) and r.path == path]
            sessions[path] = session_check(mounted.app)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:  # browsers ask the root for it
        return RedirectResponse("/ui/favicon.ico")

    return spaces, sessions, backend


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
