"""Unit tests of the pure core: keywords, alert decisions, rendering, search-query safety, HTML, identity."""

from __future__ import annotations

from bot.core.alerts import ArticleInfo, ClaimOutcome, TeamWatch, decide_alerts
from bot.core.claims import ClaimDraft, singular, statements
from bot.core.htmltext import html_to_text
from bot.core.identity import entry_key, normalise_link
from bot.core.keywords import KeywordSet
from bot.core.render import clean, render_alert
from bot.core.tries import Tries
from bot.extractor.types import Quote
from handlers.claims import fts_query


def test_keywords_whole_words_plural_phrases_and_exclusions() -> None:
    ks = KeywordSet.of(["kursk", "north korea", "drone", "-football"])
    assert ks.first_match("Fighting near KURSK continues") == "kursk"
    assert ks.first_match("Troops from North  Korea arrive") == "north korea"
    assert ks.first_match("North-Korea talks") == "north korea"
    assert ks.first_match("Two drones were shot down") == "drone"
    assert ks.first_match("Kurskaya station reopens") is None  # whole words only
    assert ks.first_match("Kursk football club wins") is None  # exclusion wins
    assert KeywordSet.of(["casualties"]).first_match("one casualty was reported") == "casualties"
    assert KeywordSet.of(["soldiers"]).first_match("a soldier was hurt") == "soldiers"


def _claim(kind: str = "figure", key: str = "k") -> ClaimDraft:
    return ClaimDraft(
        kind=kind,
        text="about 8,000",
        start=0,
        end=11,
        context="About 8,000 soldiers are in Kursk.",  # type: ignore[arg-type]
        key=key,
        label="about 8,000 soldiers in Kursk",
        data={},
        speaker=None,
        counted="soldiers",
    )


ARTICLE = ArticleInfo(
    1,
    "Troops gather in Kursk",
    "Wire",
    None,
    "2024-11-02T09:30:00+00:00",
    "Troops gather.",
    "About 8,000 soldiers are in Kursk.",
)


def test_alerts_go_only_to_teams_whose_keywords_match_and_kinds_allow() -> None:
    teams = [
        TeamWatch(1, "desk", "news", frozenset({"summary", "new_figure"}), KeywordSet.of(["kursk"])),
        TeamWatch(2, "sport", "sport", frozenset({"summary", "new_figure"}), KeywordSet.of(["football"])),
        TeamWatch(3, "quotes-only", "q", frozenset({"new_quote"}), KeywordSet.of(["kursk"])),
    ]
    outcomes = [ClaimOutcome(_claim(), 7, "new"), ClaimOutcome(_claim(key="x"), 8, "repeat")]
    drafts = decide_alerts(ARTICLE, outcomes, teams)
    assert [(d.team_id, d.kind, d.cluster_id) for d in drafts] == [(1, "summary", None), (1, "new_figure", 7)]
    assert drafts[1].dedupe_key == "news|new_figure|c7"
    assert drafts[0].dedupe_key == "news|summary|a1"
    assert "kursk" in drafts[1].payload["why"] and "first report" in drafts[1].payload["why"]


def test_corroboration_alerts_only_when_the_team_asks_for_them() -> None:
    outcome = ClaimOutcome(_claim(), 7, "corroborated", "Other wire", "Earlier story", "2024-11-01")
    off = TeamWatch(1, "desk", "news", frozenset({"new_figure"}), KeywordSet.of(["kursk"]))
    on = TeamWatch(2, "desk2", "news2", frozenset({"corroboration"}), KeywordSet.of(["kursk"]))
    assert decide_alerts(ARTICLE, [outcome], [off]) == []
    (d,) = decide_alerts(ARTICLE, [outcome], [on])
    assert d.kind == "corroboration" and "Other wire" in d.payload["why"]


def test_render_strips_control_characters_from_untrusted_text() -> None:
    payload = {
        "kind": "summary",
        "team": "desk",
        "channel": "c",
        "summary": "Hi\x1b[2J\x07 there\u202e",
        "article": {"title": "T\r\nFAKE ALERT", "source": "S"},
        "why": "w",
    }
    out = render_alert(payload)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "T FAKE ALERT" in out
    assert clean("a\tb\nc") == "a b c"


def test_fts_query_neutralises_search_syntax() -> None:
    assert fts_query('kursk"') == '"kursk"*'
    assert fts_query("north AND korea") == '"north" "korea"*'  # 'and' is a function word, dropped
    assert fts_query("the war in Kursk") == '"war" "Kursk"*'
    assert fts_query('NEAR( "*') is not None
    assert fts_query("  ") is None
    assert fts_query('"""') is None
    assert fts_query("the a") == '"the" "a"'  # too short to be a prefix: "a*" would merge every a-word


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    html = "<p>First &amp; foremost</p><script>alert(1)</script><p>Second<br>line</p>"
    assert html_to_text(html) == "First & foremost\n\nSecond\nline"
    assert html_to_text("plain   text") == "plain text"


def test_link_normalisation_and_entry_identity() -> None:
    assert (
        normalise_link("HTTP://Example.COM/news/story/?utm_source=x&id=3")
        == "https://example.com/news/story?id=3"
    )
    assert entry_key({"id": " abc ", "link": "https://x"}) == "guid:abc"
    assert entry_key({"link": "http://example.com/a/"}) == entry_key({"link": "https://EXAMPLE.com/a"})
    a = entry_key({"title": "One", "published": "Mon"})
    assert a.startswith("hash:") and a != entry_key({"title": "Two", "published": "Mon"})


def test_singular() -> None:
    assert [singular(w) for w in ("troops", "soldiers", "casualties", "shells", "bus", "glass")] == [
        "troop",
        "soldier",
        "casualty",
        "shell",
        "bus",
        "glass",
    ]


def test_ingest_progress_bar_draws_only_on_a_terminal() -> None:
    import io

    from bot.cli import _Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = _Progress(stream, 4)
        bar(1)
        bar(3)
        bar.close()
    assert "4/4 articles" in tty.getvalue() and "\r[" in tty.getvalue()
    assert pipe.getvalue() == ""


def test_a_quote_split_between_sentences_is_two_statements_and_within_a_sentence_one() -> None:
    text = "“The quay will reopen on Monday,” Marsh said. “Nobody should expect ferries before then.”"
    a, b = text.index("The quay"), text.index("Nobody")
    q = Quote("…", a, len(text) - 1, True, "Lena Marsh", parts=((a, a + 30), (b, b + 41)))
    parts = statements(q, text)
    assert [p.text for p in parts] == [
        "The quay will reopen on Monday",
        "Nobody should expect ferries before then.",
    ]
    assert [(p.start, p.end) for p in parts] == [(a, a + 30), (b, b + 41)]
    same = "“The quay,” Marsh said, “will reopen on Monday.”"
    c, d = same.index("The quay"), same.index("will")
    one = Quote(
        "The quay will reopen on Monday.",
        c,
        len(same) - 1,
        True,
        "Lena Marsh",
        parts=((c, c + 8), (d, d + 23)),
    )
    assert statements(one, same) == [one]


def test_tries_allow_a_limit_per_key_in_a_sliding_window_and_refusals_do_not_count() -> None:
    now = [1_000.0]
    tries = Tries(3, 60, clock=lambda: now[0])
    for _ in range(3):
        assert tries.take("a") == 0.0
        now[0] += 10
    assert tries.take("a") == 30.0  # the oldest try (at 1,000 s) leaves the window at 1,060 s
    assert tries.take("b") == 0.0  # another key has its own tries
    now[0] += 20
    assert tries.take("a") == 10.0  # asking again did not push the wait out
    now[0] += 10
    assert tries.take("a") == 0.0  # the oldest left: one try is free again, and taken
    assert tries.take("a") == 10.0  # the next to leave is the one made at 1,010 s
    now[0] += 120
    assert [tries.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
