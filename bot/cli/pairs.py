"""The extractor and the matcher on their own: `claimdesk extract` (text files → the extractor's JSON) and
`claimdesk match` (JSON pairs → same claim or not)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.meaning import SentenceMeaning
from bot.bootstrap import make_extractor
from bot.core.figure_identity import FigureRef, figure_ref, figure_relation
from bot.core.matching import quote_match, same_speaker


def extract(paths: Sequence[str], fmt: str, out: TextIO, pipeline: str | None = None) -> int:
    extractor = make_extractor(pipeline)
    status = 0
    texts: list[tuple[str, str]] = []
    for p in paths:
        try:
            texts.append((p, Path(p).read_bytes().decode("utf-8", errors="replace")))
        except OSError as exc:
            print(f"claimdesk: extract: {p}: {exc.strerror or exc}", file=sys.stderr)
            status = 2
    results = extractor.extract_many((t, None) for _, t in texts)
    for (path, _), result in zip(texts, results, strict=True):
        obj = {"path": path, **result.to_dict()}
        out.write(json.dumps(obj, ensure_ascii=False, indent=None if fmt == "jsonl" else 2) + "\n")
    return status


def _quote_side(x: dict[str, Any]) -> tuple[str, str | None]:
    text, speaker = x["text"], x.get("speaker")
    if not isinstance(text, str) or not isinstance(speaker, str | None):
        raise ValueError("text must be a string, speaker a string or null")
    return text, speaker


def _figure_side(x: dict[str, Any]) -> FigureRef:
    if not math.isfinite(float(x["value"])):
        raise ValueError(f"value must be a finite number, not {x['value']!r}")
    if not isinstance(x.get("approximate", False), bool):
        raise ValueError("approximate must be true or false")
    for name in ("unit", "counted", "subject", "rate", "event", "measure", "period"):
        if not isinstance(x.get(name), str | None):
            raise ValueError(f"{name} must be a string or null")
    data = dict(x) | {"approx": "about" if x.get("approximate") else None}
    ref = figure_ref(float(x["value"]), data)
    assert ref is not None
    return ref


def _match_one(pair: dict[str, Any], meaning: float | None = None) -> dict[str, Any]:
    kind, a, b = pair.get("kind", "quote"), pair["a"], pair["b"]
    if kind == "quote":
        (ta, sa), (tb, sb) = _quote_side(a), _quote_side(b)
        m = quote_match(ta, sa, tb, sb, meaning)
        return {"same": m.same, "score": m.score}
    if kind == "figure":
        relation = figure_relation(_figure_side(a), _figure_side(b))
        return {"same": relation == "same", "score": 1.0 if relation == "same" else 0.0, "relation": relation}
    raise ValueError(f"unknown kind {kind!r} (quote or figure)")


_MATCH_BATCH = 256  # pairs read before their quotes are embedded together


def match(inp: TextIO, out: TextIO, meaning: SentenceMeaning | None = None) -> int:
    """One JSON answer per JSON pair on stdin (../shared/DESIGN.md); a malformed line gets an error line.

    Quote pairs by the same speaker are compared by meaning too (`meaning`, sentence embeddings), in batches:
    pairs by different speakers cost no model call."""
    failed = 0
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal failed
        pairs: list[tuple[int, dict[str, Any] | None, str | None]] = []
        for n, line in batch:
            try:
                pair = json.loads(line)
                if not isinstance(pair, dict):
                    raise ValueError("a pair is a JSON object")
                pairs.append((n, pair, None))
            except (ValueError, RecursionError) as exc:
                pairs.append((n, None, f"line {n}: {type(exc).__name__}: {exc}"))
        cosines = _pair_meanings([p for _, p, _ in pairs], meaning)
        for (n, pair, error), cos in zip(pairs, cosines, strict=True):
            if error is None and pair is not None:
                try:
                    answer = _match_one(pair, cos)
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                    error = f"line {n}: {type(exc).__name__}: {exc}"
            if error is not None:
                failed += 1
                answer = {"error": error}
            out.write(json.dumps(answer) + "\n")
        batch.clear()

    for n, line in enumerate(inp, 1):
        if line.strip():
            batch.append((n, line))
        if len(batch) >= _MATCH_BATCH:
            flush()
    flush()
    return 1 if failed else 0


def _pair_meanings(pairs: list[dict[str, Any] | None], meaning: SentenceMeaning | None) -> list[float | None]:
    """The embeddings' cosine of each well-formed quote pair by one speaker whose sketches are near (as the
    matcher sees it: SentenceMeaning.near); None for every other line."""
    wanted: list[tuple[int, str, str]] = []
    for i, p in enumerate(pairs):
        try:
            if meaning is None or p is None or p.get("kind", "quote") != "quote":
                continue
            (ta, sa), (tb, sb) = _quote_side(p["a"]), _quote_side(p["b"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # _match_one reports it
        if same_speaker(sa, sb) and meaning.near_now(ta, [tb])[0]:  # as the matcher: no model call when far
            wanted.append((i, ta, tb))
    out: list[float | None] = [None] * len(pairs)
    if meaning is None or not wanted:
        return out
    texts = list(dict.fromkeys(t for _, a, b in wanted for t in (a, b)))
    vectors = dict(zip(texts, meaning.embed_now(texts), strict=True))
    for i, a, b in wanted:
        out[i] = meaning.cosine(vectors[a], vectors[b])
    return out
