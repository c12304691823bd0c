"""docker-compose.yml: the app against PostgreSQL, a one-shot migration, health checks, a
volume, secrets from the env file."""

from typing import Any

import yaml

from src.config import PROJECT_ROOT


def _compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text("utf-8"))


def test_the_app_waits_for_a_healthy_database_and_a_finished_migration() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", "migrate", "app"}
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


def test_secrets_come_from_the_env_file_not_from_the_compose_file() -> None:
    services = _compose()["services"]
    for name in ("migrate", "app"):
        assert services[name]["env_file"] == ".env"
        assert services[name]["image"] == services["app"]["image"]
        assert "${POSTGRES_PASSWORD:?" in services[name]["environment"]["DATABASE_URL"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    example = (PROJECT_ROOT / ".env.example").read_text("utf-8")
    assert "POSTGRES_PASSWORD=" in example and "API_TOKENS=" in example
    ignored = (PROJECT_ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert ".env" in ignored
