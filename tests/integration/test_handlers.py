"""The command handlers on a real SQLite file: /watch, /alerts, and lookups with hostile search text.

Teams named like Discord servers ("guild:…") are made by commands; the config's team is the file's to change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.sqlite import SqliteStore
from bot.config import TeamSettings
from bot.core.delivery import Pacing
from handlers import COMMANDS, Caller, dispatch

EDITOR = Caller(team="guild:1", can_manage=True, channel="general")
READER = Caller(team="guild:1", can_manage=False, channel="general")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = await SqliteStore.open(tmp_path / "claimdesk.db")
    await s.sync_teams([TeamSettings("desk", "console", ("kursk", "North Korea"), ("summary",))])
    try:
        yield s
    finally:
        await s.close()


async def test_watch_add_list_remove_route_alerts_to_the_named_channel(store: SqliteStore) -> None:
    r = await dispatch(store, EDITOR, "/watch add  North   Korea ")
    assert not r.error and r.ephemeral and "now watches “north korea”: alerts go to #general" in r.title
    r = await dispatch(store, EDITOR, "/watch add drones #drone-desk")
    assert "#drone-desk" in r.title
    assert "already watches" in (await dispatch(store, EDITOR, "/watch add drones")).title
    r = await dispatch(store, EDITOR, "/watch add -football")
    assert "no longer alert" in r.title
    listed = await dispatch(store, EDITOR, "/watch list")
    assert [i.title for i in listed.items] == ["-football (excluded)", "drones", "north korea"]
    assert listed.items[1].lines == ("alerts in #drone-desk", "added by command")
    # each channel is its own route, and the exclusion applies to both
    routes = {(w.name, w.channel): w for w in await store.team_watches()}
    assert set(routes) == {("desk", "console"), ("guild:1", "general"), ("guild:1", "drone-desk")}
    drones = routes[("guild:1", "drone-desk")].keywords
    assert drones.first_match("Drone strikes near the border") == "drones"
    assert drones.first_match("Drones seen over the football stadium") is None
    assert "no longer watches “drones”" in (await dispatch(store, EDITOR, "/watch remove drones")).title
    r = await dispatch(store, EDITOR, "/watch remove drones")
    assert r.error and "does not watch" in r.title


async def test_changes_need_the_manage_permission_and_a_new_team_needs_a_channel(store: SqliteStore) -> None:
    r = await dispatch(store, READER, "/watch add kursk")
    assert r.error and r.ephemeral and "Manage Server" in r.title
    assert await store.team("guild:1") is None  # a refused command leaves nothing behind
    r = await dispatch(store, Caller(team="guild:2", channel=None), "/watch add kursk")
    assert r.error and "name the channel" in r.title
    await dispatch(store, EDITOR, "/watch add kursk")
    for line in ("/watch remove kursk", "/alerts digest 5", "/alerts kinds summary"):
        r = await dispatch(store, READER, line)
        assert r.error and "Manage Server" in r.title, line
    assert not (await dispatch(store, READER, "/watch list")).error  # reading is for everyone
    assert not (await dispatch(store, READER, "/alerts")).error


async def test_the_config_team_keeps_its_file_keywords_and_settings(store: SqliteStore) -> None:
    desk = Caller(team="desk")
    r = await dispatch(store, desk, "/watch remove kursk")
    assert r.error and "set in the config file" in r.title
    r = await dispatch(store, desk, "/watch remove north korea")  # the file wrote "North Korea"
    assert r.error and "set in the config file" in r.title
    assert "set in the config file" in (await dispatch(store, desk, "/alerts quiet 22:00-06:00")).title
    # a watch added by command survives the next start's sync; the file's keywords stay
    await dispatch(store, desk, "/watch add drones")
    await store.sync_teams([TeamSettings("desk", "console", ("kursk",), ("summary",))])
    assert [w.keyword for w in await store.watches((await store.team("desk")).id)] == ["drones", "kursk"]  # type: ignore[union-attr]
    # the CLI operator with a single team needs no --team; with several, the reply lists them
    assert "Team “desk”" in (await dispatch(store, Caller(), "/watch list")).title
    await dispatch(store, EDITOR, "/watch add kursk")
    r = await dispatch(store, Caller(), "/watch list")
    assert r.error and "desk, guild:1" in r.note


async def test_alert_settings_are_validated_and_shown(store: SqliteStore) -> None:
    await dispatch(store, EDITOR, "/watch add kursk")
    r = await dispatch(store, EDITOR, "/alerts kinds new_figure, conflicting_figure")
    assert r.title == "Team “guild:1” now gets: new_figure, conflicting_figure"
    r = await dispatch(store, EDITOR, "/alerts kinds new_figure gossip")
    assert r.error and "gossip" in r.title and "corroboration" in r.note
    r = await dispatch(store, EDITOR, "/alerts quiet 22:00-07:00 Europe/Berlin")
    assert not r.error and r.items[1].lines == ("22:00-07:00 Europe/Berlin",)
    for bad, message in (
        ("/alerts quiet late", "Quiet hours must look like"),
        ("/alerts quiet 22:00-07:00 Mars/Base", "Unknown timezone"),
        ("/alerts digest 0", "hourly cap must be from 1"),
        ("/alerts digest lots", "number of messages an hour"),
        ("/alerts volume 11", "Unknown setting"),
    ):
        r = await dispatch(store, EDITOR, bad)
        assert r.error and message in r.title, bad
    await dispatch(store, EDITOR, "/alerts digest 12")
    team = await store.team("guild:1")
    assert team is not None and team.kinds == ("new_figure", "conflicting_figure")
    assert team.pacing == Pacing("22:00-07:00", "Europe/Berlin", 12)
    await dispatch(store, EDITOR, "/alerts quiet off")
    await dispatch(store, EDITOR, "/alerts digest off")
    team = await store.team("guild:1")
    assert team is not None and team.pacing == Pacing(None, "Europe/Berlin", None)
    shown = await dispatch(store, EDITOR, "/alerts")
    assert [i.title for i in shown.items] == ["kinds", "quiet hours", "digest"]


@pytest.mark.parametrize(
    "text", ['kursk"', "AND", "NEAR(", "*", "speaker:", '"', "OR kursk -", "ÄÖ", "x" * 5000]
)
@pytest.mark.parametrize("command", ["claims", "quotes", "figures"])
async def test_search_text_with_fts_syntax_never_fails(store: SqliteStore, command: str, text: str) -> None:
    r = await dispatch(store, Caller(), f"/{command} {text}")
    assert r.title.startswith(("No ", "Nothing to search")), r.title


async def test_every_command_has_an_example_and_unknown_ones_get_the_list(store: SqliteStore) -> None:
    r = await dispatch(store, Caller(), "/quotes")
    assert r.error and r.note == "Example: /quotes zelensky"
    r = await dispatch(store, Caller(), "/frobnicate")
    assert r.error and all(f"/{name}" in r.note for name in COMMANDS)


def test_every_handler_that_changes_settings_is_guarded_by_the_one_decorator() -> None:
    from handlers import feeds, needs_manage, status, teams

    changing = (
        teams.watch_add,
        teams.watch_remove,
        teams.alerts_kinds,
        teams.alerts_quiet,
        teams.alerts_digest,
        feeds.feeds_add,
        feeds.feeds_remove,
    )
    reading = (teams.watch_list, teams.alerts_show, feeds.feeds_list, feeds.feeds_test, status.status)
    assert all(needs_manage(h) for h in changing)
    assert not any(needs_manage(h) for h in reading)
