"""The extractor: `spacy.blank("en")` plus claimdesk's own components, as one pure object.

Build it once (loading lexicons and compiling rules costs ~1 s) and reuse it; `extract_many` batches with
`nlp.pipe`. It does no I/O beyond reading its own package data, so callers run it in a worker thread, never on
the event loop.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cache
from typing import Any, cast

import numpy
import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from bot.extractor.attribution import quotes_from_parses
from bot.extractor.figures import find_figures
from bot.extractor.lexicon import lexicon
from bot.extractor.model import DEFAULT_PIPELINE
from bot.extractor.model import load as load_pipeline
from bot.extractor.patterns import trie_alternation
from bot.extractor.quotes import find_quotes
from bot.extractor.sentences import bounded, split_sentences
from bot.extractor.speakers import PeopleIndex
from bot.extractor.summary import summarize, title_of
from bot.extractor.types import Entity, Extraction, Quote

MAX_CHARS = 2_000_000  # longer input is cut here; the article is still stored whole
SENTENCES_KEY = "claimdesk_sentences"
TEXT_KEY = "claimdesk_text"
_ARTICLES_PER_PARSE = 32
# Characters of one sentence the parser sees (the splitter cuts run-ons at this length too).
_PARSE_WINDOW = 1_200
# Characters of one article the parser reads at most: a long feature is 30-60k characters, about half of them in
# sentences worth parsing. A 2 MB run-on "said that said that …" would otherwise cost the parser 90 s.
_PARSE_BUDGET = 80_000
# Sentences the parser takes at once. Its working arrays grow with the batch, about half a megabyte a sentence:
# 256 at once took an article with 900 quotes 130 MB above the rest, 32 take it 21 MB, at the same speed over
# PolNeAR dev (3.6-3.8 s either way) and with the same parses (issue 20).
_PARSER_BATCH = 32
_CANDIDATE = re.compile(r"[“”\"«»„]|''|‘[A-Z]|\baccording to\b", re.IGNORECASE)


@Language.factory("claimdesk_sentences")
def make_sentence_splitter(nlp: Language, name: str) -> SentenceSplitter:
    return SentenceSplitter()


class SentenceSplitter:
    """Sets sentence starts from `sentences.split_sentences` (paragraph- and abbreviation-aware).

    The boundaries are computed on the string and written to the Doc with one array call, so `doc.sents` agrees
    with the character offsets the extractor works on, at a fraction of the rule-based sentencizer's cost.
    """

    def __call__(self, doc: Doc) -> Doc:
        # Doc.text rebuilds the string token by token; the Extractor hands over the original instead
        text = doc.user_data.get(TEXT_KEY)
        text = text if isinstance(text, str) else doc.text
        bounds = bounded(text, split_sentences(text))
        doc.user_data[SENTENCES_KEY] = bounds
        if len(doc):
            starts = numpy.searchsorted(doc.to_array("IDX"), [s for s, _ in bounds])
            flags = numpy.full(len(doc), -1, dtype="int64")  # -1: not a sentence start
            flags[starts[starts < len(doc)]] = 1
            flags[0] = 1
            doc.from_array(["SENT_START"], cast(Any, flags.view("uint64").reshape(-1, 1)))
        return doc


# The extractor reads characters; spaCy tokens serve the place PhraseMatcher and `doc.sents`. So the blank
# English pipeline keeps its special cases (Mr., U.S., don't) but splits affixes with three small regexes instead
# of the full English punctuation tables and URL matcher: 2.5x faster tokenisation, same place matches.
_PREFIX = re.compile(r"""^[\[("'“‘«$€£¥₴₽#]+""")  # a whole run at once: spaCy re-slices the token per strip
_SUFFIX = re.compile(r"""(?:[\])"'”’»,;:!?%…]|(?<![A-Z])\.|['’][sS]|n['’]t)$""")
_INFIX = re.compile(r"""[-–—―/…]|(?<=[a-z])\.(?=[A-Z])|,(?=[A-Za-z])""")


# A whitespace-free chunk longer than this is junk (or a URL): kept as one token, so splitting stays linear.
_LONGEST_WORD = 64
_SUFFIX_CHARS = "])\"'”’»,;:!?%…."


def _prefix_search(string: str) -> re.Match[str] | None:
    return _PREFIX.search(string) if len(string) <= _LONGEST_WORD else None


def _infix_finditer(string: str) -> list[re.Match[str]]:
    return list(_INFIX.finditer(string)) if len(string) <= _LONGEST_WORD else []


_SUFFIX_RUN = re.compile(rf"[{re.escape(_SUFFIX_CHARS)}]+$")


def _suffix_search(string: str) -> re.Match[str] | None:
    """The suffix to split off: searched in the last three characters only, and a run of punctuation taken whole.

    spaCy re-slices the token after every suffix it strips, so searching from the start of the string, or
    stripping "....." one dot at a time, made a long run of punctuation quadratic.
    """
    if len(string) > _LONGEST_WORD:
        return None
    m = _SUFFIX.search(string, max(0, len(string) - 3))
    if m is not None and m.end() - m.start() == 1:
        start = len(string.rstrip(_SUFFIX_CHARS))
        if len(string) - start > 1:
            return _SUFFIX_RUN.match(string, start)
    return m


def build_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        rules=cast(Tokenizer, nlp.tokenizer).rules,
        prefix_search=_prefix_search,
        suffix_search=_suffix_search,
        infix_finditer=_infix_finditer,
    )
    nlp.max_length = MAX_CHARS + 1
    nlp.add_pipe("claimdesk_sentences")
    return nlp


@cache
def _speech_cues() -> re.Pattern[str]:
    """Speech-verb forms (data/cues.txt [speech]): the parse reads only sentences that hold one or a quote mark."""
    forms = [f for f, kind in lexicon().cues.items() if kind == "speech"]
    return re.compile(rf"(?<![\w’'-])(?:{trie_alternation(forms)})(?![\w’'-])", re.IGNORECASE)


class Extractor:
    """Text in, `Extraction` out. Thread-safe for one caller at a time; build one per worker."""

    def __init__(self, pipeline: str | None = DEFAULT_PIPELINE) -> None:
        """`pipeline` names the installed spaCy pipeline package to parse with (checked by `model.load`);
        None runs the rules alone (no speaker typing, no reported speech: for baselines in benchmarks)."""
        self.nlp = build_nlp()
        self.parser = load_pipeline(pipeline) if pipeline is not None else None
        lexicon()  # load and validate the data files now, not on the first article
        self._places = PhraseMatcher(self.nlp.vocab)
        self._places.add("GPE", [self.nlp.make_doc(p) for p in lexicon().places])
        # The vocab, lexicons and compiled rules live as long as the process: moving them (and everything built
        # before them) out of the collector's generations spares re-scanning them on every collection while
        # articles churn through (5-8% of extraction time on the dev set).
        gc.freeze()

    def extract(self, text: str, title: str | None = None) -> Extraction:
        return next(self.extract_many([(text, title)]))

    def extract_many(self, items: Iterable[tuple[str, str | None]]) -> Iterator[Extraction]:
        pairs = [(t[:MAX_CHARS], title) for t, title in items]
        docs = self.nlp.pipe(self._doc(t) for t, _ in pairs)
        for start in range(0, len(pairs), _ARTICLES_PER_PARSE):
            batch = pairs[start : start + _ARTICLES_PER_PARSE]
            blanks = [next(docs) for _ in batch]
            parses = self._parse(
                [(d.user_data[SENTENCES_KEY], t) for d, (t, _) in zip(blanks, batch, strict=True)]
            )
            for doc, (text, title), parsed in zip(blanks, batch, parses, strict=True):
                yield self._from_doc(doc, text, title, parsed)

    def _parse(self, articles: list[tuple[list[tuple[int, int]], str]]) -> list[list[tuple[int, Doc]]]:
        """The parsed sentences of each article: only those that can carry an attribution (a quote mark, a cue
        word), cut to a bounded window so a run-on "sentence" costs the parser no more than a long one; one
        `pipe` call for the whole batch of articles."""
        if self.parser is None:
            return [[] for _ in articles]
        chosen: list[tuple[int, int, int]] = []  # article, start, end
        for n, (sentences, text) in enumerate(articles):
            budget = _PARSE_BUDGET
            for a, b in sentences:
                if budget <= 0:
                    break  # past any real article's length: the rules alone read the rest (hostile input)
                if _CANDIDATE.search(text, a, b) or _speech_cues().search(text, a, b):
                    chosen.append((n, a, min(b, a + _PARSE_WINDOW)))
                    budget -= min(b - a, _PARSE_WINDOW)
        out: list[list[tuple[int, Doc]]] = [[] for _ in articles]
        texts = (articles[n][1][a:b] for n, a, b in chosen)
        for (n, a, _), parsed in zip(chosen, self.parser.pipe(texts, batch_size=_PARSER_BATCH), strict=True):
            out[n].append((a, parsed))
        return out

    def _doc(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def _from_doc(self, doc: Doc, text: str, title: str | None, parsed: list[tuple[int, Doc]]) -> Extraction:
        sentences = doc.user_data[SENTENCES_KEY]
        found_title, body_start = title_of(text)
        if title and found_title and found_title != title.strip():
            body_start = 0  # the caller knows the headline and the text's first line is story, not headline
        people = PeopleIndex(text)
        quotes = find_quotes(text, sentences, people)
        if self.parser is not None:
            quotes = quotes_from_parses(
                text, parsed, [q for q in quotes if q.direct], people, [q for q in quotes if not q.direct]
            )
        quotes = _not_by_places(quotes, text, people)
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


# "in Tarvel", "near the Orsano Hills", "from Cresta": a name after a preposition of place is a place in this article
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|from|outside|across|around|towards?)\s+(?:the\s+)?([A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)(?![\w’'])"
)


@cache
def _given_before(name: str) -> re.Pattern[str]:
    """A capitalised word right before the name that is no preposition or article: a given name ("Aida
    Tarvel"), so the name is a person's, whatever else the article does with it ("at the Tarvel campaign")."""
    return re.compile(
        rf"\b(?!(?:In|At|From|Near|The|To|Across|Outside|Around|Towards?|Of|On|And|But)\b)[A-Z][a-z]+\s+{re.escape(name)}\b"
    )


def _not_by_places(quotes: Sequence[Quote], text: str, people: PeopleIndex) -> list[Quote]:
    """A speaker is a person, an organisation or a group, never a place: a quote whose speaker is a name the
    article uses as a place ("in Tarvel") and never as a person is left without a speaker (and so is not a
    claim). Countries and capitals of the lexicon are kept ("Moscow said" is its government speaking), and so
    are acronyms ("a loan from KVB": a body) and people's surnames ("in Tarvel's campaign" is no place)."""
    places = {m.group(1) for m in _LOCATIVE.finditer(text)}
    if not places:
        return list(quotes)
    known = _known_places()
    persons = {p.name for p in people.people}
    persons |= {n.split()[-1] for n in persons}
    out = []
    for q in quotes:
        name = q.speaker
        if (
            name
            and name in places
            and name not in persons
            and name not in known
            and not name.isupper()
            and not _given_before(name).search(text)
        ):
            q = replace(q, speaker=None, speaker_start=None, speaker_end=None)
        out.append(q)
    return out


@cache
def _known_places() -> frozenset[str]:
    return frozenset(lexicon().places)
