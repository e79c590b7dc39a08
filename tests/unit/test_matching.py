"""Same claim or not, across outlets (issue: Claims across sources). Sentences written for these tests."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from bot.cli import match
from bot.core.figure_identity import FigureRef, figure_relation
from bot.core.matching import ClusterValue, ClusterView, Placement, index_keys, place
from bot.core.quote_identity import (
    FRAGMENT_SCORE,
    POLARITY_DAMPING,
    negated,
    quote_match,
    quote_similarity,
    quotes_a_fragment_of,
    same_speaker,
    term_similarity,
)
from bot.core.terms import terms, weighted_terms


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Pentagon Chief Lloyd Austin", "Lloyd Austin", True),
        ("Lloyd J. Austin", "Austin", True),
        ("President Volodymyr Zelensky", "Volodymyr Zelensky", True),
        ("Hillary Clinton", "Bill Clinton", False),
        ("Petra Gallagher", "Priya Gallagher", False),  # given names that differ are different people
        ("P. Gallagher", "Priya Gallagher", True),
        ("Volodymyr Zelenskyy", "Zelensky", True),  # spelling variants are one person
        ("Oleksii Reznikov", "Oleksiy Reznikov", True),
        ("The Chamber of Commerce", "Lorvanian Chamber of Commerce", True),  # a body's name holds the other
        ("Chamber of Commerce", "Lorvanian Chamber of Shipping", False),
        ("Lloyd Austin", "Lena Marsh", False),
        (None, "Lloyd Austin", False),
    ],
)
def test_speakers_are_compared_by_surname_with_titles_dropped(a: str | None, b: str, same: bool) -> None:
    assert same_speaker(a, b) is same


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # the issue's own example: a translation told two ways
        (
            "We see all the places where Russia gathers North Korean soldiers on its territory",
            "We see every site where Russia is accumulating these soldiers from North Korea on its territory",
        ),
        # shortened: one outlet quotes part of the statement
        (
            "The harbour will stay closed until the storm passes, and the ferries will not sail before Friday",
            "the ferries will not sail before Friday",
        ),
        # turned into indirect speech
        (
            "I will close the harbour to cargo ships on Monday",
            "she would close the harbour to cargo ships on Monday",
        ),
    ],
)
def test_the_same_statement_in_other_words_matches(a: str, b: str) -> None:
    m = quote_match(a, "Lena Marsh", b, "Marsh")
    assert m.same and m.score >= 0.6


def test_another_statement_by_the_same_speaker_on_the_same_topic_does_not_match() -> None:
    a = "The harbour will stay closed until the storm passes"
    b = "The harbour needs a new sea wall before next winter, and the city will pay for it"
    m = quote_match(a, "Lena Marsh", b, "Lena Marsh")
    assert not m.same and m.score < 0.6


def test_the_same_words_from_another_speaker_do_not_match() -> None:
    text = "The harbour will stay closed until the storm passes"
    assert quote_match(text, "Lena Marsh", text, "Ravi Anand").same is False


def test_a_shared_name_and_one_word_are_not_the_same_statement() -> None:
    a = "Mayor Ravi Anand's budget will cut bus routes across the east side of the city"
    b = "too much is made of Ravi Anand's budget"
    assert not quote_match(a, "Lena Marsh", b, "Lena Marsh").same


def test_equivalent_words_become_one_term() -> None:
    assert terms("North Korean troops in the Kursk region") == terms(
        "soldiers from North Korea in Kursk Oblast"
    )


def fig(value: float, counted: str, subject: str, unit: str | None = None, approx: bool = False) -> FigureRef:
    return FigureRef(value, unit, counted, subject, None, approx)


@pytest.mark.parametrize(
    ("a", "b", "relation"),
    [
        (
            fig(10000, "soldiers", "North Korean soldiers in Russia"),
            fig(10000, "troops", "North Korean troops in Russia"),
            "same",
        ),
        (
            fig(10000, "soldiers", "North Korean soldiers in Russia"),
            fig(11000, "troops", "troops from North Korea in Russia"),
            "conflict",
        ),
        (
            fig(8000, "soldiers", "North Korean soldiers in the Kursk region"),
            fig(10000, "soldiers", "North Korean soldiers in Russia"),
            "different",
        ),
        (fig(9_000_000, "shells", "shells", approx=True), fig(9_200_000, "shells", "shells"), "same"),
        (fig(9_000_000, "shells", "shells"), fig(9_200_000, "shells", "shells"), "conflict"),
        (fig(3.1, "", "unemployment", unit="percent"), fig(3.1, "", "unemployment"), "different"),
    ],
)
def test_figures_of_the_same_thing_corroborate_or_conflict(a: FigureRef, b: FigureRef, relation: str) -> None:
    assert figure_relation(a, b) == relation
    assert figure_relation(b, a) == relation


def test_match_command_answers_every_line_and_reports_bad_ones() -> None:
    lines = [
        {
            "kind": "quote",
            "a": {"text": "the ferries will not sail before Friday", "speaker": "Lena Marsh"},
            "b": {"text": "The ferries will not sail before Friday at the earliest", "speaker": "Marsh"},
        },
        "not json",
        {"kind": "quote", "a": {"text": "x"}},
        {
            "kind": "figure",
            "a": {"value": 10000, "counted": "soldiers", "subject": "soldiers in Russia"},
            "b": {"value": 11000, "counted": "troops", "subject": "troops in Russia"},
        },
    ]
    inp = io.StringIO("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    out = io.StringIO()
    assert match(inp, out) == 1  # two bad lines: the exit status says so, the answers still line up
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(answers) == 4
    assert answers[0]["same"] is True and answers[0]["score"] >= 0.6
    assert "line 2" in answers[1]["error"] and "line 3" in answers[2]["error"]
    assert answers[3] == {"same": False, "score": 0.0, "relation": "conflict"}


def view(cid: int, thing: FigureRef, *values: tuple[float, str, int]) -> ClusterView:
    return ClusterView(
        cid,
        "figure",
        None,
        (),
        thing,
        tuple(ClusterValue(v, False, src, aid) for v, src, aid in values),
        frozenset(aid for _, _, aid in values),
    )


def test_a_less_specific_figure_may_corroborate_but_never_conflicts() -> None:
    stored = view(1, fig(10000, "soldiers", "North Korean soldiers in Russia"), (10000, "Gazette", 1))
    vague_same = fig(10000, "troops", "North Korean troops")
    vague_other = fig(12000, "troops", "North Korean troops")
    assert place("figure", 2, None, "", vague_same, [stored]) == Placement(
        1, "corroborated", 0.9, agrees_with=stored.values[0]
    )
    assert place("figure", 2, None, "", vague_other, [stored]).status == "new"
    exact_other = fig(12000, "troops", "troops from North Korea in Russia")
    placed = place("figure", 2, None, "", exact_other, [stored])
    assert placed.status == "conflicting" and placed.conflicts_with == stored.values[0]


def test_a_value_seen_before_in_a_cluster_corroborates_and_the_same_article_repeats() -> None:
    stored = view(
        1, fig(10000, "soldiers", "soldiers in Russia"), (10000, "Gazette", 1), (11000, "Courier", 2)
    )
    assert (
        place("figure", 3, None, "", fig(11000, "troops", "troops in Russia"), [stored]).agrees_with
        == (stored.values[1])
    )
    # status is against what earlier articles reported: the Courier (article 2) now gives the Gazette's value
    again = place("figure", 2, None, "", fig(10000, "troops", "troops in Russia"), [stored])
    assert again.status == "corroborated" and again.agrees_with == stored.values[0]
    # its own value once more is a repeat
    assert place("figure", 2, None, "", fig(11000, "troops", "troops in Russia"), [stored]).status == "repeat"


def test_a_bare_figure_without_anchors_corroborates_nothing_loosely() -> None:
    stored = view(1, fig(3.1, "", "unemployment", unit="percent"), (3.1, "Gazette", 1))
    assert place("figure", 2, None, "", fig(3.1, "", "", unit="percent"), [stored]).status == "new"


def test_comparing_two_huge_quotes_stays_bounded() -> None:
    words = " ".join(f"word{i}" for i in range(50_000))
    assert quote_match(words, "Lena Marsh", words, "Lena Marsh").same  # the first 300 words decide


def test_match_command_refuses_values_that_are_not_finite_numbers() -> None:
    pair = {
        "kind": "figure",
        "a": {"value": float("inf"), "counted": "ships"},
        "b": {"value": 5, "counted": "ships"},
    }
    out = io.StringIO()
    assert match(io.StringIO(json.dumps(pair) + "\n" + "[" * 100_000 + "\n"), out) == 1
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert "finite" in first["error"] and "line 2" in second["error"]


def test_events_one_report_may_name_otherwise_corroborate_but_never_conflict() -> None:
    burned = FigureRef(4800, "hectares", "area", "forest", event="burned")
    destroyed = replace(burned, event="destroyed")
    assert figure_relation(burned, destroyed) == "same"
    assert figure_relation(destroyed, replace(burned, value=5200)) == "different"  # not a conflict
    sent = FigureRef(8000, None, "soldiers", "soldiers", event="sent")
    assert figure_relation(sent, replace(sent, event="deployed")) == "same"
    assert figure_relation(sent, replace(sent, event="killed")) == "different"


def test_killed_and_wounded_counts_never_conflict_and_an_unstated_event_never_conflicts() -> None:
    killed = FigureRef(12, None, "people", "people in Harbourview", event="killed")
    wounded = FigureRef(30, None, "people", "people in Harbourview", event="injured")
    unstated = FigureRef(30, None, "people", "people in Harbourview")
    assert figure_relation(killed, wounded) == "different"
    assert figure_relation(killed, replace(killed, value=15)) == "conflict"
    assert figure_relation(killed, unstated) == "different"  # says less: may corroborate, never conflicts
    assert figure_relation(wounded, unstated) == "same"
    stored = view(1, killed, (12, "Gazette", 1))
    assert place("figure", 2, None, "", wounded, [stored]).status == "new"
    assert place("figure", 2, None, "", replace(unstated, value=12), [stored]).status == "corroborated"


def test_us_and_american_are_one_term() -> None:
    assert terms("U.S. officials") == terms("American officials") == terms("US officials")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Ravi Anand said he would speak plainly to “ferry crews” about the closures",
            "Maybe I can talk to the ferry crews and tell them the truth about why the harbour must close",
        ),
        (
            "that the delays at the grain terminal must be treated as “unacceptable”",
            "We waited nine days for a berth. Nine days. That is unacceptable for any port in this country",
        ),
    ],
)
def test_a_quoted_fragment_of_the_other_sides_words_is_the_same_statement(a: str, b: str) -> None:
    assert quotes_a_fragment_of(a, b)
    m = quote_match(a, "Ravi Anand", b, "Ravi Anand")
    assert m.same and m.score == FRAGMENT_SCORE


def test_a_quoted_fragment_needs_a_content_word_and_an_apostrophe_is_not_a_quote_mark() -> None:
    assert not quotes_a_fragment_of("he said it was “in the” plan all along", "we put it in the plan")
    assert not quotes_a_fragment_of("Anand’s budget ‘plan’s’ cuts", "the plan cuts buses")
    # the whole of one side in quote marks is its wording, compared by wording_similarity, not a fragment
    assert not quotes_a_fragment_of("“the harbour will close”", "the harbour will close on Monday")


def test_shared_words_in_opposite_polarity_count_for_less() -> None:
    a = "Of course I pay the harbour fees in full"
    b = "Not paying fees is smart"
    assert negated(b) and not negated(a)
    plain = term_similarity(weighted_terms(a), weighted_terms(b))
    assert quote_similarity(a, b) == pytest.approx(plain * POLARITY_DAMPING)
    assert not quote_match(a, "Lena Marsh", b, "Lena Marsh").same
    # both negated: no damping
    c = "I never pay a fee late"
    assert quote_similarity(c, b) >= term_similarity(weighted_terms(c), weighted_terms(b))


def test_figures_that_say_neither_what_nor_of_what_never_cluster_or_conflict() -> None:
    """'The bridge plan costs $18 million' and 'the school budget is $40 million': with no counted thing and no
    subject read, both measure only 'dollars' — two different claims, never a conflict."""
    a = FigureRef(18e6, "USD", None, None)
    b = FigureRef(40e6, "USD", None, None)
    assert figure_relation(a, b) == "different"
    assert index_keys("figure", None, "$18 million", a) == []
    # with what they are about, they are comparable again
    c = FigureRef(18e6, "USD", None, "the Lindow bridge plan", measure="cost")
    d = FigureRef(21e6, "USD", None, "the Lindow bridge plan", measure="cost")
    assert figure_relation(c, d) == "conflict"


def test_an_amount_is_one_term_however_it_is_written() -> None:
    """'€40m a day' and '40 million euros per day': one amount, so the two reports of the statement share it."""
    assert weighted_terms("costing €40m a day") == weighted_terms("costing 40 million euros per day")
    a = "the closure is costing 40 million euros per day"
    b = "The closure of the harbour is costing the economy €40m a day"
    assert quote_match(a, "Chamber of Commerce", b, "The Chamber of Commerce").same
    # other amounts are other statements
    c = "The closure of the harbour is costing the economy €55m a day"
    assert not quote_match(a, "Chamber of Commerce", c, "The Chamber of Commerce").same
