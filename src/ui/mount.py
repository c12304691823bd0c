"""The UI's spaces, built and mounted while the API already serves.

Importing Gradio and building the two spaces is most of a start-up (about 2.5 s of 4.6 s on
a 2-core machine, `bench/startup_idle.py`), and uvicorn listens only once the lifespan's
start-up is over. So the app knows from its settings which spaces it will have (`UiSpaces`,
read by the gate in front of them), the lifespan starts `open_spaces` as a task, and the
spaces are built on a worker thread while `/health` and the API answer; until a space is
mounted the gate answers 503 (a page that reloads itself for a browser). Nothing here
imports Gradio at import time.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from starlette.routing import Mount
from starlette.types import Scope

from src.api.rate_limits import RateLimits
from src.config import PROJECT_ROOT, Settings
from src.observability.metrics import ServiceMetrics
from src.ui.users import UiUsers

if TYPE_CHECKING:
    import gradio as gr

logger = logging.getLogger(__name__)

PUBLIC_PATH = "/ui"
HR_PATH = "/rh"

#: Called after each sign-in attempt: the space's prefix, the name tried, the status answered.
SignInAudit = Callable[[str, str, int], Awaitable[None]]
#: Whether a request carries a signed-in session of a space (`gate_checks.session_check`).
SessionCheck = Callable[[Scope], bool]


@dataclass(frozen=True)
class MountedSpace:
    """A space that serves: its Blocks, its sign-in check (None: public), its audit."""

    blocks: "gr.Blocks"
    signed_in: SessionCheck | None
    audit: SignInAudit


@dataclass
class UiSpaces:
    """The spaces by mount path: which ones there will be is known from the settings before
    any is built; each is in `mounted` once it serves. The one owner of the UI's state, for
    the gate, `/health` and the lifespan."""

    prefixes: tuple[str, ...]
    mounted: dict[str, MountedSpace] = field(default_factory=dict)
    status: Literal["starting", "ready", "failed"] = "starting"
    uploads: Path | None = None  # Gradio's upload folder, shared by the spaces, once known

    @classmethod
    def of(cls, settings: Settings) -> "UiSpaces":
        """The HR space when `UI_USERS` is set, and the public demo always."""
        return cls((HR_PATH, PUBLIC_PATH) if settings.ui_users else (PUBLIC_PATH,))


async def open_spaces(
    app: FastAPI,
    settings: Settings,
    spaces: UiSpaces,
    metrics: ServiceMetrics,
    downloads: Path,
    running: AsyncExitStack,
) -> None:
    """Builds and mounts the spaces (on a worker thread), then runs Gradio's start-up for
    each on this loop (its queue, its cache cleaning) under `running`, which the lifespan
    closes at stop. A space that cannot be built leaves the API serving: logged, and
    `/health` says so."""
    try:
        built = await asyncio.to_thread(_build_and_mount, app, settings, downloads)
        from gradio.utils import get_upload_folder

        for prefix, (blocks, space_app, mounted) in built.items():
            await running.enter_async_context(space_app.router.lifespan_context(space_app))
            blocks.run_startup_events()
            await blocks.run_extra_startup_events()
            metrics.watch_queue(prefix, lambda blocks=blocks: _queue_depth(blocks))
            spaces.mounted[prefix] = mounted
        spaces.uploads = Path(get_upload_folder())
    except Exception:
        spaces.status = "failed"
        logger.exception("the UI could not be started: the API serves without it")
        return
    spaces.status = "ready"
    logger.info("UI ready at %s", ", ".join(f"{prefix}/" for prefix in spaces.prefixes))


def _build_and_mount(
    app: FastAPI, settings: Settings, downloads: Path
) -> dict[str, tuple["gr.Blocks", Any, MountedSpace]]:
    """The spaces built and mounted on `app` (the gate keeps them closed until they serve),
    by prefix: their Blocks, Gradio's app for each, and what the gate needs of them."""
    import gradio as gr

    from src.ui.backend import UiBackend
    from src.ui.blocks import build_ui
    from src.ui.gate_checks import session_check

    demo = json.loads((PROJECT_ROOT / "data" / "demo_profiles.json").read_bytes())
    profiles = {profile["name"]: profile["record"] for profile in demo["profiles"]}
    public_rows = RateLimits(None, settings.ui_public_batch_rows)
    backend = UiBackend(app.state, downloads, public_rows, ZoneInfo(settings.ui_timezone))
    options = {
        "run_history": False,  # HR data must not be kept in browsers
        "ssr_mode": False,
        "footer_links": ["api"],
        "max_file_size": settings.ui_max_upload_bytes,
        "mcp_server": False,
        "show_error": False,  # a user sees the French message of a gr.Error, never a trace
        "i18n": gr.I18n(fr=GRADIO_FRENCH),
        "css": FRENCH_NOTICE_TITLES,
    }
    users = UiUsers(settings.ui_users.get_secret_value()) if settings.ui_users else None
    audiences = [(HR_PATH, True, {"auth": users.check})] if users else []
    built = {}
    for path, hr, access in [*audiences, (PUBLIC_PATH, False, {})]:
        ui = build_ui(backend, profiles, hr=hr)
        # Gradio checks that a file handed to an event was uploaded (is in its upload folder)
        # only once `launch()` has run, which a mounted app never calls: without the flag, a
        # client naming any server path in place of an upload has it read.
        ui.has_launched = True
        gr.mount_gradio_app(app, ui, path=path, **access, **options)
        [mounted] = [r for r in app.routes if isinstance(r, Mount) and r.path == path]
        signed_in = session_check(mounted.app) if hr else None
        built[path] = (ui, mounted.app, MountedSpace(ui, signed_in, backend.record_sign_in))
    return built


#: Gradio's French where it is wrong or missing: « télécharger » (download) for the upload
#: zone's « click to upload », English for the tables' filter menu.
GRADIO_FRENCH = {
    "upload_text.click_to_upload": "Cliquez pour choisir un fichier",
    "dataframe.filter": "Filtrer",
    "dataframe.clear_filter": "Effacer les filtres",
}


#: Gradio titles a notice with its type in English (« Error »), whatever title it was given
#: and whatever the browser's language: the type's English text hidden, a French one shown.
FRENCH_NOTICE_TITLES = "\n".join(
    f".toast-title.{kind} {{ font-size: 0; }}\n"
    f'.toast-title.{kind}::before {{ content: "{french}"; font-size: var(--text-lg); }}'
    for kind, french in (
        ("error", "Erreur"),
        ("warning", "Attention"),
        ("info", "Information"),
        ("success", "Terminé"),
    )
)


def _queue_depth(blocks: "gr.Blocks") -> int | None:
    """Events waiting in a space's Gradio queue (a private attribute: None if it moved)."""
    queue = getattr(blocks, "_queue", None)
    return len(queue) if queue is not None else None
