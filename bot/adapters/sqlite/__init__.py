"""The SQLite adapter: bot.core.ports on one SQLite file, as small repositories (schema, feeds, teams, articles,
claims, search, outbox, export) composed by `SqliteStore` and its units of work."""

from bot.adapters.sqlite.schema import SCHEMA_VERSION, migrations
from bot.adapters.sqlite.store import SqliteStore, SqliteUnitOfWork

__all__ = ["SCHEMA_VERSION", "SqliteStore", "SqliteUnitOfWork", "migrations"]
