"""docker-compose.yml (no Docker daemon here to run it): well-formed YAML, a PostgreSQL service with a health
check, and two claimdesk replicas built from the Dockerfile on one $CLAIMDESK_DATABASE that names that service,
each waiting for it to be healthy and reading a mounted config that exists."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT


def _compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _defaults(value: str) -> str:
    """Compose's ${NAME:-default} substitution, with every variable unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def test_compose_runs_two_replicas_on_one_postgresql_database() -> None:
    services = _compose()["services"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:") and "pg_isready" in " ".join(
        postgres["healthcheck"]["test"]
    )
    env = {k: _defaults(str(v)) for k, v in postgres["environment"].items()}
    bots = [s for name, s in services.items() if name != "postgres"]
    assert len(bots) == 2
    urls = {_defaults(b["environment"]["CLAIMDESK_DATABASE"]) for b in bots}
    assert len(urls) == 1
    url = urlsplit(urls.pop())
    assert url.scheme == "postgresql" and url.hostname == "postgres" and url.port == 5432
    assert (url.username, url.password, url.path) == (
        env["POSTGRES_USER"],
        env["POSTGRES_PASSWORD"],
        "/" + env["POSTGRES_DB"],
    )
    for bot in bots:
        assert bot["build"] == "." and (ROOT / "Dockerfile").exists()
        assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        for volume in bot["volumes"]:
            source, target, *_ = volume.split(":")
            assert (ROOT / source).is_file() and target == "/app/config/claimdesk.toml", volume
