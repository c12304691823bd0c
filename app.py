"""Entry point: `python app.py` builds the service and serves it with uvicorn on $PORT."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from src.api.routes import status
from src.artifacts import load_local
from src.config import Settings
from src.prediction import Predictor

logger = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app; the model is loaded by the lifespan, once per process, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = load_local(settings.models_dir)
        app.state.model = loaded
        app.state.predictor = Predictor(loaded.model)
        logger.info("model %s loaded from %s", loaded.metadata["version"], settings.models_dir)
        yield

    app = FastAPI(title="Futurisys attrition service", lifespan=lifespan)
    app.include_router(status.router)
    return app


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
