"""Settings: the only reader of the environment (and of an optional `.env` file)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Built once in `app.py` and passed to whatever needs it; never read at import time."""

    # Empty values (as a copied .env.example has them) mean "use the default".
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", protected_namespaces=()
    )

    host: str = Field(default="0.0.0.0", description="interface uvicorn listens on")
    port: int = Field(default=7860, ge=1, le=65535, description="$PORT, as Spaces sets it")
    log_level: str = "INFO"

    database_url: SecretStr | None = Field(
        default=None, description="PostgreSQL URL; unset -> SQLite file in the temp directory"
    )
    spool_dir: Path | None = Field(
        default=None,
        description="where traces wait while the database is unreachable; unset -> a folder "
        "of the temp directory named after the database",
    )
    spool_retry_seconds: float = Field(
        default=2.0, gt=0, description="how often spooled traces are retried"
    )

    api_tokens: SecretStr | None = Field(
        default=None, description="comma-separated bearer tokens; several allow rotation"
    )
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="413 beyond")
    ui_max_upload_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="largest CSV the UI accepts"
    )

    models_dir: Path = Field(default=PROJECT_ROOT / "models", description="bundled artifact")
    model_repo_id: str | None = Field(default=None, description="Hub model repo, e.g. org/name")
    model_revision: str | None = Field(default=None, description="Hub commit to pin")
    model_sha256: str | None = Field(
        default=None, description="expected sha256 of the model file; else the pinned metadata's"
    )
    model_filename: str = "model.joblib"
    metadata_filename: str = "metadata.json"
    hf_cache_dir: Path | None = Field(default=None, description="huggingface_hub cache")
    hf_endpoint: str | None = Field(default=None, description="Hub URL, for mirrors")
    hf_hub_offline: bool = Field(default=False, description="use the local Hub cache only")
    hf_token: SecretStr | None = Field(default=None, description="for private model repos")

    def token_list(self) -> list[str]:
        """The configured API tokens, blanks dropped."""
        if self.api_tokens is None:
            return []
        return [t.strip() for t in self.api_tokens.get_secret_value().split(",") if t.strip()]
