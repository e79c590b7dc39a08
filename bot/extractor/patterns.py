"""Regex building blocks shared by the extractor's rules."""

from __future__ import annotations

import re
from collections.abc import Iterable

_Trie = dict[str, "_Trie"]


def trie_alternation(words: Iterable[str]) -> str:
    """A regex matching any of `words` (spaces match any whitespace), factored as a trie.

    Python's engine tries a flat alternation's branches one by one at every position; a trie shares prefixes
    and lets the engine skip positions whose first character starts no word: 2-5x faster on news text.
    Longer words win over their prefixes ("more than" over "more") because each optional tail is greedy.
    """
    trie: _Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _pattern(trie) or "(?!)"


def _pattern(node: _Trie) -> str:
    branches = [(r"\s+" if ch == " " else re.escape(ch)) + _pattern(node[ch]) for ch in sorted(node) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
