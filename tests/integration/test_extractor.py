"""The v0 extractor on sentences written for these tests, and on the two seed articles (DESIGN.md contract)."""

from __future__ import annotations

import json

import pytest

from bot.extractor import Extraction, Extractor, Figure
from tests.conftest import SEEDS


def figures(x: Extractor, text: str) -> list[Figure]:
    return list(x.extract(text).figures)


def one(x: Extractor, text: str) -> Figure:
    found = figures(x, text)
    assert len(found) == 1, [f.text for f in found]
    return found[0]


@pytest.mark.parametrize(
    ("text", "span", "value", "unit", "counted"),
    [
        ("The clinic hired about 3,500 nurses last winter.", "about 3,500", 3500, None, "nurses"),
        ("Lawmakers approved $59 billion in new spending.", "$59 billion", 59e9, "USD", "spending"),
        ("The port handled nine million containers.", "nine million", 9e6, None, "containers"),
        ("Turnout reached 45% in the northern districts.", "45%", 45, "percent", None),
        ("Support fell 3 percentage points in a month.", "3 percentage points", 3, "percentage points", None),
        ("The plant employs more than 1,200 workers.", "more than 1,200", 1200, None, "workers"),
        ("The shelter took in a dozen dogs.", "a dozen", 12, None, "dogs"),
        ("The region has 2.5 million residents.", "2.5 million", 2.5e6, None, "residents"),
        ("The fund raised $3million from donors.", "$3million", 3e6, "USD", None),
        ("Each ticket costs 45 cents at the kiosk.", "45 cents", 0.45, "USD", None),
    ],
)
def test_figure_values_units_and_counted_nouns(
    extractor: Extractor, text: str, span: str, value: float, unit: str | None, counted: str | None
) -> None:
    f = one(extractor, text)
    assert text[f.start : f.end] == f.text == span
    assert f.value == pytest.approx(value)
    assert f.unit == unit
    assert f.counted == counted


def test_range_part_of_whole_rate_and_approximator(extractor: Extractor) -> None:
    r = one(extractor, "Officials expect 10,000 to 12,000 volunteers at the games.")
    assert (r.low, r.high, r.value, r.counted) == (10000, 12000, 10000, "volunteers")  # value: the low end
    w = one(extractor, "Nearly eight of 10 drivers in the survey wanted lower tolls.")
    assert (w.value, w.whole, w.approx, w.counted, w.text) == (
        8,
        10,
        "nearly",
        "drivers",
        "Nearly eight of 10",
    )
    rate = one(extractor, "The hospital admits 300 patients every day.")
    assert (rate.value, rate.counted, rate.rate) == (300, "patients", "day")
    # "cut by 0.2 percentage points to 3.1 percent" is a change and a level, not a range
    assert [
        (f.value, f.unit)
        for f in figures(extractor, "The bank cut its forecast by 0.2 percentage points to 3.1 percent.")
    ] == [
        (0.2, "percentage points"),
        (3.1, "percent"),
    ]
    # "46 percent to 42 percent" is two figures, not a range
    assert [
        f.value for f in figures(extractor, "Falling prices cost 46 percent to 42 percent of shops a loss.")
    ] == [
        46,
        42,
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The council met in 2016 to discuss the bridge.",
        "The vote took place on Sept. 26 in the capital.",
        "Cases of COVID-19 rose in the county.",
        "The air force bought F-16 jets.",
        "The war began nearly three years ago.",
        "The briefing starts at 10:30 tomorrow.",
        "Members invoked Article 5 of the treaty.",
        "A 45-year-old man was arrested.",
        "She is one of the founders.",
    ],
)
def test_not_figures(extractor: Extractor, text: str) -> None:
    assert figures(extractor, text) == []


def test_summary_falls_back_to_quotes_when_an_item_is_only_quotes(extractor: Extractor) -> None:
    text = "“We will rebuild every school in the valley before winter,” the governor said."
    assert extractor.extract(text, title="Schools").summary.startswith("“We will rebuild")


_STORY = (
    "Harbor officials said on Monday that about 1,200 workers would rebuild the pier. "
    "“We will finish before the storms,” Mayor Jane Holt said. Costs rose 12 percent to $4.5 million.\n"
)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   \n\n\t", id="blank"),
        pytest.param("\x00\x01\x02garbage\xff\ufffd" * 500, id="binary garbage"),
        pytest.param(bytes(range(256)).decode("latin-1") * 200, id="every byte"),
        pytest.param("“”“”\"\"«»‘’''" * 2000, id="only quote marks"),
        pytest.param("word said that " * 70_000, id="one endless sentence (1 MB)"),
        pytest.param("no sentences here just words " * 100, id="no sentences"),
        pytest.param("“" + "an opening mark that never closes, he said " * 5000, id="unbalanced"),
        pytest.param("9" * 100_000, id="one huge number"),
        pytest.param(_STORY * 25_000, id="a 5 MB article"),
        # runs of one character that once made a regex or the tokenizer quadratic
        pytest.param("." * 40_000, id="a run of dots"),
        pytest.param("A." * 20_000, id="a run of initials"),
        pytest.param("- a" + " " * 40_000 + "b", id="a run of spaces in a dash paragraph"),
        pytest.param("“" * 20_000, id="a run of opening marks"),
        pytest.param("’s" * 10_000, id="a run of possessives"),
        pytest.param("Kursk-" * 4_000, id="one endless hyphenated word"),
    ],
)
def test_bad_input_gives_a_well_formed_result(extractor: Extractor, text: str) -> None:
    e = extractor.extract(text)
    assert isinstance(e, Extraction)
    json.dumps(e.to_dict())  # serialisable as the contract says
    for q in e.quotes:
        assert 0 <= q.start < q.end <= len(text)
        assert q.parts[0][0] == q.start and q.parts[-1][1] == q.end
        assert all(text[a:b] in q.text for a, b in q.parts)
    for item in (*e.figures, *e.entities):
        assert 0 <= item.start <= item.end <= len(text)
        assert text[item.start : item.end] == item.text
    assert len(e.summary) <= 421  # 420 characters and an ellipsis at most


def test_nationalities_are_not_people(extractor: Extractor) -> None:
    for text in ("German Greens said the plan failed.", "Iraqi Kurds said the vote would go ahead."):
        assert [e for e in extractor.extract(text).entities if e.label == "PERSON"] == []


def test_a_long_article_is_processed_whole(extractor: Extractor) -> None:
    e = extractor.extract(_STORY * 2_000)  # ~250 kB: no cut-off before the limit
    assert len([q for q in e.quotes if q.direct]) == 2_000
    assert len([f for f in e.figures if f.value == 1200]) == 2_000


# -- the seeds ------------------------------------------------------------------------------------------------------
def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def test_seed_one_quotes_and_figures(extractor: Extractor) -> None:
    text = seed("000_dfc381a07cc688fc.txt")
    e = extractor.extract(text)
    assert e.title == "North Korean troops rally in Kursk: Zelensky urges action"
    assert e.summary.startswith("On Thursday, Pentagon Chief Lloyd Austin reported")  # facts before quotes
    direct = [q for q in e.quotes if q.direct]
    assert len(direct) == 8  # every passage of direct speech in the seed, each with its speaker
    assert {q.speaker for q in direct} == {"Volodymyr Zelensky", "Lloyd Austin"}
    assert [q.speaker for q in direct if q.text.startswith("if these troops take part")] == ["Lloyd Austin"]
    zelensky = [q.text for q in e.quotes if q.speaker == "Volodymyr Zelensky"]
    assert any(
        t.startswith("We see all the places where Russia gathers North Korean soldiers") for t in zelensky
    )
    assert any(t.startswith("Everyone is just waiting for North Korean troops") for t in zelensky)
    assert any(
        q.speaker == "Volodymyr Zelensky" and text[q.speaker_start : q.speaker_end] == "the Ukrainian leader"
        for q in e.quotes
    )  # a description resolved to the person
    by_value = {(f.value, f.counted): f for f in reversed(e.figures)}  # first occurrence wins
    kursk = by_value[(8000, "soldiers")]
    assert kursk.whole == 10000 and kursk.approx == "about" and "Kursk region" in (kursk.subject or "")
    russia = by_value[(10000, "soldiers")]
    assert russia.subject == "North Korean soldiers in Russia"
    assert all(f.value not in (3,) for f in e.figures)  # "nearly three years ago" is a time span


def test_seed_two_quotes_and_figures(extractor: Extractor) -> None:
    text = seed("003_8b8a93bd28dc7ebf.txt")
    e = extractor.extract(text)
    assert e.title == "Zelensky wants Ukraine to attack North Korean troops in Russia"
    assert "Site icon" not in e.summary and "Photo" not in e.summary and e.summary
    direct = {q.parts[0]: q for q in e.quotes if q.direct}
    austin = [
        q for q in direct.values() if q.text.startswith("Russia intends to use these troops against Ukraine")
    ]
    assert len(austin) == 1 and austin[0].speaker == "Lloyd Austin"
    # the second part of the split quote is a quote of its own, by the same speaker
    assert [q.speaker for q in direct.values() if q.text.startswith("That would make them legitimate")] == [
        "Lloyd Austin"
    ]
    zelensky = [q for q in direct.values() if q.speaker == "Volodymyr Zelensky"]
    assert any(
        q.text.startswith("We see every site where Russia is accumulating these soldiers") for q in zelensky
    )
    assert any(q.text.startswith("Everyone is just waiting for the North Korean military") for q in zelensky)
    assert {q.speaker for q in e.quotes if q.direct} == {"Volodymyr Zelensky", "Lloyd Austin"}
    indirect = [q for q in e.quotes if not q.direct and q.speaker == "Lloyd Austin"]
    assert any(q.text.startswith("Russia is average a loss of 1,200 troops every day") for q in indirect)
    assert any(q.text.startswith("North Korea has sent about 10,000 soldiers to Russia") for q in indirect)
    figs = {(f.value, f.counted, f.rate) for f in e.figures}
    assert (1200, "troops", "day") in figs
    assert (9_000_000, "shells", None) in figs
    assert (8000, "troops", None) in figs
    assert (10000, "soldiers", None) in figs
    assert not any(f.value in (26, 2) for f in e.figures)  # "Sept. 26", "Nov. 2"


def test_contract_offsets_slice_the_text(extractor: Extractor) -> None:
    for name in ("000_dfc381a07cc688fc.txt", "003_8b8a93bd28dc7ebf.txt"):
        text = seed(name)
        d = extractor.extract(text).to_dict()
        assert set(d) == {"title", "summary", "quotes", "figures", "entities"}
        for q in d["quotes"]:
            assert all(text[a:b] in q["text"] for a, b in q["parts"])
            if q["speaker_start"] is not None:
                assert text[q["speaker_start"] : q["speaker_end"]].strip()
        for f in d["figures"]:
            assert text[f["start"] : f["end"]] == f["text"]
            assert f["sentence_start"] <= f["start"] < f["end"] <= f["sentence_end"]
        for ent in d["entities"]:
            assert text[ent["start"] : ent["end"]] == ent["text"]


def test_summary_skips_site_section_byline_and_translation_lines(extractor: Extractor) -> None:
    text = (
        "Ferry crews strike at Lindholm\n"
        "THE LINDHOLM COURIER | Coast and islands\n"
        "By Mara Quist | 2 March 2026\n"
        "Listen to this report (2 min)\n"
        "This article was translated from Danish by the Courier desk.\n\n"
        "Ferry crews at Lindholm stopped work on Monday, leaving 4,000 commuters without a crossing. "
        "The union wants a shorter roster."
    )
    summary = extractor.extract(text).summary
    assert summary.startswith("Ferry crews at Lindholm stopped work on Monday")
    for furniture in ("COURIER", "Mara Quist", "Listen to", "translated"):
        assert furniture not in summary
