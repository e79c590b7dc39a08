"""Same-quote decisions: claimdesk's matcher (words and meaning) beside words only and a plain rapidfuzz
`token_set_ratio` threshold, on the same pairs, in the same run.

Pair sets, read from ../shared at run time (texts never copied here):
- ../shared/data/quote-pairs-dev.jsonl: 57 PolNeAR dev pairs; the word rules were tuned on them.
- bench/data/quote-pairs-train.jsonl: 457 PolNeAR train pairs labelled for issue 17 (bench/data/README.md), split by
  speaker into a *tune* half (the meaning threshold was chosen on it and the dev pairs) and a *hold* half that no
  choice looked at: the hold figure is the one that says how the matcher generalises.

The rapidfuzz baseline takes its best threshold on the tune half (dev: on the dev pairs themselves, an upper
bound). A third figure bounds false merges: 4,000 random pairs of attributions from different PolNeAR *train*
articles whose source is the same named person (nearly all different statements); the share judged "same" is an
upper bound on the false-merge rate (issue 17: ≤ 1%).
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from rapidfuzz import fuzz

from bot.adapters.meaning import SentenceMeaning
from bot.core.quote_identity import MEANING_THRESHOLD, quote_match, same_speaker, speaker_key

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEV_PAIRS = SHARED / "quote-pairs-dev.jsonl"
TRAIN_PAIRS = ROOT / "bench" / "data" / "quote-pairs-train.jsonl"
TEXTS = {"dev": SHARED / "polnear" / "dev" / "text", "train": SHARED / "polnear" / "train" / "text"}
TRAIN = SHARED / "polnear" / "train"
_NAME = re.compile(r"(?:[A-Z][a-z’'-]+ ){0,2}[A-Z][a-z’'-]+")
RANDOM_PAIRS = 4000

Pair = tuple[str, str | None, str, str | None, bool]


def _named_attributions() -> list[tuple[str, str, str]]:
    """(article, source mention, content) for every train attribution whose source is a plain name."""
    out = []
    for ann in sorted((TRAIN / "attributions").glob("*.ann")):
        article = ann.stem.rsplit("_", 1)[0]  # one text may be annotated twice, under two suffixes
        text = (TRAIN / "text" / f"{article}.txt").read_text(encoding="utf-8")
        spans: dict[str, tuple[int, int]] = {}
        for line in ann.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if line.startswith("T") and len(cols) >= 3:
                head = cols[1].split(" ")
                spans[cols[0]] = (int(head[1]), int(head[-1]))
            elif line.startswith("E") and len(cols) >= 2:
                roles = dict(r.split(":", 1) for r in cols[1].split(" ") if ":" in r)
                s, c = spans.get(roles.get("Source", "")), spans.get(roles.get("Content", ""))
                if s and c and _NAME.fullmatch(text[s[0] : s[1]]) and len(text[c[0] : c[1]].split()) >= 4:
                    out.append((article, text[s[0] : s[1]], text[c[0] : c[1]]))
    return out


def _cosines(pairs: list[Pair], meaning: SentenceMeaning) -> list[float | None]:
    """The embeddings' cosine of each same-speaker pair whose sketches are near (SentenceMeaning.near), as the
    matcher has it: it embeds nothing else."""
    wanted = [p for p in pairs if same_speaker(p[1], p[3]) and meaning.near_now(p[0], [p[2]])[0]]
    texts = list(dict.fromkeys(t for a, _, b, _, _ in wanted for t in (a, b)))
    vectors = dict(zip(texts, meaning.embed_now(texts), strict=True))
    return [
        meaning.cosine(vectors[a], vectors[b]) if a in vectors and b in vectors else None
        for a, _, b, _, _ in pairs
    ]


def _false_merge_rate(meaning: SentenceMeaning) -> None:
    by_speaker: dict[str, list[tuple[str, str, str]]] = {}
    for item in _named_attributions():
        by_speaker.setdefault(speaker_key(item[1]), []).append(item)
    rng = random.Random(7)
    names = sorted(k for k, v in by_speaker.items() if len(v) > 5)
    pairs: list[Pair] = []
    while len(pairs) < RANDOM_PAIRS:
        a, b = rng.sample(by_speaker[rng.choice(names)], 2)
        if a[0] != b[0]:
            pairs.append((a[2], a[1], b[2], b[1], False))
    t0 = time.perf_counter()
    cos = _cosines(pairs, meaning)
    dt = time.perf_counter() - t0
    for label, use in (("words only", False), ("words and meaning", True)):
        same = sum(
            quote_match(a, sa, b, sb, c if use else None).same
            for (a, sa, b, sb, _), c in zip(pairs, cos, strict=True)
        )
        print(
            f"  {RANDOM_PAIRS} random cross-article same-speaker pairs (PolNeAR train), {label}: judged same "
            f"{same} ({same / RANDOM_PAIRS:.2%}; an upper bound on false merges, some are the same statement)"
        )
    print(f"  (embedding their {len({p[0] for p in pairs} | {p[2] for p in pairs}):,} texts took {dt:.1f} s)")
    _sketch_report("random pairs", pairs, meaning)


def _sketch_report(name: str, pairs: list[Pair], meaning: SentenceMeaning) -> None:
    """How the first look (SentenceMeaning.near) spends the model: pairs it keeps from the model, and how many of
    them the model would have called close (cosine ≥ MEANING_THRESHOLD) — each of those a join lost."""
    wanted = [p for p in pairs if same_speaker(p[1], p[3])]
    texts = list(dict.fromkeys(t for a, _, b, _, _ in wanted for t in (a, b)))
    vectors = dict(zip(texts, meaning.embed_now(texts), strict=True))
    skipped = lost = 0
    for a, _, b, _, _ in wanted:
        if not meaning.near_now(a, [b])[0]:
            skipped += 1
            lost += meaning.cosine(vectors[a], vectors[b]) >= MEANING_THRESHOLD
    print(
        f"  first look, {name}: {skipped} of {len(wanted)} same-speaker pairs ({skipped / max(1, len(wanted)):.0%}) "
        f"need no model call; of them the model would have called {lost} close (≥ {MEANING_THRESHOLD})"
    )


def _f1(decisions: list[tuple[bool, bool]]) -> tuple[float, float, float]:
    tp = sum(1 for got, gold in decisions if got and gold)
    fp = sum(1 for got, gold in decisions if got and not gold)
    fn = sum(1 for got, gold in decisions if not got and gold)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _load(path: Path, texts: Path) -> list[tuple[Pair, str]]:
    cache: dict[str, str] = {}

    def side(s: dict[str, object]) -> str:
        name = str(s["article"])
        text = cache.setdefault(name, (texts / f"{name}.txt").read_text(encoding="utf-8"))
        return text[int(str(s["start"])) : int(str(s["end"]))]

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            p = json.loads(line)
            pair = (side(p["a"]), p["a"].get("speaker"), side(p["b"]), p["b"].get("speaker"), bool(p["same"]))
            out.append((pair, str(p.get("split", "dev"))))
    return out


def _baseline_threshold(pairs: list[Pair]) -> int:
    scores = [(fuzz.token_set_ratio(a, b), gold) for a, _, b, _, gold in pairs]
    return max(range(30, 101, 5), key=lambda th: _f1([(s >= th, g) for s, g in scores])[2])


def _report(name: str, pairs: list[Pair], meaning: SentenceMeaning, baseline_th: int) -> float:
    cos = _cosines(pairs, meaning)
    t0 = time.perf_counter()
    ours = [
        (quote_match(a, sa, b, sb, c).same, gold) for (a, sa, b, sb, gold), c in zip(pairs, cos, strict=True)
    ]
    dt = time.perf_counter() - t0
    words = [(quote_match(a, sa, b, sb).same, gold) for a, sa, b, sb, gold in pairs]
    base = [(fuzz.token_set_ratio(a, b) >= baseline_th, gold) for a, _, b, _, gold in pairs]

    def row(label: str, d: list[tuple[bool, bool]]) -> str:
        return "P {:.3f} R {:.3f} F1 {:.3f}".format(*_f1(d)) + f"   {label}"

    print(f"  {name}: {len(pairs)} pairs ({sum(p[4] for p in pairs)} same)")
    print(f"    words and meaning   {row(f'({len(pairs) / dt:,.0f} pairs/s once embedded)', ours)}")
    print(f"    words only          {row('', words)}")
    print(f"    rapidfuzz ≥ {baseline_th:<3}     {row('', base)}")
    f, fb = _f1(ours)[2], _f1(base)[2]
    print(f"    F1 ratio claimdesk / baseline: {f / fb:.2f}x" if fb else "    baseline F1 0")
    return f


def main() -> None:
    if not DEV_PAIRS.exists():
        print(f"  skipped: {DEV_PAIRS} not found (../shared/data is read at run time, never copied)")
        return
    meaning = SentenceMeaning()
    dev = [p for p, _ in _load(DEV_PAIRS, TEXTS["dev"])]
    _report("dev pairs (word rules tuned on them)", dev, meaning, _baseline_threshold(dev))
    if TRAIN_PAIRS.exists() and TEXTS["train"].exists():
        train = _load(TRAIN_PAIRS, TEXTS["train"])
        tune = [p for p, split in train if split == "tune"]
        hold = [p for p, split in train if split == "hold"]
        th = _baseline_threshold(tune)
        _report("train pairs, tune half (threshold chosen on it)", tune, meaning, th)
        _report("train pairs, hold half (not tuned on)", hold, meaning, th)
        for name, pairs in (("dev pairs", dev), ("tune half", tune), ("hold half", hold)):
            _sketch_report(name, pairs, meaning)
    if TRAIN.exists():
        _false_merge_rate(meaning)
