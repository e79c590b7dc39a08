"""The PostgreSQL adapter: bot.core.ports on a server database (asyncpg), as small repositories (schema, feeds,
teams, articles, claims, search with its tsquery builder, outbox, export) composed by `PostgresStore` and its units
of work — the same contract as the SQLite adapter (tests/integration/test_repositories.py runs on both)."""

from bot.adapters.postgres.db import is_url, masked
from bot.adapters.postgres.schema import SCHEMA_VERSION, migrations
from bot.adapters.postgres.store import PostgresStore, PostgresUnitOfWork

__all__ = ["SCHEMA_VERSION", "PostgresStore", "PostgresUnitOfWork", "is_url", "masked", "migrations"]
