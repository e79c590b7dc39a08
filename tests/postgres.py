"""PostgreSQL for the tests: a real server on 127.0.0.1 ($CLAIMDESK_TEST_POSTGRES, default
postgresql://postgres@127.0.0.1:5432/postgres). Each test session makes its own database claimdesk_test_<random>
and drops it at the end; each test gets an empty schema in it (`pg_url`). Where no server answers, the tests that
need one skip with one line — unless $CLAIMDESK_REQUIRE_POSTGRES=1 (CI, .ci/run), where that is a failure."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("CLAIMDESK_TEST_POSTGRES") or DEFAULT_SERVER


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _admin(url: str, sql: str) -> None:
    """Run one statement on its own connection, in a thread of its own (fixtures may be set up while a test's
    event loop runs)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _execute(url, sql)).result()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of this session's own database, dropped when the session ends."""
    server = server_url()
    name = f"claimdesk_test_{secrets.token_hex(4)}"
    try:
        _admin(server, f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        line = f"PostgreSQL tests: no usable server at {server} ({type(exc).__name__}: {exc}); set $CLAIMDESK_TEST_POSTGRES"
        if os.environ.get("CLAIMDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(line + " — $CLAIMDESK_REQUIRE_POSTGRES=1 makes this a failure", pytrace=False)
        pytest.skip(line)
    try:
        yield with_database(server, name)
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """The session's database with an empty schema `public` (whatever the test before left is gone)."""
    _admin(pg_database, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    return pg_database


@pytest.fixture
def pg_url_2(pg_database: str) -> Iterator[str]:
    """A second empty database beside `pg_url` (a clean run to compare with), dropped after the test."""
    name = urlsplit(pg_database).path.lstrip("/") + "_2"
    server = server_url()
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server, name)
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
