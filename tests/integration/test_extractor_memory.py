"""The extractor's working memory on a long, claim-dense article (issue 20): bounded by its parser batch, not by
how many sentences the article has worth parsing. Traced with tracemalloc, which sees numpy's arrays (the parser's
working memory) as well as Python objects."""

from __future__ import annotations

import tracemalloc

from bot.extractor import Extractor


def _dense_article(sentences: int) -> str:
    """An article in our own words where every sentence carries a quote cue and a figure."""
    return " ".join(
        f"Port officials said {1_000 + 7 * i} containers were moved off berth {i % 97} on Monday, "
        f"and the harbour master said crane {i % 13} would be back in service by Friday."
        for i in range(sentences)
    )


def test_a_long_article_full_of_attributions_is_parsed_in_small_batches(extractor: Extractor) -> None:
    text = _dense_article(400)  # ~62,000 characters, 800 speech cues: the parser reads up to its budget
    extractor.extract("Warm-up: the minister said 3 people were hurt.", "Warm-up")
    tracemalloc.start()
    try:
        result = extractor.extract(text, "Berths cleared")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.quotes) >= 300 and len(result.figures) >= 300
    # 256 sentences a parser batch peaked at ~130 MB on such an article; 32 at ~20 MB (and the same speed)
    assert peak < 60_000_000, f"extracting one article peaked at {peak / 1e6:.0f} MB of traced memory"
