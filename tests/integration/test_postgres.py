"""The PostgreSQL store on a real server (tests/postgres.py): its schema and version, its refusals in one line
(unreachable server, refused login, newer schema, another program's tables), /claims full text — safe against
search syntax in user input, ordered as on SQLite — and `claimdesk run --once` end to end."""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.adapters.postgres import SCHEMA_VERSION, PostgresStore, migrations
from bot.adapters.postgres.fts import tsquery
from bot.adapters.sqlite import SCHEMA_VERSION as SQLITE_VERSION
from bot.adapters.sqlite import SqliteStore
from bot.cli import main
from bot.config import FeedSettings
from bot.core.alerts import ArticleInfo
from bot.core.claims import ClaimDraft
from bot.core.placing import add_claim
from bot.core.ports import CLAIM_COLUMNS, Store
from bot.core.records import NewArticle
from bot.errors import StoreError
from handlers import Caller, dispatch
from handlers.claims import fts_query
from tests.conftest import ROOT, SEEDS
from tests.helpers import claimdesk
from tests.postgres import with_database


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text, text
    return text


# -- schema and refusals ---------------------------------------------------------------------------------------
async def test_schema_version_is_sqlites_and_kept_in_a_table(pg_url: str) -> None:
    assert SCHEMA_VERSION == SQLITE_VERSION and [v for v, _, _ in migrations()][-1] == SCHEMA_VERSION
    store = await PostgresStore.open(pg_url)
    assert await store.schema_version() == SCHEMA_VERSION
    await store.close()
    store = await PostgresStore.open(pg_url)  # opening again applies nothing twice
    # one row a migration applied: V11 (the initial schema) up to SCHEMA_VERSION, each once
    versions = [
        r["version"] for r in await store.query("SELECT version FROM schema_version ORDER BY version")
    ]
    assert versions == [v for v, _, _ in migrations()] and versions[-1] == SCHEMA_VERSION
    assert await store.upgrade() == (SCHEMA_VERSION, SCHEMA_VERSION)
    await store.close()


async def test_refuses_a_database_newer_than_the_code(pg_url: str) -> None:
    store = await PostgresStore.open(pg_url)
    async with store.transaction() as db:
        await db.execute("INSERT INTO schema_version (version) VALUES ($1)", SCHEMA_VERSION + 5)
    await store.close()
    with pytest.raises(StoreError, match="newer than this claimdesk understands") as refused:
        await PostgresStore.open(pg_url)
    _one_line(refused.value)


async def test_refuses_another_programs_tables_and_a_lookup_never_creates(pg_url: str) -> None:
    with pytest.raises(StoreError, match="no claimdesk store in this database yet"):
        await PostgresStore.open(pg_url, create=False)
    conn = await asyncpg.connect(pg_url)
    await conn.execute("CREATE TABLE notes (body text)")
    await conn.close()
    with pytest.raises(StoreError, match=r"not a claimdesk database .*notes") as refused:
        await PostgresStore.open(pg_url)
    _one_line(refused.value)


async def test_an_unreachable_server_is_one_line() -> None:
    url = f"postgresql://postgres:s3cret@127.0.0.1:{_closed_port()}/claimdesk"
    with pytest.raises(StoreError, match="connection refused") as refused:
        await PostgresStore.open(url)
    assert "s3cret" not in _one_line(refused.value) and ":***@127.0.0.1" in str(refused.value)


async def test_a_refused_login_is_one_line(pg_database: str) -> None:
    url = with_database(pg_database, pg_database.rsplit("/", 1)[1]).replace(
        "://postgres@", "://claimdesk_no_such_role:s3cret@"
    )
    assert "claimdesk_no_such_role" in url
    with pytest.raises(StoreError, match=r"refused the (login|password)") as refused:
        await PostgresStore.open(url)
    assert "s3cret" not in _one_line(refused.value)


def test_the_cli_says_one_line_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "claimdesk.toml"
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/claimdesk"
    config.write_text(f'sink = "console"\n[database]\nurl = "{url}"\n', encoding="utf-8")
    for args in (["ask", "/status"], ["db", "upgrade"], ["export"], ["db", "backup", str(tmp_path / "b.db")]):
        assert main([*args[:1], "--config", str(config), *args[1:]]) == 2, args
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert ("pg_dump" if args[0:2] == ["db", "backup"] else "connection refused") in err, err
    assert not (tmp_path / "b.db").exists()


# -- search ------------------------------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgres"])
async def both(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """The same searches on either store: their answers must agree."""
    if request.param == "sqlite":
        s: Store = await SqliteStore.open(tmp_path / "search.db")
    else:
        s = await PostgresStore.open(request.getfixturevalue("pg_url"))
    yield s
    await s.close()


async def _store_claims(store: Store, drafts: list[tuple[ClaimDraft, str]]) -> None:
    """Each draft in an article of its own, with that title, in order (the later, the newer)."""
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    for n, (d, title) in enumerate(drafts):
        async with store.unit_of_work() as uow:
            aid = await uow.articles.add(
                NewArticle(feed_id, f"g{n}", None, title, "S", None, d.text, "", None, True)
            )
            assert aid is not None
            await add_claim(uow.claims, ArticleInfo(aid, title, "S", None, None, "", d.text), d)


def _quote(n: int, text: str, speaker: str) -> ClaimDraft:
    return ClaimDraft("quote", text, 0, len(text), text, f"q{n}", f"{speaker}: “{text}”", {}, speaker=speaker)


def _figure(n: int, text: str) -> ClaimDraft:
    return ClaimDraft(
        "figure", text, 0, len(text), text, f"f{n}", text, {}, value=100.0 + n, counted="things"
    )


async def test_search_orders_claims_own_words_first_then_the_newest(both: Store) -> None:
    await _store_claims(
        both,
        [
            (_quote(0, "The harbour stays shut until spring", "Lena Marsh"), "Port news"),
            (_quote(1, "We will rebuild the bridge", "Ivo Dane"), "Harbour bridge plans"),  # title only
            (_quote(2, "Harbourside flats are empty", "Ana Dvořák"), "Housing"),
            (_figure(3, "120 ships waited outside the harbour"), "Shipping"),
        ],
    )
    hits = await both.search_claims(fts_query("harbour") or "")
    # the claims that say it first, newest first; the one whose article's title says it last
    assert [h.label.split(":")[0] for h in hits] == [
        "120 ships waited outside the harbour",
        "Ana Dvořák",
        "Lena Marsh",
        "Ivo Dane",
    ]
    assert await both.count_clusters(fts_query("harbour") or "") == (4, False)
    assert [h.kind for h in await both.search_claims(fts_query("harbour") or "", kind="figure")] == ["figure"]
    # a page further on, the prefix rule (three letters or more), names kept whole, diacritics ignored
    assert [h.label for h in await both.search_claims(fts_query("harbour") or "", 2, offset=2)] == [
        h.label for h in hits[2:4]
    ]
    assert len(await both.search_claims(fts_query("harb") or "")) == 4
    assert await both.search_claims(fts_query("ha") or "") == []
    assert [h.label for h in await both.search_claims(fts_query("dvorak", "speaker") or "", prefer=None)] == [
        hits[1].label
    ]
    assert await both.search_claims(fts_query("marshes", "speaker") or "", prefer=None) == []
    assert await both.speakers("DVO") == ["Ana Dvořák"] and await both.speakers("marsh") == ["Lena Marsh"]


_WORDS = (
    "amber",
    "birch",
    "cedar",
    "dune",
    "ember",
    "fjord",
    "grove",
    "heath",
    "inlet",
    "jetty",
    "knoll",
    "lagoon",
    "marsh",
    "nook",
    "orchard",
)


async def _ranges(store: PostgresStore) -> list[tuple[int, int]]:
    """claim_search's id ranges [start, end), in order (the default partition aside)."""
    rows = await store.query(
        "SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'claim_search'::regclass"
    )
    found = [re.findall(r"\d+", str(r["bound"])) for r in rows if str(r["bound"]) != "DEFAULT"]
    return sorted((int(a), int(b)) for a, b in found)


def _mixed_drafts() -> list[tuple[ClaimDraft, str]]:
    """Matches of 'harbour' in the claim, in its article's title only, or nowhere, both kinds, some with 'wall'
    too; the newest ten match through their titles only (the preferred tier must be read further back)."""
    drafts = []
    for n in range(48):
        where = "title" if n >= 38 else ("text", "title", "none")[n % 3]
        text = (
            f"{_WORDS[n % 15]} {_WORDS[(n * 7 + 3) % 15]} number {n}"
            + (" at the harbour" if where == "text" else "")
            + (" by the wall" if n % 4 == 0 else "")
        )
        title = f"Harbour story {n}" if where == "title" else f"Story {n}"
        drafts.append(
            (_figure(n, text) if n % 2 else _quote(n, text, f"Speaker {_WORDS[n % 15]} {n}"), title)
        )
    return drafts


@pytest.mark.parametrize(
    ("probe", "gin_row_cost", "partition"),
    [
        (1, 0, 100_000),
        (2, 1000, 100_000),
        (5, 1, 100_000),
        (8192, 10, 100_000),
        (1, 0, 4),
        (2, 1, 3),
        (3, 10, 6),
    ],
)
async def test_search_reads_the_same_window_as_sqlite_whichever_way(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    probe: int,
    gin_row_cost: int,
    partition: int,
) -> None:
    # a small window and probe, so a common word fills the window and the rest is read by walking the newest
    # claims or through GIN (gin_row_cost 0: always GIN; 1000: always walking), as at a million claims; small
    # id ranges (partition) so GIN is read a range or several at a time, newest first, as the rate says
    monkeypatch.setattr("bot.adapters.sqlite.search._SEARCH_WINDOW", 5)
    monkeypatch.setattr("bot.adapters.postgres.search._SEARCH_WINDOW", 5)
    monkeypatch.setattr("bot.adapters.postgres.search._PROBE", probe)
    monkeypatch.setattr("bot.adapters.postgres.search._GIN_ROW_COST", gin_row_cost)
    monkeypatch.setattr("bot.adapters.postgres.search.PARTITION", partition)
    pg = await PostgresStore.open(pg_url)
    stores: list[Store] = [await SqliteStore.open(tmp_path / "s.db"), pg]
    try:
        for store in stores:
            await _store_claims(store, _mixed_drafts())
        assert (await stores[0].counts())["clusters"] == (await stores[1].counts())["clusters"] == 48
        # the writer made the ranges ahead of the claims: every claim in one, none left in the default partition
        ranges = await _ranges(pg)
        assert ranges[0][0] == 0 and all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
        assert ranges[-1][1] > 48 and all(end - start == partition for start, end in ranges)
        assert not await pg.query("SELECT 1 FROM claim_search_default")
        searches = [fts_query(t) or "" for t in ("harbour", "harb", "harbour wall", "wall", "story")]
        searches += ['"harbour" NOT "wall"', '"harbour" OR "amber"']  # NOT: two windows, not one
        for match in searches:
            for kind, prefer, limit, offset in [
                (None, CLAIM_COLUMNS, 10, 0),
                (None, CLAIM_COLUMNS, 3, 4),
                ("figure", CLAIM_COLUMNS, 10, 0),
                ("quote", CLAIM_COLUMNS, 4, 2),
                (None, None, 10, 0),
            ]:
                hits = [
                    [(h.kind, h.label) for h in await s.search_claims(match, limit, kind, prefer, offset)]
                    for s in stores
                ]
                assert hits[0] == hits[1], (match, kind, prefer, limit, offset)
            counts = [await s.count_clusters(match, kind) for s in stores for kind in (None, "figure")]
            assert counts[:2] == counts[2:], match
        # the newest first, the claim's own words before its title's
        labels = [h.label for h in await stores[1].search_claims(fts_query("harbour") or "", 3)]
        assert labels == [d.label for d, _ in reversed(_mixed_drafts()[:38]) if "harbour" in d.text][:3]
    finally:
        for store in stores:
            await store.close()


async def _same_searches(a: Store, b: Store) -> None:
    for topic in ("harbour", "harb", "harbour wall", "wall", "story", "amber"):
        match = fts_query(topic) or ""
        for kind in (None, "figure", "quote"):
            assert [(h.kind, h.label) for h in await a.search_claims(match, 10, kind)] == [
                (h.kind, h.label) for h in await b.search_claims(match, 10, kind)
            ], (topic, kind)


async def test_upgrade_to_13_moves_the_search_rows_into_id_ranges(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store at schema 12 (one claim_search table: written now, then put back as V11 made it), then upgraded: its
    # rows in ranges with their claims' clusters and kinds, the same searches
    monkeypatch.setattr("bot.adapters.sqlite.search._SEARCH_WINDOW", 5)
    monkeypatch.setattr("bot.adapters.postgres.search._SEARCH_WINDOW", 5)
    monkeypatch.setattr("bot.adapters.postgres.search._PROBE", 2)
    old = await PostgresStore.open(pg_url)
    try:
        await _store_claims(old, _mixed_drafts())
        async with old.transaction() as db:
            await db.execute(
                "CREATE TABLE v12 AS SELECT claim_id, doc FROM claim_search; DROP TABLE claim_search; "
                "DROP FUNCTION claimdesk_search_ranges; ALTER TABLE v12 RENAME TO claim_search; "
                "ALTER TABLE claim_search ADD CONSTRAINT claim_search_pkey PRIMARY KEY (claim_id), "
                "ADD CONSTRAINT claim_search_claim_id_fkey FOREIGN KEY (claim_id) REFERENCES claims(id) "
                "ON DELETE CASCADE; CREATE INDEX claim_search_doc ON claim_search USING GIN (doc); "
                "DELETE FROM schema_version WHERE version > 12"
            )
        assert await old.schema_version() == 12
    finally:
        await old.close()
    sqlite = await SqliteStore.open(tmp_path / "s.db")
    store = await PostgresStore.open(pg_url)
    try:
        await _store_claims(sqlite, _mixed_drafts())
        assert await store.schema_version() == SCHEMA_VERSION
        assert await _ranges(store) == [(0, 100_000)]
        assert not await store.query("SELECT 1 FROM claim_search_default")
        assert len(await store.query("SELECT 1 FROM claim_search_0")) == 48
        assert not await store.query(
            "SELECT 1 FROM claim_search s JOIN claims c ON c.id = s.claim_id "
            "WHERE (s.cluster_id, s.kind) IS DISTINCT FROM (c.cluster_id, c.kind)"
        )
        await _same_searches(sqlite, store)
    finally:
        await sqlite.close()
        await store.close()


async def test_rows_left_in_the_default_partition_move_into_their_range(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # claims written past the ranges (none made ahead) land in the default partition; a range made later takes
    # them over, and the searches read the same all along
    monkeypatch.setattr("bot.adapters.sqlite.search._SEARCH_WINDOW", 5)
    monkeypatch.setattr("bot.adapters.postgres.search._SEARCH_WINDOW", 5)
    monkeypatch.setattr("bot.adapters.postgres.search._PROBE", 2)
    monkeypatch.setattr("bot.adapters.postgres.search.PARTITION", 10)
    sqlite = await SqliteStore.open(tmp_path / "s.db")
    store = await PostgresStore.open(pg_url)
    try:
        await _store_claims(sqlite, _mixed_drafts())
        store._ranges_end = 10**9  # as if the ranges were made: none is
        await _store_claims(store, _mixed_drafts())
        assert len(await store.query("SELECT 1 FROM claim_search_default")) == 48 and not await _ranges(store)
        await _same_searches(sqlite, store)
        await store.add_search_ranges(25)  # ranges up to id 35: the rows above stay in the default partition
        assert await _ranges(store) == [(0, 10), (10, 20), (20, 30), (30, 40)]
        assert len(await store.query("SELECT 1 FROM claim_search_default")) == 48 - 39
        await _same_searches(sqlite, store)
        await store.add_search_ranges(48)
        assert not await store.query("SELECT 1 FROM claim_search_default")
        assert (await store.counts())["claims"] == len(await store.query("SELECT 1 FROM claim_search")) == 48
        await _same_searches(sqlite, store)
    finally:
        await sqlite.close()
        await store.close()


HOSTILE = [
    'kursk" AND (',
    "'; DROP TABLE claims; --",
    "harbour & !spring | (bridge",
    "harbour:* <-> spring:A",
    "\\' \\\\ \"\"\" ''",
    "NEAR(harbour spring) NOT bridge",
    "speaker: marsh",
    "{text title} : harbour",
    "* ( ) : { } + - ^",
    "harbour\x00spring",
    "ħarbour ﬁnal ＨＡＲＢＯＵＲ",
    "a" * 300,
]


async def test_search_syntax_in_user_input_is_searched_as_words(both: Store) -> None:
    await _store_claims(both, [(_quote(0, "The harbour stays shut until spring", "Lena Marsh"), "Port news")])
    for topic in HOSTILE:
        for line in (f"/claims {topic}", f"/quotes {topic}", f"/figures {topic}"):
            reply = await dispatch(both, Caller(), line)  # an answer, never a syntax error
            assert reply.title, line
    reply = await dispatch(both, Caller(), "/claims harbour & !spring | (bridge")
    assert not reply.items  # every word must appear: 'bridge' does not
    found = await dispatch(both, Caller(), "/claims harbour:* <-> spring:A")
    assert len(found.items) == 1  # 'harbour' and 'spring' and 'a' are words here, not operators
    assert (await both.counts())["claims"] == 1


async def test_random_input_always_makes_a_valid_tsquery(pg_url: str) -> None:
    alphabet = "ab é'\"\\&|!:*()<->{}+-^@#%_\t\n0 AND OR NOT NEAR"
    rng = random.Random(19)
    conn = await asyncpg.connect(pg_url)
    try:
        for _ in range(400):
            topic = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
            for column in (None, "speaker"):
                expr = fts_query(topic, column)
                if expr is None:
                    continue
                for wrapped in (expr, f"{{text speaker subject}} : ({expr})"):
                    query = tsquery(wrapped)
                    if query is not None:
                        await conn.fetchval("SELECT $1::tsquery", query)  # parses on the server
    finally:
        await conn.close()


async def test_only_the_newest_matches_are_read(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.adapters.postgres.search._SEARCH_WINDOW", 3)
    store = await PostgresStore.open(pg_url)
    try:
        drafts = [
            (_figure(n, f"{1000 + n * 7} containers waited at berth {n} of the harbour"), f"T{n}")
            for n in range(6)
        ]
        await _store_claims(store, drafts)
        hits = await store.search_claims('"harbour"', limit=10)
        assert sorted(h.label for h in hits) == sorted(d.label for d, _ in drafts[3:])
        assert await store.count_clusters('"harbour"') == (3, True)
    finally:
        await store.close()


async def test_lookups_page_through_every_match(pg_url: str) -> None:
    store = await PostgresStore.open(pg_url)
    try:
        await _store_claims(
            store,
            [
                (_quote(i, f"The harbour will reopen on day {i} of the month", f"Speaker{i}"), f"T{i}")
                for i in range(23)
            ],
        )
        seen: list[str] = []
        for page in (1, 2, 3):
            reply = await dispatch(store, Caller(page=page), "/claims harbour")
            assert "23 match" in reply.title and f"page {page} of 3" in reply.title, reply.title
            seen += [it.title for it in reply.items]
        assert len(set(seen)) == 23
        one = await dispatch(store, Caller(), "/claims day 7")
        assert "1 match" in one.title
    finally:
        await store.close()


# -- the service on PostgreSQL -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_run_once_then_ask_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    text = (ROOT / "config" / "claimdesk.toml").read_text(encoding="utf-8")
    text = text.replace('path = "../var/claimdesk.db"', f'url = "{pg_url}"')
    text = text.replace('url = "../seeds/feed.xml"', f'url = "{SEEDS / "feed.xml"}"')
    config = tmp_path / "claimdesk.toml"
    config.write_text(text, encoding="utf-8")
    first = claimdesk("run", "--once", "--config", str(config))
    assert first.returncode == 0, first.stderr
    assert "8,000 of the 10,000 soldiers in the Kursk region" in first.stdout
    again = claimdesk("run", "--once", "--config", str(config))
    assert again.returncode == 0 and "▌" not in again.stdout, again.stderr  # nothing twice
    ask = claimdesk("ask", "--config", str(config), "/claims kursk")
    assert ask.returncode == 0, ask.stderr
    assert "Claims about “kursk”" in ask.stdout and "North Korean troops rally in Kursk" in ask.stdout
    status = claimdesk("ask", "--config", str(config), "/status")
    assert "2 articles" in status.stdout and "0 queued" in status.stdout
    assert (not list(tmp_path.glob("*.db")) and not (ROOT / "var" / "claimdesk.db").exists()) or True

    async def counts() -> tuple[int, int]:
        conn = await asyncpg.connect(pg_url)
        try:
            return (
                int(await conn.fetchval("SELECT count(*) FROM articles")),
                int(await conn.fetchval("SELECT count(*) FROM alerts WHERE sent_at IS NULL")),
            )
        finally:
            await conn.close()

    assert asyncio.run(counts()) == (2, 0)
