"""The real `claimdesk` CLI on the mistakes people make: flags on either side of the command, wrong paths,
read-only places, other programs' databases, bad config values (issue 20)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.helpers import claimdesk

pytestmark = pytest.mark.slow


def test_config_and_verbose_are_read_before_or_after_the_command(config: Path, tmp_path: Path) -> None:
    # from a folder without config/claimdesk.toml: a --config that is ignored would fail with "no such config file"
    assert claimdesk("db", "upgrade", "--config", str(config)).returncode == 0
    for args in (
        ("--config", str(config), "-v", "ask", "/status"),
        ("ask", "--config", str(config), "-v", "/status"),
        ("-v", "ask", "/status", "--config", str(config)),
    ):
        r = claimdesk(*args, cwd=tmp_path)
        assert r.returncode == 0, (args, r.stderr)
        assert "articles" in r.stdout
        assert f"config {config}" in r.stderr, (args, r.stderr)  # -v says which config is in use
        assert "DEBUG" in r.stderr
    quiet = claimdesk("--config", str(config), "ask", "/status", cwd=tmp_path)
    assert quiet.returncode == 0 and "DEBUG" not in quiet.stderr


# -- files and databases: one clear line, exit 2, never a traceback, never a silent new store (items 6–9) ----------
def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")} | {
        "PYTHONIOENCODING": "utf-8"
    }


def _one_line_exit_2(r: subprocess.CompletedProcess[str], *wanted: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("claimdesk:")]
    assert len(lines) == 1, r.stderr
    for w in wanted:
        assert w in lines[0], (w, lines[0])


def _with_database(cfg: Path, db: Path) -> Path:
    text = cfg.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^path = ".*claimdesk\.db"$', f'path = "{db}"', text)
    cfg.write_text(text, encoding="utf-8")
    return cfg


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], Callable[..., subprocess.CompletedProcess[str]]]]:
    """Makes a folder read-only for the CLI and returns how to run `claimdesk` against it. Not root: chmod 0o555
    on the folder, 0o444 on its files. Root ignores permissions, so there: a real read-only bind mount in a private
    mount namespace of the command's own (`unshare -m`; invisible to the rest of the machine, gone with it)."""
    restore: list[Path] = []

    def make(folder: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
        if os.geteuid() != 0:
            for f in folder.rglob("*"):
                f.chmod(0o555 if f.is_dir() else 0o444)
            folder.chmod(0o555)
            restore.append(folder)
            prefix: list[str] = []
        elif shutil.which("unshare") and subprocess.run(["unshare", "-m", "true"]).returncode == 0:
            script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
            prefix = ["unshare", "-m", "sh", "-c", script, str(folder)]
        else:
            pytest.skip(
                "running as root, which ignores chmod, without a private mount namespace (unshare -m) "
                "for a real read-only mount: the read-only end-to-end check cannot be made here"
            )

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*prefix, sys.executable, "-m", "bot", *args],
                cwd=ROOT,
                capture_output=True,
                encoding="utf-8",
                timeout=120,
                env=_env(),
            )

        return run

    yield make
    for folder in restore:
        for f in [folder, *folder.rglob("*")]:
            f.chmod(0o755 if f.is_dir() else 0o644)


def test_a_folder_where_a_file_belongs_is_one_line(config: Path, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    _with_database(config, folder)
    for args in (("run", "--once"), ("ask", "/status"), ("db", "upgrade"), ("ingest", str(SEEDS))):
        _one_line_exit_2(claimdesk(*args, "--config", str(config)), str(folder), "is a folder")
    out = tmp_path / "out"
    out.mkdir()
    _with_database(config, tmp_path / "claimdesk.db")
    config.write_text(
        config.read_text().replace('sink = "auto"', f'sink = "jsonl"\n[jsonl]\npath = "{out}"', 1)
    )
    _one_line_exit_2(claimdesk("run", "--once", "--config", str(config)), str(out), "is a folder")


def test_lookups_never_create_a_store(config: Path, tmp_path: Path) -> None:
    typo = tmp_path / "tpyo" / "claimdesk.db"
    _with_database(config, typo)
    _one_line_exit_2(claimdesk("ask", "--config", str(config), "/status"), str(typo), "no database")
    _one_line_exit_2(
        claimdesk("db", "backup", "--config", str(config), str(tmp_path / "b.db")), str(typo), "no database"
    )
    assert not typo.parent.exists() and not (tmp_path / "b.db").exists()
    r = claimdesk("db", "upgrade", "--config", str(config))  # run, ingest and db upgrade may create one
    assert r.returncode == 0 and typo.is_file(), r.stderr
    assert claimdesk("ask", "--config", str(config), "/status").returncode == 0


def test_another_programs_database_is_refused_untouched(config: Path, tmp_path: Path) -> None:
    other = tmp_path / "music.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE songs (title TEXT)")
    con.execute("INSERT INTO songs VALUES ('Kursk blues')")
    con.commit()
    con.close()
    _with_database(config, other)
    for args in (("run", "--once"), ("db", "upgrade"), ("ask", "/status")):
        _one_line_exit_2(claimdesk(*args, "--config", str(config)), str(other), "not a claimdesk database")
    con = sqlite3.connect(other)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"songs"} and con.execute("PRAGMA user_version").fetchone()[0] == 0
    con.close()


def test_a_new_store_or_backup_on_a_read_only_place_is_one_line(
    config: Path,
    tmp_path: Path,
    read_only: Callable[[Path], Callable[..., subprocess.CompletedProcess[str]]],
) -> None:
    assert claimdesk("db", "upgrade", "--config", str(config)).returncode == 0  # a store to back up
    locked = tmp_path / "locked"
    locked.mkdir()
    run = read_only(locked)
    r = run("db", "backup", "--config", str(config), str(locked / "copy.db"))
    _one_line_exit_2(r, str(locked / "copy.db"), "read-only")
    _with_database(config, locked / "sub" / "new.db")
    for args in (("run", "--once"), ("db", "upgrade")):
        _one_line_exit_2(run(*args, "--config", str(config)), str(locked / "sub" / "new.db"), "read-only")
    assert not (locked / "sub").exists()


def test_an_existing_store_on_a_read_only_mount_answers_lookups(
    config: Path,
    tmp_path: Path,
    read_only: Callable[[Path], Callable[..., subprocess.CompletedProcess[str]]],
) -> None:
    data = tmp_path / "data"
    _with_database(config, data / "claimdesk.db")
    assert claimdesk("run", "--once", "--config", str(config)).returncode == 0
    run = read_only(data)
    r = run("ask", "--config", str(config), "/claims kursk")
    assert r.returncode == 0, r.stderr
    assert "8,000" in r.stdout and "Traceback" not in r.stderr
    assert "read-only" in r.stderr  # said once, as a note
    for args in (("run", "--once"), ("db", "upgrade"), ("ingest", str(SEEDS / "feed.xml"))):
        _one_line_exit_2(run(*args, "--config", str(config)), str(data / "claimdesk.db"), "read-only")
    r = run("ask", "--config", str(config), "/watch add harbor")
    _one_line_exit_2(r, str(data / "claimdesk.db"), "read-only")


def test_ingest_skips_empty_and_binary_files_with_a_message(config: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.txt").write_bytes(b" \n\t\n")
    (docs / "photo.txt").write_bytes(bytes(range(256)) * 40)  # a binary file with a .txt name
    (docs / "good.txt").write_text(
        "Harbor works resume\nMayor Jane Holt said 40 cranes will return to Kursk port.\n"
    )
    r = claimdesk("ingest", "--config", str(config), str(docs))
    assert r.returncode == 0, r.stderr
    assert "ingested 1 new article(s) of 1" in r.stdout and "3 file(s) skipped" in r.stdout
    for name, why in (("empty.txt", "empty"), ("blank.txt", "empty"), ("photo.txt", "not text")):
        assert f"{docs / name}: {why}" in r.stderr, r.stderr
    con = sqlite3.connect(config.parent / "claimdesk.db")
    assert [t for (t,) in con.execute("SELECT title FROM articles")] == ["Harbor works resume"]
    con.close()


# -- item 16: wording at the command line ---------------------------------------------------------------------------
def test_an_error_names_its_url_once(config: Path) -> None:
    url = "http://10.0.0.1/feed.xml"  # refused by the SSRF guard before any socket is opened
    r = claimdesk("ingest", "--config", str(config), url)
    assert r.returncode == 1 and "private network" in r.stderr, r.stderr
    assert r.stderr.count(url) == 1, r.stderr


def test_ask_help_lists_the_slash_commands() -> None:
    r = claimdesk("ask", "--help")
    assert r.returncode == 0
    for command in ("/claims", "/quotes", "/figures", "/watch", "/alerts", "/feeds", "/status"):
        assert command in r.stdout, command


def test_a_typo_gets_a_did_you_mean(config: Path) -> None:
    assert claimdesk("db", "upgrade", "--config", str(config)).returncode == 0
    r = claimdesk("ask", "--config", str(config), "/claim kursk")
    assert r.returncode == 1 and "did you mean /claims" in r.stdout.lower(), r.stdout
    r = claimdesk("run", "--onec", "--config", str(config))
    assert r.returncode == 2 and "did you mean --once" in r.stderr, r.stderr
    r = claimdesk("rnu", "--config", str(config))
    assert r.returncode == 2 and "did you mean run" in r.stderr, r.stderr
