"""Delivery: alerts become messages one by one, or folded into a digest by a team's hourly cap or quiet hours,
and never lost or shown twice (the JSON-lines sink refuses a key it already wrote, even after a torn write)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.console import JsonlSink
from bot.config import load_settings
from bot.core.delivery import CAP, QUIET, Pacing, PacingError, Waiting, parse_quiet_hours, plan
from bot.core.render import render_alert
from bot.errors import ConfigError
from tests.conftest import SEEDS, AppFactory, FeedServer, RecordingSink, rss

NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


# -- the pure planner -------------------------------------------------------------------------------------------
def test_quiet_hours_parse_and_wrap_past_midnight_in_the_teams_timezone() -> None:
    assert parse_quiet_hours("22:00-07:30") == (datetime(1, 1, 1, 22).time(), datetime(1, 1, 1, 7, 30).time())
    for bad in ("22-07", "25:00-07:00", "07:00-07:00", "soon"):
        with pytest.raises(PacingError):
            parse_quiet_hours(bad)
    berlin = Pacing("22:00-07:00", "Europe/Berlin")  # UTC+1 in November
    assert berlin.quiet_now(datetime(2026, 11, 21, 21, 30, tzinfo=UTC))  # 22:30 in Berlin
    assert berlin.quiet_now(datetime(2026, 11, 21, 5, 0, tzinfo=UTC))  # 06:00
    assert not berlin.quiet_now(datetime(2026, 11, 21, 6, 0, tzinfo=UTC))  # 07:00: over
    assert not berlin.quiet_now(NOON)
    assert Pacing("09:00-17:00").quiet_now(NOON) and not Pacing("13:00-17:00").quiet_now(NOON)
    with pytest.raises(PacingError, match="unknown timezone"):
        Pacing(timezone="Mars/Olympus")
    with pytest.raises(PacingError, match="hourly cap"):
        Pacing(hourly_cap=0)


def test_plan_sends_singles_until_the_cap_then_folds_the_overflow_into_one_digest() -> None:
    five = [Waiting(i) for i in range(1, 6)]
    assert plan(five, Pacing(), 0, NOON).singles == (1, 2, 3, 4, 5)
    p = plan(five, Pacing(hourly_cap=3), 0, NOON)
    assert (p.singles, p.digest, p.digest_reason) == ((1, 2), (3, 4, 5), CAP)  # 3 messages, none dropped
    p = plan(five, Pacing(hourly_cap=3), 2, NOON)
    assert (p.singles, p.digest) == ((), (1, 2, 3, 4, 5))
    p = plan(five, Pacing(hourly_cap=3), 3, NOON)
    assert (p.singles, p.digest, p.hold, p.hold_reason) == ((), (), (1, 2, 3, 4, 5), CAP)
    # once the hour has room, what waited goes out as one digest with whatever joined it
    p = plan([Waiting(1, CAP), Waiting(2, CAP), Waiting(6)], Pacing(hourly_cap=3), 2, NOON)
    assert (p.singles, p.digest, p.digest_reason) == ((), (1, 2, 6), CAP)
    assert plan([Waiting(1, CAP)], Pacing(hourly_cap=3), 2, NOON).singles == (1,)


def test_plan_holds_in_quiet_hours_and_sends_one_digest_after() -> None:
    pacing = Pacing("11:00-13:00")
    p = plan([Waiting(1), Waiting(2, QUIET)], pacing, 0, NOON)
    assert (p.hold, p.hold_reason, p.singles, p.digest) == ((1,), QUIET, (), ())  # already held stay held
    later = NOON + timedelta(hours=1, minutes=1)
    p = plan([Waiting(1, QUIET), Waiting(2, QUIET), Waiting(3)], pacing, 0, later)
    assert (p.digest, p.digest_reason) == ((1, 2, 3), QUIET)


# -- the store and the service on real files --------------------------------------------------------------------
TEAM = '[[teams]]\nname = "desk"\nchannel = "newsroom"\nkeywords = ["kursk", "north korea"]\n'


def _seeds(feed_server: FeedServer) -> str:
    feed_server.routes["/seeds.xml"] = (200, "application/rss+xml", (SEEDS / "feed.xml").read_bytes())
    return f'[[feeds]]\nname = "seeds"\nurl = "{feed_server.url("/seeds.xml")}"\nbackfill = 10\nmax_age_hours = 0\n'


LATER_ITEM = {
    "title": "Drone strikes reported near Kursk",
    "guid": "wire-later-1",
    "pubDate": "Mon, 04 Nov 2024 09:00:00 GMT",
    "description": "Officials said 14 drones were shot down over the Kursk region overnight, and a spokesman "
    "for the regional governor said repairs to 3 substations would take a week.",
}


async def test_an_hourly_cap_folds_the_overflow_into_one_digest_and_loses_nothing(
    feed_server: FeedServer, write_config: Callable[..., Path], sink: RecordingSink, make_app: AppFactory
) -> None:
    config = write_config(feeds=_seeds(feed_server), teams=TEAM + "hourly_cap = 3\n")
    app = await make_app(config, sink)
    report = await app.service.poll(app.settings.feeds[0])
    assert report.alerts > 5
    assert await app.service.deliver_pending(NOON) == 3
    singles, digest = sink.sent[:2], sink.sent[2]
    assert all(p["kind"] != "digest" for p in singles) and digest["kind"] == "digest"
    assert digest["count"] == report.alerts - 2 and "cap of 3" in digest["why"]
    refs = [p["ref"] for p in singles] + [a["ref"] for a in digest["alerts"]]
    assert len(refs) == len(set(refs)) == report.alerts  # every alert once, none dropped
    assert "DIGEST" in render_alert(digest) and f"{report.alerts - 2} alerts" in render_alert(digest)
    counts = await app.store.counts()
    assert counts["alerts_pending"] == 0 and counts["alerts_sent"] == report.alerts
    # the hour is full: a new article's alerts wait, and go out as one digest when the hour has room again
    seeds = (SEEDS / "feed.xml").read_bytes().decode()
    later = rss([LATER_ITEM]).decode().split("<channel><title>Test wire</title>")[1].split("</channel>")[0]
    feed_server.routes["/seeds.xml"] = (
        200,
        "application/rss+xml",
        seeds.replace("</channel>", later + "</channel>").encode(),
    )
    more = await app.service.poll(app.settings.feeds[0])
    assert more.new == 1 and more.alerts >= 2
    assert await app.service.deliver_pending(NOON + timedelta(minutes=5)) == 0
    assert (await app.store.counts())["alerts_held"] == more.alerts
    assert await app.service.deliver_pending(NOON + timedelta(minutes=61)) == 1
    assert sink.sent[-1]["kind"] == "digest" and sink.sent[-1]["count"] == more.alerts
    assert (await app.store.counts())["alerts_pending"] == 0


async def test_quiet_hours_hold_alerts_then_deliver_one_digest(
    feed_server: FeedServer, write_config: Callable[..., Path], sink: RecordingSink, make_app: AppFactory
) -> None:
    config = write_config(
        feeds=_seeds(feed_server), teams=TEAM + 'quiet_hours = "22:00-07:00"\ntimezone = "Europe/Berlin"\n'
    )
    app = await make_app(config, sink)
    report = await app.service.poll(app.settings.feeds[0])
    night = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # midnight in Berlin
    assert await app.service.deliver_pending(night) == 0
    assert await app.service.deliver_pending(night + timedelta(hours=2)) == 0 and sink.sent == []
    counts = await app.store.counts()
    assert counts["alerts_held"] == report.alerts
    morning = datetime(2026, 11, 22, 6, 5, tzinfo=UTC)  # 07:05 in Berlin
    assert await app.service.deliver_pending(morning) == 1
    (digest,) = sink.sent
    assert digest["kind"] == "digest" and digest["reason"] == QUIET and digest["count"] == report.alerts
    assert "22:00-07:00 Europe/Berlin" in digest["why"]
    assert await app.service.deliver_pending(morning + timedelta(hours=1)) == 0


def test_team_pacing_errors_name_the_team_and_what_was_expected(write_config: Callable[..., Path]) -> None:
    for extra, message in (
        ('quiet_hours = "late"', "quiet hours must look like 22:00-07:00"),
        ('timezone = "Nowhere/City"', "unknown timezone"),
        ("hourly_cap = 0", "hourly cap"),
        ('hourly_cap = "ten"', "hourly_cap: expected a whole number"),
    ):
        with pytest.raises(ConfigError, match=message) as err:
            load_settings(write_config(teams=TEAM + extra + "\n"), env={})
        assert "teams[0]" in str(err.value)


# -- the JSON-lines sink ----------------------------------------------------------------------------------------
async def test_jsonl_sink_writes_each_key_once_and_cuts_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "out" / "alerts.jsonl"
    sink = JsonlSink(path)
    big = {"kind": "digest", "text": "x" * 200_000}  # a line longer than any read buffer
    await sink.send("desk", {"kind": "new_figure"}, "k-1")
    await sink.send("desk", big, "k-2")
    await sink.send("desk", big, "k-2")
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()] == ["k-1", "k-2"]
    # a crash after the write but before the store marked k-2 sent: a new sink (the restart) refuses it again
    restarted = JsonlSink(path)
    await restarted.send("desk", big, "k-2")
    assert len(path.read_text().splitlines()) == 2
    # a crash in the middle of writing k-3: the torn line is cut off on open, and k-3 is written whole
    with path.open("ab") as fh:
        fh.write(b'{"key": "k-3", "channel": "desk", "payl')
    again = JsonlSink(path)
    await again.send("desk", {"kind": "new_quote"}, "k-3")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [x["key"] for x in lines] == ["k-1", "k-2", "k-3"] and lines[2]["payload"] == {"kind": "new_quote"}
    # a file that is one torn line and nothing else
    lone = tmp_path / "lone.jsonl"
    lone.write_bytes(b'{"key": "k-9"')
    JsonlSink(lone)
    assert lone.read_bytes() == b""
