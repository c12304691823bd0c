"""Settings: the only reader of the environment (and of an optional `.env` file)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Built once in `app.py` and passed to whatever needs it; never read at import time."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    host: str = Field(default="0.0.0.0", description="interface uvicorn listens on")
    port: int = Field(default=7860, ge=1, le=65535, description="$PORT, as Spaces sets it")
    models_dir: Path = Field(default=PROJECT_ROOT / "models", description="bundled artifact")
    log_level: str = "INFO"
