"""The real `claimdesk` command in subprocesses: run (with Ctrl-C), restart, ask, demo, ingest, extract, db."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.helpers import claimdesk

pytestmark = pytest.mark.slow


def _read_until(proc: subprocess.Popen[bytes], done: re.Pattern[str] | None, seconds: float) -> str:
    """Read raw stdout until `done` matches, or EOF when `done` is None; bounded in time."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done is not None and done.search(data.decode("utf-8", "replace")):
            break
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return data.decode("utf-8", "replace")


def test_run_prints_alerts_then_stops_cleanly_on_ctrl_c_and_never_repeats(config: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")} | {
        "PYTHONIOENCODING": "utf-8"
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wanted = re.compile(
            r"(?s)(?=.*8,000 of the 10,000 soldiers in the Kursk region)"
            r"(?=.*10,000 North Korean soldiers in Russia)(?=.*NEW QUOTE.*Volodymyr Zelensky)"
            r"(?=.*Occasional Digest)"
        )
        out = _read_until(proc, wanted, 60)
        assert wanted.search(out), out[-3000:]
        assert "why: article matches your keyword “kursk”" in out
        proc.send_signal(signal.SIGINT)
        rest = _read_until(proc, None, 30)
        proc.wait(timeout=30)
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "claimdesk stopped cleanly" in err and "Traceback" not in err
    first = out + rest
    n_alerts = first.count("▌")
    # a second run on the same store prints nothing: every article and alert is already there
    again = claimdesk("run", "--once", "--config", str(config))
    assert again.returncode == 0, again.stderr
    assert "▌" not in again.stdout
    con = sqlite3.connect(config.parent / "claimdesk.db")
    sent, pending = con.execute("SELECT count(sent_at), count(*) - count(sent_at) FROM alerts").fetchone()
    articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    con.close()
    assert (sent, pending, articles) == (n_alerts, 0, 2)
    # and the lookup lists claims with their source article
    ask = claimdesk("ask", "--config", str(config), "/claims kursk")
    assert ask.returncode == 0, ask.stderr
    assert "Claims about “kursk”" in ask.stdout and "first: Ukrainian press (translated)" in ask.stdout
    assert "North Korean troops rally in Kursk" in ask.stdout
    status = claimdesk("ask", "--config", str(config), "/status")
    assert "2 articles" in status.stdout and "0 queued" in status.stdout


def test_ask_handles_unknown_commands_and_search_syntax(config: Path) -> None:
    assert claimdesk("db", "upgrade", "--config", str(config)).returncode == 0  # ask never creates a store
    r = claimdesk("ask", "--config", str(config), "/nonsense")
    assert r.returncode == 1 and "Unknown command" in r.stdout
    r = claimdesk("ask", "--config", str(config), '/claims kursk" AND (')
    assert r.returncode == 0 and "No claims" in r.stdout


def test_demo_tells_the_seed_story(tmp_path: Path) -> None:
    r = claimdesk("demo", cwd=tmp_path)  # from any folder
    assert r.returncode == 0, r.stderr
    out = r.stdout
    first, second = out.split("ARTICLE 2", 1)
    assert "NEW FIGURE" in first and "8,000 of the 10,000 soldiers in the Kursk region" in first
    assert "NEW QUOTE" in first and "Volodymyr Zelensky" in first
    assert "1,200 troops a day" in second and "9 million artillery shells" in second
    assert (
        "10,000" not in second.split("$ claimdesk ask")[0].split("NEW FIGURE")[1][:60]
    )  # corroborated, no alert
    assert (
        '$ claimdesk ask "/claims kursk"' in out
        and "2 sources: Ukrainian press (translated), Occasional Digest" in out
    )
    # the second outlet's quotes: Zelensky's (another translation) are recognised, Austin's new one alerts
    alerts = second.split("$ claimdesk ask")[0].split("▌")
    new_quotes = [a for a in alerts if a.startswith("NEW QUOTE")]
    assert not any("Volodymyr Zelensky:" in a for a in new_quotes)
    assert any("Lloyd Austin: “Russia intends to use these troops against Ukraine”" in a for a in new_quotes)
    assert not any(
        "legitimate military targets" in a for a in new_quotes
    )  # said before, in the first article


def test_extract_follows_the_contract() -> None:
    r = claimdesk("extract", "--format", "jsonl", *(str(p) for p in sorted(SEEDS.glob("*.txt"))))
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(objs) == 2
    for obj in objs:
        assert set(obj) == {"path", "title", "summary", "quotes", "figures", "entities"}
        text = Path(obj["path"]).read_text(encoding="utf-8")
        for q in obj["quotes"]:
            assert set(q) == {
                "text",
                "start",
                "end",
                "direct",
                "speaker",
                "speaker_start",
                "speaker_end",
                "cue",
                "cue_start",
                "cue_end",
                "speaker_role",
                "parts",
            }
            # a quote split around its attribution spans both parts; its text is the spoken words only
            assert q["parts"][0][0] == q["start"] and q["parts"][-1][1] == q["end"]
            assert all(text[s:e] in q["text"] for s, e in q["parts"])
        for f in obj["figures"]:
            assert {
                "text",
                "start",
                "end",
                "value",
                "low",
                "high",
                "approx",
                "unit",
                "counted",
                "subject",
                "sentence_start",
                "sentence_end",
            } <= set(f)
    speakers = {q["speaker"] for o in objs for q in o["quotes"]}
    assert {"Volodymyr Zelensky", "Lloyd Austin"} <= speakers
    missing = claimdesk("extract", "/nonexistent/file.txt")
    assert missing.returncode == 2 and "nonexistent" in missing.stderr


def test_ingest_files_and_feeds_once(config: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "Harbor works resume\nMayor Jane Holt said 40 cranes will return to Kursk port.\n"
    )
    (docs / "b.txt").write_text("Bridge vote\nThe council approved $12 million for the bridge near Kursk.\n")
    r = claimdesk("ingest", "--config", str(config), str(docs), str(SEEDS / "feed.xml"))
    assert r.returncode == 0, r.stderr
    assert "ingested 4 new article(s) of 4" in r.stdout
    r = claimdesk("ingest", "--config", str(config), "--quiet", str(docs))
    assert "ingested 0 new article(s) of 2 (2 already stored)" in r.stdout
    r = claimdesk("ingest", "--config", str(config), str(tmp_path / "nope"))
    assert r.returncode == 2 and "no such file" in r.stderr


def test_db_upgrade_and_backup(config: Path, tmp_path: Path) -> None:
    r = claimdesk("db", "upgrade", "--config", str(config))
    assert r.returncode == 0 and "upgraded from version 0 to" in r.stdout
    r = claimdesk("db", "upgrade", "--config", str(config))
    assert "up to date" in r.stdout
    r = claimdesk("db", "backup", "--config", str(config), str(tmp_path / "copy.db"))
    assert r.returncode == 0 and (tmp_path / "copy.db").exists()
    (tmp_path / "junk.db").write_text("not a database at all")
    bad = config.read_text().replace(str(tmp_path / "claimdesk.db"), str(tmp_path / "junk.db"))
    config.write_text(bad)
    r = claimdesk("db", "upgrade", "--config", str(config))
    assert r.returncode == 2 and "not a SQLite database" in r.stderr and "Traceback" not in r.stderr
