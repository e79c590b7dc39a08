"""Same claim or a new one (issue 17), through the real extractor, a real SQLite store and the real embedding model.

Every article here was written for these tests. Each test stores articles in order, as a feed would bring them,
and reads the status each claim got.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.meaning import SentenceMeaning
from bot.adapters.sqlite import SqliteStore
from bot.config import FeedSettings
from bot.core.alerts import ClaimOutcome
from bot.core.claims import claims_from
from bot.core.placing import record_article
from bot.core.records import NewArticle
from bot.extractor import Extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(None)  # figures and direct quotes are the rules' work; the parse adds nothing here


@pytest.fixture(scope="module")
def meaning() -> SentenceMeaning:
    return SentenceMeaning()


class Desk:
    """A store and the extractor, storing articles one by one the way the service does."""

    def __init__(self, store: SqliteStore, extractor: Extractor, meaning: SentenceMeaning | None) -> None:
        self.store, self.extractor, self.meaning = store, extractor, meaning
        self.n = 0

    async def add(
        self, source: str, body: str, published: str = "2026-03-02T08:00:00+00:00"
    ) -> list[ClaimOutcome]:
        self.n += 1
        feed_id = await self.store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
        extraction = self.extractor.extract(body)
        article = NewArticle(
            feed_id, f"g{self.n}", None, f"T{self.n}", source, published, body, "", None, True
        )
        recorded = await record_article(
            self.store, article, claims_from(extraction, body), [], False, self.meaning
        )
        assert recorded is not None
        return recorded.outcomes


@pytest.fixture
async def desk(tmp_path: Path, extractor: Extractor, meaning: SentenceMeaning) -> Desk:
    store = await SqliteStore.open(tmp_path / "claims.db")
    yield Desk(store, extractor, meaning)  # type: ignore[misc]
    await store.close()


def figures(outcomes: list[ClaimOutcome]) -> list[tuple[str, str]]:
    return [(o.claim.text, o.status) for o in outcomes if o.claim.kind == "figure"]


def quotes(outcomes: list[ClaimOutcome]) -> list[str]:
    return [o.status for o in outcomes if o.claim.kind == "quote"]


async def test_a_reworded_statement_is_the_same_quote_by_meaning_and_embeds_only_with_a_candidate(
    desk: Desk, meaning: SentenceMeaning
) -> None:
    before = meaning.calls
    first = await desk.add(
        "Gazette", '"We are sending more doctors to the flooded villages," Mara Lindqvist said.'
    )
    assert quotes(first) == ["new"]
    other = await desk.add("Courier", '"We have never closed the northern quay," Tomas Vik said on Monday.')
    assert quotes(other) == ["new"]
    assert meaning.calls == before  # neither speaker had a stored quote: no model call
    again = await desk.add(
        "Herald",
        '"Extra medical staff are on their way to the villages hit by the floods," Mara Lindqvist said.',
    )
    assert quotes(again) == ["corroborated"]
    assert meaning.calls == before + 2  # the new wording and the stored one, each once
    rows = await desk.store.query("SELECT length(vector) FROM quote_vectors")
    assert [r[0] for r in rows] == [389, 389]  # packed: ≤ 400 bytes each
    # a different statement by the same speaker on the same subject (a candidate) stays new, and only its own
    # wording is embedded: the stored ones are read back
    different = await desk.add(
        "Post", '"The flooded villages will need new bridges before the winter," Mara Lindqvist said.'
    )
    assert quotes(different) == ["new"]
    assert meaning.calls == before + 3


async def test_a_statement_far_from_every_candidate_costs_no_model_call(
    desk: Desk, meaning: SentenceMeaning, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.add("Gazette", '"We are sending more doctors to the flooded villages," Mara Lindqvist said.')
    looked: list[list[bool]] = []
    first_look = meaning.near

    async def near(text: str, others: Sequence[str]) -> list[bool]:
        looked.append(await first_look(text, others))
        return looked[-1]

    monkeypatch.setattr(meaning, "near", near)
    before = meaning.calls
    # the same speaker and a shared word make the stored quote a candidate, and the words do not match; the
    # first look finds the two far apart, so neither is embedded
    far = await desk.add(
        "Courier",
        '"The villages football team won its first trophy since nineteen seventy," Mara Lindqvist said.',
    )
    assert quotes(far) == ["new"]
    assert looked == [[False]]  # one candidate wording looked at, and found far
    assert meaning.calls == before
    assert [tuple(r) for r in await desk.store.query("SELECT count(*) FROM quote_vectors")] == [(0,)]


async def test_the_model_runs_before_the_article_write_never_inside_it(
    desk: Desk, meaning: SentenceMeaning, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[bool] = []
    embed = meaning.vectors

    async def vectors(texts: Sequence[str]) -> list[bytes]:
        held.append(desk.store._lock.locked())  # the one writer's lock: taken by every unit of work
        return await embed(texts)

    monkeypatch.setattr(meaning, "vectors", vectors)
    await desk.add("Gazette", '"We are sending more doctors to the flooded villages," Mara Lindqvist said.')
    again = await desk.add(
        "Herald",
        '"Extra medical staff are on their way to the villages hit by the floods," Mara Lindqvist said.',
    )
    assert quotes(again) == ["corroborated"]  # by meaning
    assert held == [False]  # one batch for the article, before its unit of work
    # an article stored already (here: its feed's key again, as after a restart) is not prepared: it will not be
    # written
    feed_id = await desk.store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    body = '"More doctors are on the road to the villages under water," Mara Lindqvist said.'
    seen = NewArticle(feed_id, "g2", None, "T2", "Herald", None, body, "", None, True)
    calls = meaning.calls
    drafts = claims_from(desk.extractor.extract(body), body)
    assert drafts and await record_article(desk.store, seen, drafts, [], False, meaning) is None
    assert meaning.calls == calls
    fresh = replace(seen, entry_key="g9")  # the same article under a new key is compared by meaning
    assert await record_article(desk.store, fresh, drafts, [], False, meaning) is not None
    assert meaning.calls > calls


async def test_negation_and_other_numbers_separate_statements_whatever_their_meaning(desk: Desk) -> None:
    await desk.add("Gazette", '"We will sign the ferry contract this week," Mara Lindqvist said.')
    negated = await desk.add(
        "Courier", '"We will not sign the ferry contract this week," Mara Lindqvist said.'
    )
    assert quotes(negated) == ["new"]
    await desk.add("Gazette", '"Twelve ferries will sail on the 14 routes," Tomas Vik said.')
    numbers = await desk.add("Herald", '"Twelve ferries will sail on the 20 routes," Tomas Vik said.')
    assert quotes(numbers) == ["new"]


async def test_two_people_who_share_a_surname_are_two_speakers(desk: Desk) -> None:
    await desk.add(
        "Gazette", '"The harbour budget is balanced for the first time in years," Petra Gallagher said.'
    )
    other = await desk.add(
        "Courier", '"The harbour budget is balanced for the first time in years," Priya Gallagher said.'
    )
    assert quotes(other) == ["new"]  # another person saying it: not a corroboration of Petra


async def test_approximators_currency_words_and_no_break_spaces_do_not_change_a_value(desk: Desk) -> None:
    await desk.add("Gazette", "The storm forced 10,000 people to leave their homes in Velmora on Monday.")
    assert figures(await desk.add("Courier", "About 10\u00a0000 people were evacuated in Velmora.")) == [
        ("About 10\u00a0000", "corroborated")
    ]
    await desk.add("Gazette", "The Velmora harbour works will cost $425m, the council said.")
    assert figures(await desk.add("Courier", "The Velmora harbour works will cost 425 million dollars.")) == [
        ("425 million dollars", "corroborated")
    ]


async def test_a_revision_conflicts_and_says_which_way(desk: Desk) -> None:
    await desk.add("Gazette", "The death toll in Velmora rose to 340 on Monday.")
    (outcome,) = [o for o in await desk.add("Courier", "The death toll in Velmora rose to 410 on Tuesday.")]
    assert outcome.status == "conflicting"
    assert (outcome.conflicting_value, outcome.conflicting_source) == (340, "Gazette")


async def test_other_places_periods_forecasts_and_measures_are_other_things(desk: Desk) -> None:
    await desk.add("Gazette", "In Varn, 12 cranes were out of service on Monday.")
    assert figures(await desk.add("Courier", "In Ostby, 40 cranes were out of service on Tuesday.")) == [
        ("40", "new")
    ]
    await desk.add("Gazette", "The 2019 strike cost the port about €25m a day.")
    assert figures(await desk.add("Courier", "The strike is costing the port €40m a day.")) == [
        ("€40m", "new")
    ]
    await desk.add("Gazette", "Winds of 70 km/h drove the fire on Thursday.")
    assert figures(await desk.add("Courier", "Winds of up to 30 km/h are forecast for Sunday.")) == [
        ("up to 30 km/h", "new")
    ]
    await desk.add("Gazette", "The town's population is 14,000.")
    assert figures(await desk.add("Courier", "In the town, 30 people were injured.")) == [("30", "new")]


async def test_a_figure_from_years_later_with_no_common_anchor_is_another_event(desk: Desk) -> None:
    await desk.add(
        "Gazette", "About 8,000 soldiers were deployed in the region.", "2024-11-01T08:00:00+00:00"
    )
    later = await desk.add(
        "Courier", "8,000 soldiers were deployed in the region.", "2026-11-03T08:00:00+00:00"
    )
    assert figures(later) == [("8,000", "new")]
    soon = await desk.add(
        "Herald", "8,000 soldiers were deployed in the region.", "2026-11-04T08:00:00+00:00"
    )
    assert figures(soon) == [("8,000", "corroborated")]


async def test_a_measure_with_no_counted_noun_is_a_claim(desk: Desk) -> None:
    (outcome,) = await desk.add("Gazette", "The toll in Velmora rose to 340 on Monday.")
    assert outcome.claim.kind == "figure" and outcome.claim.counted is None
    assert outcome.claim.data["measure"] == "toll"


async def test_the_whole_of_a_part_is_its_own_claim_and_the_part_never_conflicts_with_it(desk: Desk) -> None:
    out = await desk.add("Gazette", "About 7,000 of the union's 8,500 members stayed away from work.")
    assert figures(out) == [("About 7,000 of the union's 8,500", "new"), ("8,500", "new")]
    assert figures(await desk.add("Courier", "The union has 8,500 members.")) == [("8,500", "corroborated")]


async def test_a_store_upgraded_from_v10_finds_its_old_figure_clusters(
    tmp_path: Path, extractor: Extractor
) -> None:
    path = tmp_path / "old.db"
    store = await SqliteStore.open(path)
    d = Desk(store, extractor, None)
    await d.add("Gazette", "The death toll in Velmora rose to 340 on Monday.")
    async with store.transaction() as db:  # as schema v10 left it: indexed by counted noun, not by measure
        await db.execute("DELETE FROM cluster_index")
        await db.execute("INSERT INTO cluster_index (key, cluster_id) VALUES ('f:||', 1)")
        await db.execute("DROP TABLE quote_vectors")
        for table in ("feeds", "deliveries"):  # and schema v12's lease columns
            await db.execute(f"ALTER TABLE {table} DROP COLUMN lease_owner")
            await db.execute(f"ALTER TABLE {table} DROP COLUMN lease_until")
        await db.execute("PRAGMA user_version = 10")
    await store.close()
    store = await SqliteStore.open(path)
    keys = {r[0] for r in await store.query("SELECT key FROM cluster_index")}
    assert "f:|toll" in keys
    d = Desk(store, extractor, None)
    d.n = 1
    assert figures(await d.add("Courier", "The death toll in Velmora rose to 410.")) == [
        ("410", "conflicting")
    ]
    await store.close()


async def test_conflict_payload_lists_the_earlier_values(desk: Desk) -> None:
    await desk.add("Gazette", "The death toll in Velmora rose to 340 on Monday.")
    await desk.add("Courier", "The death toll in Velmora rose to 380 on Tuesday.")
    (outcome,) = await desk.add("Herald", "The death toll in Velmora rose to 410 on Wednesday.")
    assert outcome.status == "conflicting"
    assert outcome.conflicting_value == 380  # the latest value it contradicts
    assert outcome.earlier == ((340, "Gazette"), (380, "Courier"))
    assert json.dumps(outcome.earlier)  # plain data, ready for the payload


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # a name the article uses as a place ("in Tarvel") is no speaker
        (
            'The storm hit Tarvel hard. Crews worked all night in Tarvel.\n\n"We lost three bridges and a school," '
            "Tarvel said.",
            None,
        ),
        # a country of the lexicon speaks for its government
        ('Talks resumed in Moscow.\n\n"We will not accept the new tariffs on grain," Moscow said.', "Moscow"),
        # a person's surname stays a person's, whatever the article does with it
        (
            'Aida Tarvel spoke at the Tarvel campaign office.\n\n"We will win the vote in the valley," Tarvel said.',
            "Aida Tarvel",
        ),
    ],
)
def test_a_speaker_is_never_a_place(text: str, speaker: str | None) -> None:
    (quote,) = Extractor().extract(text).quotes
    assert quote.speaker == speaker
