"""`claimdesk export`: every stored claim as one JSON line, on a real store built by the real command from the seeds
(and one imported article whose quote runs over two paragraphs)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.sqlite import SqliteStore
from bot.cli import parse_since
from bot.errors import UserError
from tests.conftest import ROOT, SEEDS
from tests.helpers import claimdesk

KEYS = [
    "claim_id",
    "article",
    "kind",
    "text",
    "start",
    "end",
    "parts",
    "direct",
    "speaker",
    "value",
    "low",
    "high",
    "unit",
    "counted",
    "subject",
    "measure",
    "event",
    "period",
    "status",
    "cluster_id",
    "cluster_first_claim_id",
    "stored_at",
]
ARTICLE_KEYS = ["id", "feed", "guid", "link", "title", "source", "published", "alerted"]

# a quote that runs on into a second paragraph: one statement of two parts, joined by a space in its text
RUNNING_QUOTE = """Harbour stays shut

Port director Selma Oriach spoke on Monday.

“The harbour will stay closed this week and the ferries will wait in Kelso for now.

“We will tell the ferry companies as soon as the pier is safe again,” Oriach said.
"""


def write_config(folder: Path, database: Path) -> Path:
    path = folder / "claimdesk.toml"
    path.write_text(
        f'sink = "console"\n[database]\npath = "{database}"\n'
        f'[[feeds]]\nname = "seeds"\nurl = "{SEEDS / "feed.xml"}"\nbackfill = 10\nmax_age_hours = 0\n'
        '[[teams]]\nname = "desk"\nchannel = "console"\nkeywords = ["kursk", "north korea"]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two seed articles polled by `claimdesk run --once`, then one text file by `claimdesk ingest`."""
    folder = tmp_path_factory.mktemp("export-store")
    config = write_config(folder, folder / "store.db")
    run = claimdesk("run", "--once", "--config", str(config))
    assert run.returncode == 0, run.stderr
    article = folder / "harbour.txt"
    article.write_text(RUNNING_QUOTE, encoding="utf-8")
    ingest = claimdesk("ingest", "--config", str(config), str(article))
    assert ingest.returncode == 0, ingest.stderr
    return folder / "store.db"


@pytest.fixture
def store_copy(store_file: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the module's store (SQLite backup API) that a test may change."""
    copy = tmp_path / "copy.db"
    src, dst = sqlite3.connect(store_file), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    yield copy


def rows(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute(sql, params))
    finally:
        con.close()


def export_lines(config: Path, *args: str) -> list[dict[str, object]]:
    r = claimdesk("export", "--config", str(config), *args)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.mark.slow
def test_every_claim_once_with_its_article_and_cluster(store_file: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, store_file)
    r = claimdesk("export", "--config", str(config))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    claims = {int(c["id"]): c for c in rows(store_file, "SELECT * FROM claims")}
    articles = {int(a["id"]): a for a in rows(store_file, "SELECT * FROM articles")}
    feeds = {int(f["id"]): f for f in rows(store_file, "SELECT * FROM feeds")}
    assert len(claims) >= 30 and len(articles) == 3
    out = [json.loads(line) for line in lines]
    assert [o["claim_id"] for o in out] == sorted(claims)  # each claim once, in claim id order

    first_of = {}
    for c in sorted(claims.values(), key=lambda c: int(c["id"])):
        first_of.setdefault(c["cluster_id"], c["id"])
    for o in out:
        assert list(o) == KEYS
        assert list(o["article"]) == ARTICLE_KEYS
        c = claims[o["claim_id"]]
        a = articles[c["article_id"]]
        f = feeds[a["feed_id"]]
        data = json.loads(c["data"])
        assert o["article"] == {
            "id": a["id"],
            "feed": {"name": f["name"], "url": f["url"]},
            "guid": a["entry_key"].removeprefix("guid:") if a["entry_key"].startswith("guid:") else None,
            "link": a["url"],
            "title": a["title"],
            "source": a["source"],
            "published": a["published_at"],
            "alerted": bool(a["alerted"]),
        }
        assert (o["kind"], o["text"], o["start"], o["end"], o["speaker"]) == (
            c["kind"],
            c["text"],
            c["start_offset"],
            c["end_offset"],
            c["speaker"],
        )
        assert (o["value"], o["low"], o["high"], o["unit"], o["counted"], o["subject"]) == (
            c["value"],
            c["low"],
            c["high"],
            c["unit"],
            c["counted"],
            c["subject"],
        )
        assert o["direct"] == (None if c["direct"] is None else bool(c["direct"]))
        assert (o["measure"], o["event"], o["period"]) == (
            data.get("measure"),
            data.get("event"),
            data.get("period"),
        )
        assert (o["status"], o["cluster_id"], o["stored_at"]) == (
            c["status"],
            c["cluster_id"],
            a["stored_at"],
        )
        assert o["cluster_first_claim_id"] == first_of[c["cluster_id"]]
        # the first claim founded its cluster ("new"); every later one joined it
        assert (o["status"] == "new") == (o["claim_id"] == o["cluster_first_claim_id"])

    # the seeds: the second outlet repeats the first's statements, so clusters span articles
    article_of = {o["claim_id"]: o["article"]["id"] for o in out}
    across = [o for o in out if article_of[o["cluster_first_claim_id"]] != o["article"]["id"]]
    assert across and {o["article"]["id"] for o in across} == {2}
    assert "corroborated" in {o["status"] for o in across}
    seed_feed = {"name": "seeds", "url": str(SEEDS / "feed.xml")}
    seeds = {o["article"]["guid"] for o in out if o["article"]["feed"] == seed_feed}
    assert seeds == {"claimdesk-seed-000-dfc381a07cc688fc", "claimdesk-seed-003-8b8a93bd28dc7ebf"}
    assert {o["article"]["published"] for o in out if o["article"]["id"] == 1} == {
        "2024-11-02T09:30:00+00:00"
    }
    imported = [o for o in out if o["article"]["feed"]["url"] == "import:files"]
    assert imported and all(
        o["article"]["guid"] is None and o["article"]["published"] is None for o in imported
    )
    kursk = [o for o in out if o["kind"] == "figure" and o["text"] == "about 8,000 of the 10,000"]
    assert len(kursk) == 1 and kursk[0]["value"] == 8000 and isinstance(kursk[0]["value"], int)
    assert kursk[0]["measure"] == "soldiers" and kursk[0]["event"] == "sent"
    assert all(o["measure"] for o in out if o["kind"] == "figure")
    assert all(o[k] is None for o in out if o["kind"] == "quote" for k in ("value", "measure", "event"))
    assert all(isinstance(o["direct"], bool) and o["speaker"] for o in out if o["kind"] == "quote")
    # UTF-8 as is, not \u escapes
    assert "it’s also important to learn what North Korea might gain" in r.stdout
    assert "\\u2019" not in r.stdout


@pytest.mark.slow
def test_offsets_point_at_the_text_in_the_stored_body(store_file: Path, tmp_path: Path) -> None:
    out = export_lines(write_config(tmp_path, store_file), "--bodies")
    bodies = {int(a["id"]): a for a in rows(store_file, "SELECT id, body, summary FROM articles")}
    multi = 0
    for o in out:
        article = o["article"]
        assert isinstance(article, dict) and list(article) == [*ARTICLE_KEYS, "body", "summary"]
        stored = bodies[article["id"]]
        assert (article["body"], article["summary"]) == (stored["body"], stored["summary"])
        body, start, end = stored["body"], o["start"], o["end"]
        assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(body)
        if o["kind"] == "figure":
            assert o["parts"] is None and body[start:end] == o["text"]
            continue
        parts = o["parts"]
        assert isinstance(parts, list) and parts[0][0] == start and parts[-1][1] == end
        if len(parts) == 1:
            assert body[start:end] == o["text"]
        else:  # a quote of several parts: its text is the parts, joined by a space (or " … " where a cue stood)
            multi += 1
            assert body[start:end] != o["text"]
            assert o["text"] in {sep.join(body[a:b] for a, b in parts) for sep in (" ", " … ")}
    assert multi == 1  # the imported article's quote that runs over two paragraphs
    running = next(o for o in out if o["parts"] and len(o["parts"]) > 1)
    assert running["text"] == (
        "The harbour will stay closed this week and the ferries will wait in Kelso for now. "
        "We will tell the ferry companies as soon as the pier is safe again"
    )
    assert running["speaker"] == "Selma Oriach" and running["article"]["source"] == "file harbour.txt"


@pytest.mark.slow
def test_since_keeps_the_claims_stored_since_then(store_copy: Path, tmp_path: Path) -> None:
    con = sqlite3.connect(store_copy)
    con.execute("UPDATE articles SET stored_at = '2024-11-02T10:00:00+00:00' WHERE id = 1")
    con.execute("UPDATE articles SET stored_at = '2024-11-03T10:00:00+00:00' WHERE id = 2")
    con.commit()
    con.close()
    by_article: dict[int, list[int]] = {}
    for r in rows(store_copy, "SELECT id, article_id FROM claims ORDER BY id"):
        by_article.setdefault(r["article_id"], []).append(r["id"])
    config = write_config(tmp_path, store_copy)

    def ids(since: str) -> list[object]:
        return [o["claim_id"] for o in export_lines(config, "--since", since)]

    everything = sorted(by_article[1] + by_article[2] + by_article[3])
    later = sorted(by_article[2] + by_article[3])
    assert ids("2024-11-01") == everything
    assert ids("2024-11-03") == later
    assert ids("2024-11-03T10:00:00Z") == later  # stored at that very second: included
    assert ids("2024-11-03T11:30+02:00") == later  # 09:30 UTC
    assert ids("2024-11-03T12:30+02:00") == by_article[3]  # 10:30 UTC
    assert ids("1h") == ids("30m") == by_article[3]  # the ingested article was stored a moment ago
    assert ids("2999-01-01") == []


@pytest.mark.slow
@pytest.mark.parametrize("since", ["yesterday", "24x", "2024-13-01", "", "999999999d"])
def test_a_bad_since_is_one_line_and_exit_2(store_file: Path, tmp_path: Path, since: str) -> None:
    r = claimdesk("export", "--config", str(write_config(tmp_path, store_file)), "--since", since)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith(f"claimdesk: export: --since {since!r}: expected an ISO date")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


@pytest.mark.slow
def test_a_missing_store_is_refused_as_every_lookup_refuses_it_and_not_created(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "nowhere.db")
    export = claimdesk("export", "--config", str(config))
    ask = claimdesk("ask", "--config", str(config), "/status")
    assert export.returncode == 2 and export.stdout == ""
    assert export.stderr == ask.stderr and "no database here" in export.stderr
    assert export.stderr.count("\n") == 1
    assert not (tmp_path / "nowhere.db").exists()


@pytest.mark.slow
def test_an_empty_store_exports_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "empty.db")
    assert claimdesk("db", "upgrade", "--config", str(config)).returncode == 0
    r = claimdesk("export", "--config", str(config), "--format", "jsonl")
    assert r.returncode == 0 and r.stdout == "", r.stderr


@pytest.mark.slow
def test_output_to_a_file(store_file: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, store_file)
    stdout = claimdesk("export", "--config", str(config)).stdout
    target = tmp_path / "out" / "claims.jsonl"
    target.parent.mkdir()
    target.write_text("an older export\n", encoding="utf-8")
    r = claimdesk("export", "--config", str(config), "--output", str(target))
    assert r.returncode == 0 and r.stdout == "", r.stderr
    # replaced, not appended to
    assert target.read_bytes() == stdout.encode("utf-8") and stdout.count("\n") >= 30
    assert [p.name for p in target.parent.iterdir()] == ["claims.jsonl"]  # nothing left beside it
    folder = claimdesk("export", "--config", str(config), "-o", str(target.parent))
    assert (
        folder.returncode == 2
        and folder.stderr == f"claimdesk: export: {target.parent}: is a folder, not a file\n"
    )
    nowhere = tmp_path / "missing" / "claims.jsonl"
    r = claimdesk("export", "--config", str(config), "-o", str(nowhere))
    assert r.returncode == 2 and r.stderr == f"claimdesk: export: {nowhere}: no such file or folder\n"
    assert not nowhere.parent.exists()


@pytest.mark.slow
def test_a_reader_that_stops_early_is_not_an_error(store_file: Path, tmp_path: Path) -> None:
    """`claimdesk export --bodies | head -1`: more than a pipe holds, and the reader goes after one line."""
    config = write_config(tmp_path, store_file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "export", "--bodies", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = json.loads(proc.stdout.readline())
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert first["claim_id"] == 1 and "Traceback" not in err and "Broken pipe" not in err


@pytest.mark.slow
def test_a_lookup_whose_reader_is_gone_is_not_an_error(store_file: Path, tmp_path: Path) -> None:
    """`claimdesk ask "/claims kursk" | head -1`, the reader gone before the answer is written: no traceback."""
    config = write_config(tmp_path, store_file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--config", str(config), "/claims kursk"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "Broken pipe" not in err


async def test_pages_join_up_without_gaps_or_repeats(store_copy: Path) -> None:
    con = sqlite3.connect(store_copy)
    con.execute("UPDATE articles SET stored_at = '2024-11-02T10:00:00+00:00' WHERE id = 2")
    con.commit()
    con.close()
    store = await SqliteStore.open(store_copy, create=False, lookup=True)
    try:
        whole = [c async for c in store.export_claims()]
        for page in (1, 2, 7):
            assert [c async for c in store.export_claims(page=page)] == whole
        recent = [c for c in whole if c.article_id != 2]
        assert 0 < len(recent) < len(whole)
        for page in (1, 3):
            assert [c async for c in store.export_claims("2024-11-03T00:00:00+00:00", page=page)] == recent
        assert all(c.body is None for c in whole)
        assert all(c.body for c in [c async for c in store.export_claims(bodies=True, page=5)])
    finally:
        await store.close()


def test_since_reads_dates_times_zones_and_ages() -> None:
    now = datetime(2024, 11, 2, 9, 30, 15, 500_000, tzinfo=UTC)
    assert parse_since("2024-11-02") == "2024-11-02T00:00:00+00:00"
    assert parse_since("2024-11-02T09:30") == "2024-11-02T09:30:00+00:00"
    assert parse_since("2024-11-02T09:30:00Z") == "2024-11-02T09:30:00+00:00"
    assert parse_since(" 2024-11-02T11:30+02:00 ") == "2024-11-02T09:30:00+00:00"
    assert parse_since("24h", now) == "2024-11-01T09:30:15+00:00"
    assert parse_since("7d", now) == "2024-10-26T09:30:15+00:00"
    assert parse_since("2w", now) == "2024-10-19T09:30:15+00:00"
    assert parse_since("30m", now) == parse_since("30min", now) == "2024-11-02T09:00:15+00:00"
    for bad in ("yesterday", "7 days", "-1d", "24x", "2024-11-31", "99999999d"):
        with pytest.raises(UserError, match="expected an ISO date"):
            parse_since(bad, now)
