"""Figures v2 (issue 16): measure, event and period; error class 7 (no-break spaces, currency words, page furniture,
measure nouns); the counted noun in its harder layouts; events.txt validated. Every sentence written for these tests.
"""

from __future__ import annotations

from importlib import resources

import pytest

from bot.extractor import Extractor, Figure
from bot.extractor.lexicon import figure_words


def figures(x: Extractor, text: str) -> list[Figure]:
    return list(x.extract(text).figures)


def one(x: Extractor, text: str) -> Figure:
    found = figures(x, text)
    assert len(found) == 1, [f.text for f in found]
    return found[0]


def test_new_fields_default_to_none() -> None:
    f = Figure(text="12", start=0, end=2, value=12)
    assert (f.measure, f.event, f.period) == (None, None, None)


# --- error class 7: values -------------------------------------------------------------------------------------


# a plain space too: a feed's HTML flattened to text turns no-break spaces into spaces
@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2009", " "])
def test_thousands_grouped_by_a_no_break_space(extractor: Extractor, space: str) -> None:
    f = one(extractor, f"The relief agency counted 8{space}000 evacuees by nightfall.")
    assert (f.text, f.value, f.counted) == (f"8{space}000", 8000, "evacuees")
    f = one(extractor, f"Beekeepers lost 12{space}500{space}000 bees over the winter.")
    assert f.value == 12_500_000


@pytest.mark.parametrize(
    ("text", "span", "value", "unit"),
    [
        ("The council set aside 425 million dollars for the tramway.", "425 million dollars", 425e6, "USD"),
        ("The council set aside $425m for the tramway.", "$425m", 425e6, "USD"),
        ("Brussels pledged 40 million euros to the fishing towns.", "40 million euros", 40e6, "EUR"),
        ("Brussels pledged €40m to the fishing towns.", "€40m", 40e6, "EUR"),
        ("Each stall pays 260 euros a month in rent.", "260 euros", 260, "EUR"),
        ("The mine sold 3 million Canadian dollars of nickel.", "3 million Canadian dollars", 3e6, "CAD"),
    ],
)
def test_currency_words_normalise_like_symbols(
    extractor: Extractor, text: str, span: str, value: float, unit: str
) -> None:
    f = one(extractor, text)
    assert (f.text, f.value, f.unit) == (span, value, unit)


@pytest.mark.parametrize(
    ("text", "span", "unit", "measure"),
    [
        ("The blaze has scorched about 3,100 hectares of scrub.", "about 3,100 hectares", "hectares", "area"),
        ("Gusts of up to 90 km/h are expected.", "up to 90 km/h", "km/h", "speed"),
        ("Gusts reached 70 kilometres per hour on the ridge.", "70 kilometres per hour", "km/h", "speed"),
    ],
)
def test_measure_units(extractor: Extractor, text: str, span: str, unit: str, measure: str) -> None:
    f = one(extractor, text)
    assert (f.text, f.unit, f.measure) == (span, unit, measure)


def test_a_range_keeps_its_unit_after_the_second_end(extractor: Extractor) -> None:
    f = one(extractor, "Winds of 50 to 65 km/h fanned the flames.")
    assert (f.text, f.low, f.high, f.unit) == ("50 to 65 km/h", 50, 65, "km/h")


# --- error class 7: page furniture and other numbers that are not figures --------------------------------------

FURNITURE = """Floods close the coast road
MARSHVALE HERALD | Local news
Tuesday, 4 novembre 2024
Photo: Marshvale Herald / R. Tamsin

Rising water forced 2,300 people from their homes, the county said.

Read more: 7 things to pack before an evacuation
Listen to this report (4 min)
Share this story
Residents can call the flood line on 0800 555 219.
© Marshvale Herald 2024
"""


def test_page_furniture_gives_no_figures(extractor: Extractor) -> None:
    assert [(f.text, f.counted) for f in figures(extractor, FURNITURE)] == [("2,300", "people")]


@pytest.mark.parametrize(
    "line",
    ["7 August 2025", "Friday 8 August 2025", "4 novembre 2024", "Related: 10 pictures from the march"],
)
def test_date_and_link_lines(extractor: Extractor, line: str) -> None:
    assert (
        figures(extractor, f"Storm hits the islands\n{line}\n\nThe storm damaged 40 boats in the harbour.\n")
        != []
    )
    assert all(
        f.value == 40
        for f in figures(extractor, f"Storm hits the islands\n{line}\n\nThe storm damaged 40 boats.\n")
    )


def test_a_sentence_that_starts_like_furniture_is_still_read(extractor: Extractor) -> None:
    f = one(extractor, "Share prices fell 4% after the announcement.")
    assert f.value == 4


@pytest.mark.parametrize(
    "text",
    [
        "Dock worker Tamsin Orle, 52, said the shifts were too long.",
        "Crowds gathered at Gate 7 before dawn.",
        "The station broadcasts on 101.3 FM across the valley.",
        "Call the helpline on 0845 600 1234 for advice.",
        "The scheme is open to people between the ages of 18 and 25.",
        "A 19- to 23-year-old cohort was studied.",
        '<post stamp="1633046400" id="9981234">The mayor spoke.</post>',
        "The contract runs for two to three years.",
    ],
)
def test_not_figures(extractor: Extractor, text: str) -> None:
    assert figures(extractor, text) == []


# --- measure, event and period ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "measure"),
    [
        ("A magnitude 6.4 quake rattled the island overnight.", "6.4", "magnitude"),
        ("The toll has climbed to 212, officials said.", "212", "toll"),
        ("The town's population is now 14,000.", "14,000", "population"),
        ("The well reaches a depth of 900 metres.", "900 metres", "depth"),
    ],
)
def test_measure_noun_of_the_sentence(extractor: Extractor, text: str, span: str, measure: str) -> None:
    f = one(extractor, text)
    assert (f.text, f.measure) == (span, measure)


def test_measure_is_the_counted_noun_when_there_is_one(extractor: Extractor) -> None:
    f = one(extractor, "The charity handed out 700 blankets.")
    assert (f.counted, f.measure) == ("blankets", "blankets")


def test_a_casualty_count_with_no_noun_measures_people(extractor: Extractor) -> None:
    found = figures(extractor, "The storm flattened the harbour, killing 9 and injuring about 150.")
    assert [(f.value, f.event, f.measure) for f in found] == [
        (9, "killed", "people"),
        (150, "injured", "people"),
    ]


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("Crews evacuated 1,400 residents from the valley.", "evacuated"),
        ("Two miners were killed in the collapse.", "killed"),
        ("The navy deployed 600 sailors to the strait.", "deployed"),
        ("The neighbouring province sent 45 fire engines.", "sent"),
        ("The flames destroyed at least 80 barns.", "destroyed"),
        ("The fire has burned 5,000 hectares of pasture.", "burned"),
        ("The charity handed out 700 blankets.", None),
    ],
)
def test_event(extractor: Extractor, text: str, event: str | None) -> None:
    assert one(extractor, text).event == event


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("The 1987 flood drove 3,000 people from the delta.", "the 1987 flood"),
        ("Exports rose 6% last year.", "last year"),
        ("In 2016, the port handled 900 ships.", "2016"),
        ("The port now handles 1,100 ships.", None),
        ("The port has added 300 berths since 2016.", None),
        ("Gusts of up to 40 km/h are forecast for Sunday.", "forecast"),
        ("The agency expects 900 more cruise passengers.", "forecast"),
    ],
)
def test_period(extractor: Extractor, text: str, period: str | None) -> None:
    assert one(extractor, text).period == period


def test_the_article_own_year_is_not_a_period(extractor: Extractor) -> None:
    text = "Harbour reopens\nMonday 3 March 2025\n\nIn 2025 the harbour welcomed 400 cruise ships.\n"
    assert [(f.value, f.period) for f in figures(extractor, text)] == [(400, None)]


# --- the counted noun ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "counted"),
    [
        ("Families with incomes of more than $90,000 will pay more.", "more than $90,000", "incomes"),
        ("The average tax cut of $1,800 went mostly to renters.", "$1,800", "cut"),
        ("Most Liberal pledges (61%) were kept.", "61%", "pledges"),
        ("Three of their neighbours were hurt.", "Three", "neighbours"),
        ("The number of shelters opened has risen to 37.", "37", "shelters"),
        ("The board published a 212-page audit.", "212", "page"),
        ("It helped 4 million low- and middle-income Canadians.", "4 million", "Canadians"),
        ("Auditors checked 9,000 disputed claims last year.", "9,000", "claims"),
        ("Green candidates won 14% support in the cities.", "14%", "support"),
    ],
)
def test_counted_noun_layouts(extractor: Extractor, text: str, span: str, counted: str) -> None:
    f = one(extractor, text)
    assert (f.text, f.counted) == (span, counted)


def test_colleagues_count_the_people_the_sentence_before_counted(extractor: Extractor) -> None:
    found = figures(
        extractor,
        "Two ferry pilots were hurt when the gangway gave way. Four of their colleagues were taken to hospital."
        " Six of their neighbours left the island.",
    )
    assert [(f.text, f.counted) for f in found] == [
        ("Two", "pilots"),
        ("Four", "pilots"),
        ("Six", "neighbours"),
    ]


def test_a_list_names_its_noun_once(extractor: Extractor) -> None:
    found = figures(
        extractor, "The mayor won 51 percent support, her rival 40 percent and the rest 9 percent."
    )
    assert [f.counted for f in found] == ["support", "support", "support"]


def test_of_them_and_of_whom_take_the_noun_before(extractor: Extractor) -> None:
    found = figures(extractor, "The fire destroyed 230 homes, 90 of them in the old town.")
    assert [f.counted for f in found] == ["homes", "homes"]


@pytest.mark.parametrize(
    ("text", "span", "value", "whole", "low", "high"),
    [
        ("Roughly 1 in 5 drivers ignored the sign.", "Roughly 1 in 5", 1, 5, None, None),
        ("Between 200 and 350 trucks queue at the border.", "Between 200 and 350", 200, None, 200, 350),
        ("The motion passed by a 3 to 1 margin.", "3 to 1", 3, None, None, None),
    ],
)
def test_ratios_and_between_ranges(
    extractor: Extractor,
    text: str,
    span: str,
    value: float,
    whole: float | None,
    low: float | None,
    high: float | None,
) -> None:
    f = one(extractor, text)
    assert (f.text, f.value, f.whole, f.low, f.high) == (span, value, whole, low, high)


# --- events.txt ------------------------------------------------------------------------------------------------


def test_events_file_is_valid() -> None:
    raw = resources.files("bot.extractor").joinpath("data", "events.txt").read_text(encoding="utf-8")
    lines = [ln for ln in raw.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    seen: set[str] = set()
    for line in lines:
        forms = line.split()
        assert len(forms) >= 2, f"a class with no forms: {line!r}"
        for form in forms:
            assert form.replace("_", "").isalpha() and form == form.lower(), form  # a phrase joins with _
            assert form not in seen, f"{form!r} is listed twice"
            seen.add(form)
    classes = {ln.split()[0] for ln in lines}
    assert {"killed", "injured", "evacuated", "sent", "deployed", "destroyed", "burned"} <= classes
    events = figure_words().events
    assert all(events[c] == c for c in classes)
    assert events["injuring"] == "injured" and events["evacuees"] == "evacuated"


def test_figure_vocabularies_load() -> None:
    fw = figure_words()
    assert {"magnitude", "toll", "depth", "population", "distance", "area"} <= fw.measure_nouns
    assert fw.currency_words["euros"] == "EUR" and fw.currency_words["dollars"] == "USD"
    assert all(len(v) == 2 for v in fw.measure_units.values())
    assert "read more" in fw.furniture


def test_a_forecast_is_read_in_the_figures_own_clause(extractor: Extractor) -> None:
    text = "Gusts of up to 25 km/h are forecast for Sunday, far weaker than the 70 km/h that fanned the fire."
    assert [(f.value, f.period) for f in figures(extractor, text)] == [(25, "forecast"), (70, None)]


def test_leaving_their_homes_is_an_evacuation(extractor: Extractor) -> None:
    text = "The flood forced about 2,000 people to leave their homes on Tuesday."
    assert one(extractor, text).event == "evacuated"
