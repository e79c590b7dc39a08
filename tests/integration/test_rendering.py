"""What people read (issue 20): reported speech is never shown in quotation marks, every payload says whether a
quote is direct, lookups find a speaker by any spelling of the name, and mentions in feed text ping no one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord_embeds import alert_embed
from bot.core.render import alert_line, render_alert, render_digest
from handlers import Caller, dispatch
from tests.conftest import ROOT, SEEDS, AppFactory, RecordingSink
from tests.helpers import harbour_store

AUSTIN = "Russia is averaging a loss of 1,200 troops every day"
ZELENSKY = "We see all the places where Russia gathers North Korean soldiers"


def _quote_alert(text: str, speaker: str, direct: bool | None) -> dict[str, Any]:
    claim = {"kind": "quote", "text": text, "label": f"{speaker}: “{text}”", "speaker": speaker}
    if direct is not None:
        claim["direct"] = direct
    return {
        "kind": "new_quote",
        "team": "desk",
        "channel": "console",
        "article": {"id": 1, "title": "Austin on losses", "source": "Wire", "url": None, "published": None},
        "claim": claim,
        "why": "article matches your keyword “kursk”",
    }


def test_reported_speech_has_no_quotation_marks_anywhere_it_is_shown() -> None:
    indirect = _quote_alert(AUSTIN, "Lloyd Austin", False)
    direct = _quote_alert(ZELENSKY, "Volodymyr Zelensky", True)
    digest = {
        "kind": "digest",
        "team": "desk",
        "channel": "console",
        "count": 2,
        "alerts": [indirect, direct],
    }
    console, line, embed = render_alert(indirect), alert_line(indirect), alert_embed(indirect)["description"]
    for shown in (console, line, embed, render_digest(digest)):
        assert f"Lloyd Austin said {AUSTIN}" in " ".join(shown.replace("*", "").split()), shown
        assert f"“{AUSTIN[:20]}" not in shown
    # a direct quote keeps its quotation marks, and an old payload without `direct` is shown as before
    assert f"“{ZELENSKY}" in render_alert(direct) and f"“{ZELENSKY}" in alert_embed(direct)["description"]
    assert f"“{ZELENSKY}" in render_alert(_quote_alert(ZELENSKY, "Volodymyr Zelensky", None))


async def test_every_quote_payload_says_whether_it_is_direct_and_lookups_show_reported_speech(
    write_config: Callable[..., Path], make_app: AppFactory, sink: RecordingSink
) -> None:
    app = await make_app(write_config(), sink)
    for feed in app.settings.feeds:
        await app.service.poll(feed)
    await app.service.deliver_pending()
    quotes = [p["claim"] for p in sink.sent if (p.get("claim") or {}).get("kind") == "quote"]
    quotes += [
        a["claim"]
        for p in sink.sent
        for a in p.get("alerts") or []
        if (a.get("claim") or {}).get("kind") == "quote"
    ]
    assert quotes and all(isinstance(q.get("direct"), bool) for q in quotes), quotes
    assert any(q["direct"] is False for q in quotes) and any(q["direct"] is True for q in quotes)
    reported = next(q for q in quotes if q["direct"] is False)
    for line in ("/quotes austin", "/claims austin"):
        reply = await dispatch(app.store, Caller(team="desk"), line)
        titles = [item.title for item in reply.items]
        mine = [t for t in titles if reported["text"][:30] in t]
        assert mine, titles
        assert all("said" in t and "“" not in t.split("said", 1)[1][:3] for t in mine), mine


@pytest.mark.slow
def test_the_json_lines_sink_carries_direct_on_every_quote(tmp_path: Path) -> None:
    config = tmp_path / "claimdesk.toml"
    config.write_text(
        f'sink = "jsonl"\n[database]\npath = "claimdesk.db"\n[jsonl]\npath = "alerts.jsonl"\n'
        f'[[feeds]]\nname = "seeds"\nurl = "{SEEDS / "feed.xml"}"\nbackfill = 10\nmax_age_hours = 0\n'
        '[[teams]]\nname = "desk"\nkeywords = ["kursk"]\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    r = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    payloads = [json.loads(line)["payload"] for line in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    claims = [p["claim"] for p in payloads if p.get("claim")]
    claims += [a["claim"] for p in payloads for a in p.get("alerts") or [] if a.get("claim")]
    quotes = [c for c in claims if c["kind"] == "quote"]
    assert quotes and all(isinstance(c.get("direct"), bool) for c in quotes)


# -- item 13: a speaker by any spelling of the name ------------------------------------------------------------
def test_spelling_variants_of_a_transliterated_name() -> None:
    from bot.core.names import spelling_variants
    from handlers.claims import fts_query

    family = {"zelensky", "zelenskyy", "zelenskiy", "zelenskii", "zelenski", "zelenskij", "zelenskyi"}
    for typed in ("Zelenskyy", "zelensky", "ZELENSKIY", "Zelenskii"):
        assert set(spelling_variants(typed)) == family, typed
    assert set(spelling_variants("Oleksii")) >= {"oleksiy", "oleksii", "oleksij"}
    assert spelling_variants("Austin") == ("austin",) and spelling_variants("navy") == ("navy",)
    query = fts_query("zelenskyy", "speaker")
    assert query is not None and '"zelensky"*' in query and " OR " in query


async def test_quotes_and_claims_find_a_speaker_by_any_spelling(
    write_config: Callable[..., Path], make_app: AppFactory, sink: RecordingSink
) -> None:
    app = await make_app(write_config(), sink)
    for feed in app.settings.feeds:
        await app.service.poll(feed)
    for line in (
        "/quotes zelenskyy",
        "/quotes Zelenskiy",
        "/claims zelenskyy",
        "/quotes volodymyr zelenskyy",
    ):
        reply = await dispatch(app.store, Caller(team="desk"), line)
        assert reply.items and not reply.error, (line, reply.title)
        assert any("Volodymyr Zelensky" in it.title for it in reply.items), (line, reply.items)
    assert not (await dispatch(app.store, Caller(team="desk"), "/quotes zelenska")).items  # his wife, not him


# -- item 14: mentions in feed text ping no one, whatever the sink ----------------------------------------------
HOSTILE_TITLE = "@everyone Kursk update <@&123456789012345678>"
HOSTILE_BODY = (
    "@here Mayor Jane Holt said on Monday that 40 cranes will return to the Kursk port, <@987654321098765432> "
    "and <@!111111111111111111> were told. “We will reopen the Kursk harbour by Friday, @everyone,” Holt said."
)


def test_mentions_are_neutralised_with_a_zero_width_joiner() -> None:
    from bot.core.render import neutralise_mentions

    payload = {"title": HOSTILE_TITLE, "list": [HOSTILE_BODY], "n": 3, "email": "desk@example.org"}
    out = neutralise_mentions(payload)
    text = json.dumps(out, ensure_ascii=False)
    for raw in ("@everyone", "@here", "<@&", "<@9", "<@!"):
        assert raw not in text, raw
    assert out["title"].replace("\u200d", "") == HOSTILE_TITLE and out["n"] == 3
    assert out["email"] == "desk@example.org"  # an address is not a mention


@pytest.mark.slow
@pytest.mark.parametrize("sink_name", ["jsonl", "console"])
def test_no_sink_passes_a_mention_through(tmp_path: Path, sink_name: str) -> None:
    from xml.sax.saxutils import escape

    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item>'
        f"<title>{escape(HOSTILE_TITLE)}</title><guid>h1</guid><pubDate>Tue, 03 Nov 2026 08:00:00 +0000</pubDate>"
        f"<description>{escape(HOSTILE_BODY)}</description></item></channel></rss>",
        encoding="utf-8",
    )
    config = tmp_path / "claimdesk.toml"
    config.write_text(
        f'sink = "{sink_name}"\n[database]\npath = "claimdesk.db"\n[jsonl]\npath = "alerts.jsonl"\n'
        f'[[feeds]]\nname = "wire"\nurl = "{feed}"\nbackfill = 10\nmax_age_hours = 0\n'
        '[[teams]]\nname = "desk"\nkeywords = ["kursk"]\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")} | {
        "PYTHONIOENCODING": "utf-8"
    }
    r = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    out = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8") if sink_name == "jsonl" else r.stdout
    assert "Kursk update" in out and "cranes" in out  # the alerts are there …
    for raw in ("@everyone", "@here", "<@&", "<@9", "<@!"):  # … and ping no one
        assert raw not in out, (raw, out[:2000])


# -- item 12: how many match, and every page of them ------------------------------------------------------------
async def test_lookups_say_how_many_match_and_page_through_them(tmp_path: Path) -> None:
    from bot.adapters.sqlite import SqliteStore

    await harbour_store(tmp_path / "h.db", 23)
    store = await SqliteStore.open(tmp_path / "h.db")
    try:
        seen: list[str] = []
        for page in (1, 2, 3):
            reply = await dispatch(store, Caller(page=page), "/claims harbour")
            assert "23 match" in reply.title and f"page {page} of 3" in reply.title, reply.title
            assert len(reply.items) == (10 if page < 3 else 3)
            seen += [it.title for it in reply.items]
        assert len(set(seen)) == 23  # every match once, none twice
        quotes = await dispatch(store, Caller(page=3), "/quotes speaker")
        assert len(quotes.items) == 3 and "23 match" in quotes.title
        past = await dispatch(store, Caller(page=4), "/claims harbour")
        assert past.error and not past.items and "3 pages" in past.title
        one = await dispatch(store, Caller(), "/claims day 7")
        assert "1 match" in one.title and "page" not in one.title
    finally:
        await store.close()


@pytest.mark.slow
def test_ask_pages_at_the_command_line(tmp_path: Path) -> None:
    import asyncio

    asyncio.run(harbour_store(tmp_path / "claimdesk.db", 23))
    config = tmp_path / "claimdesk.toml"
    config.write_text(
        '[database]\npath = "claimdesk.db"\n[[teams]]\nname = "desk"\nkeywords = ["harbour"]\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")} | {
        "PYTHONIOENCODING": "utf-8"
    }

    def ask(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "ask", "--config", str(config), *args],
            cwd=ROOT,
            capture_output=True,
            encoding="utf-8",
            timeout=120,
            env=env,
        )

    first = ask("/claims harbour")
    assert first.returncode == 0 and "23 match" in first.stdout and "page 1 of 3" in first.stdout
    assert 'claimdesk ask --page 2 "/claims harbour"' in first.stdout  # the way to the rest
    second = ask("--page", "2", "/claims harbour")
    assert second.returncode == 0 and "page 2 of 3" in second.stdout
    assert "\n11. " in second.stdout and "\n20. " in second.stdout and "\n1. " not in second.stdout
    last = ask("/claims harbour", "--page", "3")
    assert "\n23. " in last.stdout and "--page 4" not in last.stdout


# -- item 16: wording ---------------------------------------------------------------------------------------------
_ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"


def test_times_read_as_people_write_them_and_counts_agree_with_their_nouns() -> None:
    from bot.core.render import human_time, plural

    assert human_time("2024-11-02T09:30:00+00:00", year=2024) == "2 Nov 09:30 UTC"
    assert human_time("2024-11-02T09:30:00+00:00", year=2026) == "2 Nov 2024 09:30 UTC"
    assert human_time("2024-11-02T11:30:00+02:00", year=2024) == "2 Nov 09:30 UTC"  # in UTC
    assert human_time(None) == "never" and human_time("not a time") == "not a time"
    assert plural(1, "failed poll") == "1 failed poll" and plural(3, "failed poll") == "3 failed polls"


async def test_status_why_lines_and_pause_notices_show_readable_times(tmp_path: Path) -> None:
    import re as _re

    from bot.adapters.sqlite import SqliteStore
    from bot.config import FeedSettings, TeamSettings
    from bot.core.alerts import ArticleInfo, ClaimOutcome, TeamWatch, decide_alerts
    from bot.core.claims import ClaimDraft
    from bot.core.feednotices import feed_failed
    from bot.core.keywords import KeywordSet

    store = await SqliteStore.open(tmp_path / "s.db")
    try:
        await store.sync_teams([TeamSettings("desk", "console", ("kursk",), ("summary",))])
        feed_id = await store.ensure_feed(FeedSettings("wire", "https://wire.example/rss", 60, 0))
        await feed_failed(store, feed_id, "HTTP 500", next_poll_at="2026-11-02T09:35:00+00:00", pause=True)
        notices = await store.query("SELECT payload FROM deliveries WHERE kind = 'feed_paused'")
        reply = await dispatch(store, Caller(), "/status")
    finally:
        await store.close()
    lines = " | ".join(ln for it in reply.items for ln in it.lines)
    assert not _re.search(_ISO, lines), lines
    assert _re.search(r"last poll \d{1,2} [A-Z][a-z]{2} \d{2}:\d{2} UTC", lines), lines
    (notice,) = notices  # the pause notice counts in words that agree
    why = json.loads(notice[0])["why"]
    assert why.startswith("1 failed poll in a row"), why
    text = "Austin said 8,000 soldiers are in Kursk."
    draft = ClaimDraft("figure", "8,000 soldiers", 0, 5, text, "k", "8,000 soldiers", {}, value=8000.0)
    team = TeamWatch(1, "desk", "console", frozenset({"corroboration"}), KeywordSet.of(["kursk"]))
    outcome = ClaimOutcome(draft, 7, "corroborated", "Wire", "T", "2024-11-02T09:30:00+00:00")
    (alert,) = decide_alerts(ArticleInfo(1, "Kursk", "Digest", None, None, "", text), [outcome], [team])
    assert "(2 Nov 2024 09:30 UTC)" in alert.payload["why"] and not _re.search(_ISO, alert.payload["why"])
