"""docker-compose.yml: the app against PostgreSQL, a one-shot migration, health checks, a
volume, secrets from the env file."""

from typing import Any

import yaml

from src.config import PROJECT_ROOT


def _compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text("utf-8"))


def test_the_app_waits_for_a_healthy_database_and_a_finished_migration() -> None:
    services = _compose()["services"]
    assert set(services) == {
        "db",
        "migrate",
        "app",
        "mlflow",
        "training",
        "prometheus",
        "grafana",
    }
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["app"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }
    assert "database.migrate upgrade" in " ".join(services["migrate"]["command"])
    assert "database.load_employees" in " ".join(services["migrate"]["command"])
    assert services["migrate"]["restart"] == "no"


def test_services_have_health_checks_and_the_database_a_volume() -> None:
    compose = _compose()
    services = compose["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "/health/ready" in " ".join(services["app"]["healthcheck"]["test"])
    assert services["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert "pgdata" in compose["volumes"]


def test_each_service_gets_only_the_variables_it_needs_and_the_app_requires_tokens() -> None:
    services = _compose()["services"]
    assert all("env_file" not in service for service in services.values())
    assert set(services["migrate"]["environment"]) == {"DATABASE_URL"}
    app = services["app"]["environment"]
    assert app["DATABASE_URL"] == services["migrate"]["environment"]["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in app["DATABASE_URL"]
    assert app["API_TOKENS"].startswith("${API_TOKENS:?")  # no start without tokens
    assert "POSTGRES_PASSWORD" not in app
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    example = (PROJECT_ROOT / ".env.example").read_text("utf-8")
    assert "POSTGRES_PASSWORD=" in example and "API_TOKENS=" in example
    ignored = (PROJECT_ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert ".env" in ignored


def test_the_app_listens_on_loopback_unless_told_otherwise_and_spools_to_a_volume() -> None:
    compose = _compose()
    app = compose["services"]["app"]
    assert app["ports"] == ["${BIND_ADDRESS:-127.0.0.1}:${APP_PORT:-7860}:7860"]
    store = app["environment"]["MODEL_STORE_DIR"]
    assert app["volumes"] == [f"spool:{app['environment']['SPOOL_DIR']}", f"model-store:{store}"]
    assert {"spool", "model-store"} <= set(compose["volumes"])
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text("utf-8")
    assert "mkdir -p /home/user/spool /home/user/model_store" in dockerfile  # owned by uid 1000


def test_the_training_service_retrains_on_what_the_service_stored_and_registers_it() -> None:
    """`docker compose --profile training run --rm training`: only when the data changed,
    into the store the app reads, tracked on the MLflow server, never with the tokens."""
    services = _compose()["services"]
    training, app, mlflow = services["training"], services["app"], services["mlflow"]
    assert training["profiles"] == ["training"] and training["restart"] == "no"
    command = training["command"]
    assert command[:3] == ["python", "-m", "src.train"]
    assert {"--register", "--source=database", "--only-if-data-changed"} <= set(command)
    assert training["volumes"] == [v for v in app["volumes"] if v.startswith("model-store:")]
    environment = training["environment"]
    assert set(environment) == {"DATABASE_URL", "MODEL_STORE_DIR", "MLFLOW_TRACKING_URI"}
    assert training["volumes"] == [f"model-store:{environment['MODEL_STORE_DIR']}"]
    assert environment["MLFLOW_TRACKING_URI"] == app["environment"]["MLFLOW_TRACKING_URI"]
    assert environment["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert "--serve-artifacts" in mlflow["command"] and ":latest" not in mlflow["image"]
    # MLflow refuses a Host header it does not list: the trainers call it by its name.
    [hosts] = [arg for arg in mlflow["command"] if arg.startswith("--allowed-hosts=")]
    assert "mlflow:5000" in hosts.removeprefix("--allowed-hosts=").split(",")
    assert mlflow["ports"] == ["127.0.0.1:${MLFLOW_PORT:-5000}:5000"]  # no sign-in: loopback
    assert app["environment"]["ADMIN_TOKENS"] == "${ADMIN_TOKENS:-}"


def test_the_operators_stack_scrapes_the_app_and_loads_the_dashboard() -> None:
    services = _compose()["services"]
    prometheus, grafana = services["prometheus"], services["grafana"]
    assert all(":latest" not in s["image"] and ":" in s["image"] for s in (prometheus, grafana))
    mounted = " ".join(prometheus["volumes"])
    assert "deploy/monitoring/prometheus.yml" in mounted and "alerts.yml" in mounted
    config = yaml.safe_load((PROJECT_ROOT / "deploy/monitoring/prometheus.yml").read_text("utf-8"))
    [job] = config["scrape_configs"]
    assert (
        job["static_configs"] == [{"targets": ["app:7860"]}] and job["metrics_path"] == "/metrics"
    )
    # The scrape holds the app's METRICS_TOKEN (without it, no predictions' results).
    assert services["app"]["environment"]["METRICS_TOKEN"].startswith("${METRICS_TOKEN:?")
    assert _compose()["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    assert prometheus["secrets"] == ["metrics_token"]
    assert job["authorization"] == {"credentials_file": "/run/secrets/metrics_token"}
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"].startswith(
        "${GRAFANA_ADMIN_PASSWORD:?"
    )
    for service in (prometheus, grafana):
        assert all(port.startswith("${BIND_ADDRESS:-127.0.0.1}:") for port in service["ports"])
