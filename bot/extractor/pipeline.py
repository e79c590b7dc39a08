"""The extractor: `spacy.blank("en")` plus claimdesk's own components, as one pure object.

Build it once (loading lexicons and compiling rules costs ~1 s) and reuse it; `extract_many` batches with
`nlp.pipe`. It does no I/O beyond reading its own package data, so callers run it in a worker thread, never on
the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from bot.extractor.figures import find_figures
from bot.extractor.lexicon import lexicon
from bot.extractor.quotes import find_quotes
from bot.extractor.speakers import PeopleIndex
from bot.extractor.summary import summarize, title_of
from bot.extractor.types import Entity, Extraction

MAX_CHARS = 2_000_000  # longer input is cut here; the article is still stored whole


@Language.component("claimdesk_sentence_bounds")
def sentence_bounds(doc: Doc) -> Doc:
    """Paragraph breaks end sentences, and an opening quote mark starts the next sentence, not ends this one."""
    for i, tok in enumerate(doc[:-1]):
        nxt = doc[i + 1]
        if "\n" in tok.text or "\n" in tok.whitespace_:
            nxt.is_sent_start = True
        elif tok.text in ("“", "«") and nxt.is_sent_start and i > 0:
            tok.is_sent_start = True
            nxt.is_sent_start = False
    return doc


def build_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.max_length = MAX_CHARS + 1
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("claimdesk_sentence_bounds")
    return nlp


class Extractor:
    """Text in, `Extraction` out. Thread-safe for one caller at a time; build one per worker."""

    def __init__(self) -> None:
        self.nlp = build_nlp()
        lexicon()  # load and validate the data files now, not on the first article
        self._places = PhraseMatcher(self.nlp.vocab)
        self._places.add("GPE", [self.nlp.make_doc(p) for p in lexicon().places])

    def extract(self, text: str, title: str | None = None) -> Extraction:
        return next(self.extract_many([(text, title)]))

    def extract_many(self, items: Iterable[tuple[str, str | None]]) -> Iterator[Extraction]:
        pairs = [(t[:MAX_CHARS], title) for t, title in items]
        for doc, (text, title) in zip(self.nlp.pipe(t for t, _ in pairs), pairs, strict=True):
            yield self._from_doc(doc, text, title)

    def _from_doc(self, doc: Doc, text: str, title: str | None) -> Extraction:
        sentences = [(s.start_char, s.end_char) for s in doc.sents]
        found_title, body_start = title_of(text)
        if title and found_title and found_title != title.strip():
            body_start = 0  # the caller knows the headline and the text's first line is story, not headline
        people = PeopleIndex(text)
        quotes = find_quotes(text, sentences, people)
        figures = find_figures(text, sentences)
        entities = self._entities(doc, text, people)
        return Extraction(
            title=title or found_title,
            summary=summarize(text, sentences, body_start),
            quotes=tuple(quotes),
            figures=tuple(figures),
            entities=tuple(entities),
        )

    def _entities(self, doc: Doc, text: str, people: PeopleIndex) -> list[Entity]:
        # slice the original string: Doc.text rebuilds the whole text on every access
        found = []
        for _, s, e in self._places(doc):
            start, end = doc[s].idx, doc[e - 1].idx + len(doc[e - 1])
            found.append(Entity(text[start:end], "GPE", start, end))
        found += [Entity(text[p.start : p.end], "PERSON", p.start, p.end) for p in people.people]
        found.sort(key=lambda e: (e.start, -e.end))
        out: list[Entity] = []
        for ent in found:
            if not out or ent.start >= out[-1].end:
                out.append(ent)
        return out
