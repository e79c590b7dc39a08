"""Team keywords: case-insensitive, whole words, singular and plural alike, phrases, and exclusions.

A keyword starting with '-' excludes: an article that matches any exclusion is not a match, whatever else it
matches ("kursk", "-football").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


def _word_forms(word: str) -> str:
    w = re.escape(word.lower())
    if word.lower().endswith("ies"):
        stem = re.escape(word.lower()[:-3])
        return rf"{stem}(?:y|ies)"
    if word.lower().endswith("y") and len(word) > 2:
        return rf"{re.escape(word.lower()[:-1])}(?:y|ies)"
    if word.lower().endswith("s") and not word.lower().endswith("ss") and len(word) > 3:
        return rf"{re.escape(word.lower()[:-1])}(?:s|es)?"
    return rf"{w}(?:s|es)?"


def compile_keyword(keyword: str) -> re.Pattern[str]:
    words = keyword.lower().split()
    body = r"[\s\-]+".join(_word_forms(w) for w in words)
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class KeywordSet:
    include: tuple[tuple[str, re.Pattern[str]], ...]
    exclude: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def of(cls, keywords: Iterable[str]) -> KeywordSet:
        inc, exc = [], []
        for k in keywords:
            k = k.strip()
            if k.startswith("-") and k[1:].strip():
                exc.append((k[1:].strip(), compile_keyword(k[1:].strip())))
            elif k:
                inc.append((k, compile_keyword(k)))
        return cls(tuple(inc), tuple(exc))

    def first_match(self, *texts: str) -> str | None:
        """The first keyword found in the texts, or None (also when an exclusion matches)."""
        if any(p.search(t) for _, p in self.exclude for t in texts):
            return None
        for word, pattern in self.include:
            if any(pattern.search(t) for t in texts):
                return word
        return None
