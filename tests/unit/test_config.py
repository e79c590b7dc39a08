"""Config: declared defaults, typed validation, and one clear line (exit 2) for every mistake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.bootstrap import make_sink
from bot.cli import main
from bot.config import load_settings
from bot.errors import ConfigError, UserError
from tests.conftest import ROOT, SEEDS


def test_shipped_default_config_runs_on_the_seeds_with_the_console() -> None:
    s = load_settings(ROOT / "config" / "claimdesk.toml", env={})
    assert s.effective_sink == "console"
    assert [f.url for f in s.feeds] == [str(SEEDS / "feed.xml")]
    assert s.feeds[0].backfill > 0
    (team,) = s.teams
    assert team.name == "desk" and set(team.keywords) == {"kursk", "north korea"}
    assert s.database == (ROOT / "var" / "claimdesk.db").resolve()


def test_shipped_discord_example_validates() -> None:
    s = load_settings(ROOT / "config" / "discord.example.toml", env={})
    assert s.effective_sink == "discord" and s.discord_token is None


def test_token_from_environment_selects_the_discord_front_end() -> None:
    from bot.adapters.discord_bot import DiscordSink

    s = load_settings(ROOT / "config" / "claimdesk.toml", env={"CLAIMDESK_DISCORD_TOKEN": "secret"})
    assert s.effective_sink == "discord" and s.discord_token == "secret"
    assert isinstance(make_sink(s), DiscordSink)


async def test_discord_without_a_token_is_refused_clearly() -> None:
    from bot.cli import run

    s = load_settings(ROOT / "config" / "discord.example.toml", env={})
    with pytest.raises(UserError, match="needs the bot token in \\$CLAIMDESK_DISCORD_TOKEN"):
        await run(s)


def test_database_path_can_come_from_the_environment(tmp_path: Path) -> None:
    s = load_settings(ROOT / "config" / "claimdesk.toml", env={"CLAIMDESK_DATABASE": str(tmp_path / "x.db")})
    assert s.database == tmp_path / "x.db"


def test_a_postgresql_url_chooses_the_server(tmp_path: Path) -> None:
    """$CLAIMDESK_DATABASE first (a URL: PostgreSQL; else a SQLite path), then database.url, then database.path."""
    config = tmp_path / "c.toml"
    config.write_text(
        '[database]\nurl = "postgresql://desk:pw@db.internal:5432/claimdesk"\n', encoding="utf-8"
    )
    s = load_settings(config, env={})
    assert s.database_url == "postgresql://desk:pw@db.internal:5432/claimdesk"
    assert s.database_name == "postgresql://desk:***@db.internal:5432/claimdesk"  # never the password
    assert load_settings(config, env={"CLAIMDESK_DATABASE": "x.db"}).database_url is None
    assert load_settings(config, env={"CLAIMDESK_DATABASE": "x.db"}).database == tmp_path / "x.db"
    default = ROOT / "config" / "claimdesk.toml"
    s = load_settings(default, env={"CLAIMDESK_DATABASE": "postgres://127.0.0.1/other"})
    assert s.database_url == "postgres://127.0.0.1/other" and s.database_name == s.database_url
    assert load_settings(default, env={}).database_url is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("colour = 3", "colour: unknown key"),
        ('[poll]\ninterval = "fast"', "poll.interval: expected a whole number from 10 to 86400, got 'fast'"),
        ("[poll]\ninterval = 1", "poll.interval: expected a whole number from 10 to 86400, got 1"),
        ('sink = "pigeon"', None),
        ('[[feeds]]\nname = "x"', "feeds[0].url: expected a string (required)"),
        (
            '[[feeds]]\nurl = "ftp://example.org/feed"',
            "feeds[0].url: expected an http(s) URL or a local file path",
        ),
        ('[[teams]]\nname = "t"\nkeywords = "kursk"', "teams[0].keywords: expected a list of strings"),
        (
            '[[teams]]\nname = "t"\nkeywords = ["k"]\nalerts = ["gossip"]',
            "teams[0].alerts: expected a list drawn",
        ),
        ('[[teams]]\nname = "t"\nkeywords = ["k"]\nchanel = "x"', "teams[0].chanel: unknown key"),
        ('[discord]\ndev_guild = "my server"', "discord.dev_guild: expected a server id (a number)"),
        ("[discord]\ndev_guild = true", "discord.dev_guild: expected a server id (a number)"),
        (
            "[discord]\nshard_count = 0",
            "discord.shard_count: expected a whole number of shards, 1 or more, got 0",
        ),
        ('[discord]\nshard_count = "2"', "discord.shard_count: expected a whole number of shards, 1 or more"),
        ("[discord]\nshard_ids = [0]", "discord: shard_ids needs shard_count"),
        (
            "[discord]\nshard_count = 2\nshard_ids = [0, 2]",
            "discord: shard_ids must be below shard_count (2)",
        ),
        ("[discord]\nshard_count = 2\nshard_ids = []", "discord.shard_ids: expected at least one shard id"),
        ("[discord]\nshard_count = 2\nshard_ids = [-1]", "discord.shard_ids: expected a list of shard ids"),
        ("[discord]\nshard_count = 2\nshard_ids = 1", "discord.shard_ids: expected a list of shard ids"),
        ("[discord]\nshard_count = 2\nshard_ids = [true]", "discord.shard_ids: expected a list of shard ids"),
        ("[fetch]\ntimeout = 0", "fetch.timeout: expected a number from 1 to 600, got 0"),
        ('[fetch]\nallow = ["10.0.0.0/33"]', "fetch.allow: expected addresses, networks"),
        ('[fetch]\nallow = ["not an address!"]', "fetch.allow: expected addresses, networks"),
        ('[fetch]\nallow = ["http://10.0.0.1/"]', "fetch.allow: expected addresses, networks"),
        ('[[teams]]\nname = "t"\nkeywords = []', "teams[0].keywords: expected at least one keyword"),
        ('[[teams]]\nname = "t"\nkeywords = ["-sport"]', "teams[0].keywords: expected at least one keyword"),
        (
            "[fetch]\nteam_tries_per_hour = 0",
            "fetch.team_tries_per_hour: expected a whole number from 1 to 10000",
        ),
        (
            '[[feeds]]\nurl = "https://x.example/rss"\nfull_text = "yes"',
            "feeds[0].full_text: expected true or false",
        ),
        ('[database]\nurl = "mysql://db/x"', "database.url: expected a PostgreSQL URL"),
        (
            '[database]\nurl = "postgresql://db/x"\npath = "x.db"',
            "database: give path (a SQLite file) or url (a PostgreSQL server), not both",
        ),
        ("this is = not toml [", "not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_expectation(tmp_path: Path, body: str, message: str | None) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert str(path) in str(err.value)
    if message:
        assert message in str(err.value)


def test_cli_prints_one_line_and_exits_2_for_config_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write_config: Callable[..., Path]
) -> None:
    assert main(["run", "--config", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.toml: no such config file" in err and "Traceback" not in err
    bad = write_config("[poll]\ninterval = -5")
    assert main(["ask", "--config", str(bad), "/claims kursk"]) == 2
    assert "poll.interval" in capsys.readouterr().err


def test_allow_list_takes_addresses_networks_and_host_names(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    entries = ["127.0.0.1", "::1", "10.2.0.0/16", "feeds.internal", "my_host", "wire.example.org."]
    path.write_text(f"[fetch]\nallow = {entries!r}".replace("'", '"'), encoding="utf-8")
    assert load_settings(path, env={}).fetch.allow == tuple(entries)


def test_discord_shards_are_a_count_and_this_process_s_ids(tmp_path: Path) -> None:
    path = tmp_path / "shards.toml"
    path.write_text("[discord]\nshard_count = 4\nshard_ids = [3, 1, 3]", encoding="utf-8")
    discord = load_settings(path, env={}).discord
    assert (discord.shard_count, discord.shard_ids) == (4, (3, 1))  # in the order given, once each
    path.write_text("[discord]\nshard_count = 2", encoding="utf-8")
    assert load_settings(path, env={}).discord.shard_ids is None  # every shard of the count
    path.write_text("", encoding="utf-8")
    assert load_settings(path, env={}).discord.shard_count is None  # unsharded, as before
