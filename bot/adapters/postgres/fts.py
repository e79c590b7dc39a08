"""Full-text search on PostgreSQL without ever letting user text be tsquery syntax.

The handlers build the search as an FTS5 expression (handlers.claims.fts_query: every word quoted, the last one
maybe a prefix, spelling variants in OR groups, a column filter), which the SQLite adapter hands to FTS5 as is.
Here that small language is parsed (`tsquery`) and rebuilt as a tsquery from lexemes this module made itself:
each quoted string is cut into words by the same rule as the stored documents (`words`: runs of letters and
digits, lower case, diacritics removed, as FTS5's unicode61 tokenizer with remove_diacritics 2), and each word
is written as a quoted tsquery lexeme. Whatever the input holds — quotes, `&`, `|`, `!`, `:*`, `<->`,
parentheses, backslashes — is either a word character or a separator, never an operator.

Documents (`document`) are tsvectors written the same way, one weight per column so a column filter is a weight
filter: speaker A, text B, subject C, the article's title and the claim's sentence D (four weights for five
columns: a filter on title alone also matches the sentence; the handlers never ask for either alone). No
stemming and no stop words (PostgreSQL's 'simple' rules, applied here): names are kept whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WEIGHTS = {"speaker": "A", "text": "B", "subject": "C", "title": "D", "context": "D"}
COLUMNS = ("text", "speaker", "subject", "title", "context")  # claim_search's columns, in SQLite's order
_WORD = re.compile(r"[^\W_]+")
_MAX_POSITION = 16383  # tsvector positions stop here
_MAX_LEXEME = 1000  # characters: longer "words" (no real word) are not indexed


def fold(text: str) -> str:
    """Lower case, diacritics removed (é→e, ł stays ł as in FTS5's unicode61 tables, near enough)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """The searchable words of a text, as stored and as searched."""
    return [w for w in _WORD.findall(fold(text)) if len(w) <= _MAX_LEXEME]


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def document(columns: Sequence[tuple[str, str]]) -> str:
    """A tsvector literal of (column, text) pairs: each word with its positions and its column's weight; a gap
    between columns so a phrase never spans two."""
    positions: dict[str, list[str]] = {}
    pos = 1
    for column, text in columns:
        weight = WEIGHTS[column]
        for w in words(text):
            positions.setdefault(w, []).append(f"{min(pos, _MAX_POSITION)}{weight}")
            pos += 1
        pos += 1
    return " ".join(f"{_lexeme(w)}:{','.join(p[:256])}" for w, p in positions.items())


# -- the FTS5 expressions the handlers write, parsed ---------------------------------------------------------------
class SearchSyntaxError(ValueError):
    """An expression outside the FTS5 subset the handlers write (never user text: they quote every word)."""


_TOKEN = re.compile(r'\s*(?:(")((?:[^"]|"")*)"|([(){}:*+])|([^\s(){}:*+"]+))')


@dataclass(frozen=True)
class _Tok:
    kind: str  # str, op, bare
    text: str


def _tokens(expr: str) -> list[_Tok]:
    out, i = [], 0
    while i < len(expr):
        if expr[i:].strip() == "":
            break
        m = _TOKEN.match(expr, i)
        if m is None:
            raise SearchSyntaxError(f"unreadable search expression at {expr[i : i + 20]!r}")
        if m.group(1):
            out.append(_Tok("str", m.group(2).replace('""', '"')))
        elif m.group(3):
            out.append(_Tok("op", m.group(3)))
        else:
            out.append(_Tok("bare", m.group(4)))
        i = m.end()
    return out


class _Parser:
    def __init__(self, expr: str) -> None:
        self.toks = _tokens(expr)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise SearchSyntaxError("search expression ends too soon")
        self.i += 1
        return tok

    def is_op(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind in ("op", "bare") and tok.text == text

    def expr(self, weights: str) -> str | None:
        parts = [self.and_expr(weights)]
        while self.is_op("OR"):
            self.take()
            parts.append(self.and_expr(weights))
        kept = [p for p in parts if p is not None]
        return None if not kept else kept[0] if len(kept) == 1 else "(" + " | ".join(kept) + ")"

    def and_expr(self, weights: str) -> str | None:
        parts = [self.not_expr(weights)]
        while (tok := self.peek()) is not None and not (tok.kind == "op" and tok.text == ")"):
            if self.is_op("OR"):
                break
            if self.is_op("AND"):
                self.take()
            parts.append(self.not_expr(weights))
        if any(p is None for p in parts):
            return None  # a phrase with no words matches nothing, and so does an AND that needs it
        return parts[0] if len(parts) == 1 else "(" + " & ".join(p for p in parts if p) + ")"

    def not_expr(self, weights: str) -> str | None:
        left = self.primary(weights)
        while self.is_op("NOT"):
            self.take()
            right = self.primary(weights)
            if left is not None and right is not None:
                left = f"({left} & !{right})"
        return left

    def primary(self, weights: str) -> str | None:
        weights = self.column_filter(weights)
        if self.is_op("("):
            self.take()
            inner = self.expr(weights)
            if self.take().text != ")":
                raise SearchSyntaxError("unbalanced parentheses in the search expression")
            return inner
        return self.phrase(weights)

    def column_filter(self, weights: str) -> str:
        tok = self.peek()
        nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        if tok is not None and tok.kind == "op" and tok.text == "{":
            self.take()
            names = []
            while not self.is_op("}"):
                names.append(self.take().text)
            self.take()
            if self.take().text != ":":
                raise SearchSyntaxError("a column list must be followed by ':'")
            return _weights(names)
        if (
            tok is not None
            and tok.kind == "bare"
            and nxt is not None
            and nxt.text == ":"
            and nxt.kind == "op"
        ):
            self.i += 2
            return _weights([tok.text])
        return weights

    def phrase(self, weights: str) -> str | None:
        tok = self.take()
        if tok.kind == "op":
            raise SearchSyntaxError(f"unexpected {tok.text!r} in the search expression")
        found = words(tok.text)
        prefix = self.is_op("*")
        if prefix:
            self.take()
        if not found:
            return None
        lexemes = []
        for n, w in enumerate(found):
            suffix = ("*" if prefix and n == len(found) - 1 else "") + weights
            lexemes.append(_lexeme(w) + (":" + suffix if suffix else ""))
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def _weights(names: Iterable[str]) -> str:
    try:
        return "".join(sorted({WEIGHTS[n] for n in names}))
    except KeyError as exc:
        raise SearchSyntaxError(f"no column {exc.args[0]!r} to search") from None


def tsquery(expr: str) -> str | None:
    """The tsquery text for an FTS5 expression of the handlers' kind; None when it holds no word (no match)."""
    parser = _Parser(expr)
    out = parser.expr("")
    left = parser.peek()
    if left is not None:
        raise SearchSyntaxError(f"unexpected {left.text!r} in the search expression")
    return out
