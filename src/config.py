"""Settings: the only reader of the environment (and of an optional `.env` file)."""

from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
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
    log_format: Literal["json", "console"] = Field(
        default="console", description="json: one JSON object a line (the image's default)"
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="if set, GET /metrics wants it as a bearer token"
    )

    mlflow_tracking_uri: str | None = Field(
        default=None,
        description="where training runs are recorded (an MLflow server); unset -> a SQLite "
        "store in MLFLOW_DIR",
    )
    mlflow_dir: Path = Field(
        default=PROJECT_ROOT / "mlruns", description="the local MLflow store: runs and artifacts"
    )

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="the HR extracts: employees loaded at start-up, and what training reads",
    )
    model_store_dir: Path = Field(
        default=PROJECT_ROOT / "model_store",
        description="where registered models' files are kept, one folder per version (shared "
        "by the replicas: a volume)",
    )
    model_sync_seconds: float = Field(
        default=30.0,
        gt=0,
        description="how often a replica checks the registry for the model it should serve",
    )
    admin_tokens: SecretStr | None = Field(
        default=None,
        description="comma-separated bearer tokens of the admin routes (activate a model, start "
        "a training); unset -> those routes refuse every caller",
    )

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
    max_body_bytes_in_flight: int = Field(
        default=24 * 1024 * 1024,
        ge=1024,
        description="bytes of large request bodies handled at once (about 40x that in memory); "
        "beyond, a request waits ADMISSION_WAIT_SECONDS, then gets 503",
    )
    admission_wait_seconds: float = Field(default=10.0, ge=0)
    body_read_timeout_seconds: float = Field(
        default=10.0, gt=0, description="408 when a client sends nothing of its body for this long"
    )
    rate_limit_per_token: str | None = Field(
        default="1200/minute", description="calls per token to the token routes; off: none"
    )
    rate_limit_per_client: str | None = Field(
        default="120/minute",
        description="calls without a valid token, per client address; off: none",
    )
    keep_alive_timeout_seconds: float = Field(
        default=5.0, gt=0, description="idle keep-alive connections are closed after this"
    )
    shutdown_timeout_seconds: float = Field(
        default=10.0, gt=0, description="a stop waits this long for open connections, then closes"
    )
    max_concurrent_connections: int = Field(
        default=512, ge=1, description="uvicorn answers 503 beyond this many at once"
    )
    ui_users: SecretStr | None = Field(
        default=None,
        description="HR users of the UI's HR space (/rh/), `python -m src.ui.users NAME` makes "
        "an entry; unset: no HR space at all",
    )
    ui_max_upload_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="largest CSV the UI accepts"
    )
    ui_max_event_bytes: int = Field(
        default=256 * 1024, ge=1024, description="largest body of a UI event (413 beyond)"
    )
    ui_max_stored_upload_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description="uploaded files kept at once (an hour at most); 503 to uploads beyond",
    )
    ui_rate_limit_per_client: str | None = Field(
        default="60/minute",
        description="UI events and uploads per client address, per space; off: none",
    )
    ui_timezone: str = Field(
        default="Europe/Paris",
        description="the time zone the HR space shows times in and reads typed dates in",
    )
    ui_public_batch_rows: str | None = Field(
        default="2000/hour",
        description="CSV rows the public demo scores per client address (a larger file is "
        "refused); off: none",
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

    monitoring_interval_seconds: float = Field(
        default=300.0, gt=0, description="how often drift and live quality are recomputed"
    )
    drift_window: int = Field(
        default=1000, ge=1, le=50_000, description="newest predictions a drift check reads"
    )
    drift_source: Literal["api", "ui", "all"] = Field(
        default="api",
        description="channel the periodic drift check watches (the public demo's traffic is "
        "anyone's: api by default)",
    )
    drift_minimum_sample: int = Field(
        default=200, ge=30, description="fewer employees in a window: 'not enough data'"
    )
    drift_alpha: float = Field(
        default=0.05, gt=0, lt=1, description="a field's test, Benjamini-Hochberg adjusted"
    )
    drift_psi_flag: float = Field(default=0.1, ge=0, description="PSI from which a field drifted")
    drift_psi_alert: float = Field(
        default=0.2, ge=0, description="PSI of an important field (or of the scores) that alerts"
    )
    drift_share_alert: float = Field(
        default=0.3, ge=0, le=1, description="share of drifted HR fields that alerts"
    )
    drift_important_inputs: int = Field(
        default=10, ge=1, description="the model's strongest inputs whose drift alerts"
    )

    @model_validator(mode="after")
    def _budget_admits_the_largest_body(self) -> Self:
        if self.max_body_bytes_in_flight < self.max_body_bytes:
            raise ValueError("MAX_BODY_BYTES_IN_FLIGHT must be at least MAX_BODY_BYTES")
        return self

    @field_validator(
        "rate_limit_per_token",
        "rate_limit_per_client",
        "ui_rate_limit_per_client",
        "ui_public_batch_rows",
    )
    @classmethod
    def _rate_limit_is_readable(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() == "off":
            return None
        parse_many(value)  # ValueError for a spelling `limits` cannot read
        return value

    @field_validator("ui_timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"UI_TIMEZONE: {value!r} is not a time zone (e.g. Europe/Paris)"
            ) from None
        return value

    @model_validator(mode="after")
    def _admin_tokens_are_not_api_tokens(self) -> Self:
        if set(self.admin_token_list()) & set(self.token_list()):
            raise ValueError(
                "ADMIN_TOKENS must differ from API_TOKENS: an admin token switches models"
            )
        return self

    def admin_token_list(self) -> list[str]:
        """The configured admin tokens, blanks dropped."""
        return _listed(self.admin_tokens)

    def token_list(self) -> list[str]:
        """The configured API tokens, blanks dropped."""
        return _listed(self.api_tokens)


def _listed(tokens: SecretStr | None) -> list[str]:
    if tokens is None:
        return []
    return [t.strip() for t in tokens.get_secret_value().split(",") if t.strip()]
