"""Shipped files are validated: the Dockerfile's inputs, the seeds feed, the extractor's data files."""

from __future__ import annotations

import json
import re
import tomllib

from bot.adapters.feeds import parse_feed
from bot.extractor.lexicon import lexicon
from tests.conftest import ROOT, SEEDS


def test_dockerfile_copies_and_runs_what_exists() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), f"Dockerfile copies missing {src}"
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert cmd[0] in scripts and cmd[1] == "run"
    assert re.search(r"^USER (?!root)\w+", text, re.M) and "VOLUME" in text


def test_seed_feed_lists_both_seed_articles_in_order_with_their_full_text() -> None:
    feed = parse_feed((SEEDS / "feed.xml").read_bytes())
    assert len(feed.entries) == 2
    by_date = sorted(feed.entries, key=lambda e: e.published or "")
    assert [e.key for e in by_date] == [
        "guid:claimdesk-seed-000-dfc381a07cc688fc",
        "guid:claimdesk-seed-003-8b8a93bd28dc7ebf",
    ]
    for entry, name in zip(by_date, ("000_dfc381a07cc688fc.txt", "003_8b8a93bd28dc7ebf.txt"), strict=True):
        paragraphs = [p.strip() for p in (SEEDS / name).read_text(encoding="utf-8").split("\n") if p.strip()]
        assert [p for p in entry.text.split("\n") if p] == [" ".join(p.split()) for p in paragraphs]


def test_extractor_data_files_are_clean() -> None:
    lx = lexicon()
    for words in (lx.titles, lx.role_nouns):
        assert words and all(w == w.lower().strip() and " " not in w for w in words)
    assert "minister" in lx.titles
    assert (
        lx.cues["said"] == "speech"
        and lx.cues["according to"] == "speech"
        and lx.cues["called for"] == "object"
    )
    assert set(lx.cues.values()) == {"speech", "belief", "object"}
    assert lx.cues["believes"] == "belief" and lx.cues["urged"] == "object"  # neither reports a statement
    assert all(c == c.lower().strip() and "  " not in c for c in lx.cues)
    assert {"auxiliaries", "clause_words", "nounish_cues", "raising_verbs"} <= set(lx.grammar)
    for role, words in lx.grammar.items():
        assert words and all(w == w.lower().strip() and w for w in words), role
    raw = json.loads((ROOT / "bot" / "extractor" / "data" / "grammar_words.json").read_text(encoding="utf-8"))
    assert all(entry["why"] for role, entry in raw.items() if role != "_comment")  # every list says its role
    assert lx.grammar["nounish_cues"] <= set(lx.cues)  # a nounish cue is a cue
    assert lx.places and all(p.strip() == p for p in lx.places)
    assert lx.scales["million"] == 1_000_000 and lx.units["nine"] == 9 and lx.tens["twenty"] == 20
    assert all(a == a.lower() for a in lx.approximators)
