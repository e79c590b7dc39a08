"""`claimdesk db copy FROM TO` (bot.adapters.copying) on real SQLite files and the real PostgreSQL server
(tests/postgres.py): a store filled by `claimdesk run --once` makes the round trip SQLite → PostgreSQL → SQLite
with every row, the search index rebuilt, the same `export` and the same /claims answers; a copy interrupted after
some batches resumes when run again and ends with matching counts and no row twice; and the refusals (same
database, another schema version, another store's rows, an unreachable server), each one line and exit 2."""

from __future__ import annotations

import asyncio
import io
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.adapters.copying import SEARCH, copy_store
from bot.adapters.postgres import PostgresStore
from bot.adapters.sqlite import SqliteStore, migrations
from bot.cli import main
from bot.config import FeedSettings
from bot.errors import StoreError
from tests.conftest import SEEDS
from tests.helpers import claimdesk, harbour_store

TEAMS = '[[teams]]\nname = "desk"\nchannel = "console"\nkeywords = ["kursk", "north korea"]\n'
LOOKUPS = ["/claims kursk", "/quotes Austin", "/figures soldiers", "/claims north korea", "/claims troops"]


def _config(folder: Path, name: str, database: str) -> Path:
    where = f'url = "{database}"' if database.startswith("postgresql://") else f'path = "{database}"'
    path = folder / f"{name}.toml"
    path.write_text(f'sink = "console"\n[database]\n{where}\n{TEAMS}', encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (the search table's text too), in key order."""
    con = sqlite3.connect(db)
    try:
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not r[0].startswith(("sqlite_", f"{SEARCH}_"))
        ]
        out = {n: list(con.execute(f"SELECT * FROM {n} ORDER BY 1, 2")) for n in names if n != SEARCH}
        out[SEARCH] = list(con.execute(f"SELECT rowid, * FROM {SEARCH} ORDER BY rowid"))
        return out
    finally:
        con.close()


def _one_line(err: str) -> str:
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed feed polled once by the real service (`claimdesk run --once`): articles, claims, clusters, quote
    vectors, alerts and deliveries."""
    folder = tmp_path_factory.mktemp("copy-seeded")
    config = folder / "seeded.toml"
    config.write_text(
        f'sink = "console"\n[database]\npath = "{folder / "a.db"}"\n'
        f'[[feeds]]\nname = "seeds"\nurl = "{SEEDS / "feed.xml"}"\nbackfill = 10\nmax_age_hours = 0\n{TEAMS}',
        encoding="utf-8",
    )
    run = claimdesk("run", "--once", "--config", str(config))
    assert run.returncode == 0, run.stderr
    return folder / "a.db"


@pytest.mark.slow
def test_sqlite_to_postgresql_and_back_keeps_every_row_export_and_answers(
    seeded: Path, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    back = tmp_path / "back.db"
    code, out, err = _run(capsys, "db", "copy", str(seeded), pg_url)
    assert code == 0, err
    assert "every count matches" in out and f"{SEARCH} " in out, out
    code, out, err = _run(capsys, "db", "copy", pg_url, str(back))
    assert code == 0, err
    assert "every count matches" in out, out

    before, after = _rows(seeded), _rows(back)
    assert set(before) == set(after)
    for table in before:  # every row, ids and all; the search rows rebuilt word for word
        assert after[table] == before[table], table
    assert len(before["claims"]) >= 30 and len(before[SEARCH]) == len(before["claims"])
    assert before["quote_vectors"] and before["deliveries"] and before["cluster_index"]

    configs = {
        "sqlite": _config(tmp_path, "a", str(seeded)),
        "postgres": _config(tmp_path, "pg", pg_url),
        "back": _config(tmp_path, "back", str(back)),
    }
    exports = {}
    for name, config in configs.items():
        code, exports[name], err = _run(capsys, "export", "--bodies", "--config", str(config))
        assert code == 0, err
    assert len(exports["sqlite"].splitlines()) == len(before["claims"])
    assert exports["postgres"] == exports["sqlite"] and exports["back"] == exports["sqlite"]
    for line in LOOKUPS:
        answers = {}
        for name, config in configs.items():
            code, answers[name], err = _run(capsys, "ask", "--config", str(config), line)
            assert code == 0, err
        assert answers["postgres"] == answers["sqlite"] and answers["back"] == answers["sqlite"], line
        assert "match" in answers["sqlite"], answers["sqlite"]

    async def next_ids() -> tuple[int, int]:
        """The server's sequences were set past the copied ids: a new feed gets a new id."""
        store = await PostgresStore.open(pg_url)
        try:
            new = await store.ensure_feed(FeedSettings("new", "/tmp/new.xml", 60, 0))
            return new, max(
                int(r["id"]) for r in await store.query("SELECT id FROM feeds WHERE id <> $1", new)
            )
        finally:
            await store.close()

    new, largest = asyncio.run(next_ids())
    assert new == largest + 1


class Interrupted(Exception):
    pass


def _stop_after(table: str, batches: int, error: type[Exception] = Interrupted) -> Callable[[str, int], None]:
    def after_batch(name: str, n: int) -> None:
        if name == table and n == batches:
            raise error(f"{name}: stopped after {n} batches")

    return after_batch


async def _counts(db: str | Path) -> dict[str, int]:
    if isinstance(db, Path):
        con = sqlite3.connect(db)
        try:
            return {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "claims", SEARCH)
            }
        finally:
            con.close()
    conn = await asyncpg.connect(db)
    try:
        return {
            t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in ("articles", "claims", SEARCH)
        }
    finally:
        await conn.close()


async def test_an_interrupted_copy_resumes_in_both_directions(pg_url: str, tmp_path: Path) -> None:
    source, back = tmp_path / "many.db", tmp_path / "back.db"
    await harbour_store(source, 30)
    full = await _counts(source)
    assert full == {"articles": 30, "claims": 30, SEARCH: 30}

    # SQLite → PostgreSQL, stopped in the middle of the claims: what was committed stays, nothing twice
    with pytest.raises(Interrupted):
        await copy_store(str(source), pg_url, io.StringIO(), batch=4, after_batch=_stop_after("claims", 3))
    partial = await _counts(pg_url)
    assert partial["articles"] == 30 and partial["claims"] == 12 and partial[SEARCH] == 0
    out = io.StringIO()
    assert await copy_store(str(source), pg_url, out, batch=4)
    assert "earlier copy of this source" in out.getvalue() and "every count matches" in out.getvalue()
    assert await _counts(pg_url) == full

    # PostgreSQL → SQLite, stopped while the search rows are rebuilt (a lost connection: one line)
    with pytest.raises(StoreError, match=r"the copy stopped \(.*\).*run the same command again") as stopped:
        await copy_store(
            pg_url, str(back), io.StringIO(), batch=4, after_batch=_stop_after(SEARCH, 2, OSError)
        )
    assert "\n" not in str(stopped.value)
    assert await _counts(back) == {"articles": 30, "claims": 30, SEARCH: 8}
    assert await copy_store(pg_url, str(back), io.StringIO(), batch=4)
    # a finished copy run again: nothing to do
    assert await copy_store(pg_url, str(back), io.StringIO(), batch=4)
    copied, original = _rows(back), _rows(source)
    assert [r[0] for r in copied.pop(SEARCH)] == [r[0] for r in original.pop(SEARCH)]
    assert copied == original  # (these hand-made quotes are not direct: "said" where the original says ":")

    store = await SqliteStore.open(back)  # the rebuilt index answers as the first did
    try:
        assert len(await store.search_claims('"harbour"', limit=50)) == 30
    finally:
        await store.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _older_store(path: Path) -> None:
    """A SQLite store one schema version behind this claimdesk's."""
    con = sqlite3.connect(path)
    try:
        *older, _ = migrations()
        for _, _, sql in older:
            con.executescript(sql)
        con.execute(f"PRAGMA user_version = {older[-1][0]}")
        con.commit()
    finally:
        con.close()


async def _store_with_a_feed(database: str | Path) -> None:
    store = (
        await PostgresStore.open(database) if isinstance(database, str) else await SqliteStore.open(database)
    )
    try:
        await store.ensure_feed(FeedSettings("other", "/tmp/other.xml", 60, 0))
    finally:
        await store.close()


def test_refusals_are_one_line_and_exit_2(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "a.db"
    asyncio.run(harbour_store(source, 3))

    def refused(*args: str) -> str:
        code, out, err = _run(capsys, "db", "copy", *args)
        assert code == 2, (out, err)
        return _one_line(err)

    # the same database: one file, or one server database under two spellings of its URL
    assert "are the same database" in refused(str(source), str(source))
    assert "are the same database" in refused(str(source), str(tmp_path / "." / "a.db"))
    parts = urlsplit(pg_url)
    assert "are the same database" in refused(pg_url, pg_url.replace(f":{parts.port}/", "/"))
    asyncio.run(_store_with_a_feed(pg_url))
    assert "are the same database" in refused(
        pg_url, f"postgresql://{parts.path}?host=127.0.0.1&port={parts.port}&user=postgres"
    )

    # another store's rows: a store of its own on the server, a SQLite store of its own; both left as they were
    assert "holds another store's rows (feeds)" in refused(str(source), pg_url)
    other = tmp_path / "other.db"
    asyncio.run(_store_with_a_feed(other))
    assert "holds another store's rows (feeds)" in refused(str(source), str(other))
    assert asyncio.run(_counts(other))["articles"] == 0

    # another schema version, either way round
    older = tmp_path / "older.db"
    _older_store(older)
    assert "upgrade the older one first" in refused(str(source), str(older))
    assert "upgrade it first" in refused(str(older), str(tmp_path / "new.db"))
    assert not (tmp_path / "new.db").exists()

    # an unreachable server, its password never shown; a source that is no store
    line = refused(str(source), f"postgresql://postgres:s3cret@127.0.0.1:{_closed_port()}/claimdesk")
    assert "connection refused" in line and "s3cret" not in line
    assert "no database here" in refused(str(tmp_path / "missing.db"), str(tmp_path / "x.db"))
    assert not (tmp_path / "x.db").exists()

    # a store with its schema and nothing else (`claimdesk db upgrade` made it) is a fine target
    empty = tmp_path / "empty.db"
    assert _run(capsys, "db", "upgrade", "--config", str(_config(tmp_path, "empty", str(empty))))[0] == 0
    code, out, err = _run(capsys, "db", "copy", str(source), str(empty))
    assert code == 0 and "every count matches" in out, (out, err)
