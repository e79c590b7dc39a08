"""The sentence-embedding model (bot/adapters/minilm.py): load time and memory, throughput, the int8 packing's
cosine error, and — where ../shared/data is present — how well a cosine threshold alone separates the dev quote
pairs, beside rapidfuzz's token_set_ratio at its best threshold on the same pairs.

Throughput is measured on 20–40-word sentences from the PolNeAR dev articles (typical quotes), or on the test
sentences when the data is absent. The baseline in the same run is the same model called one sentence at a
time, as a naive caller would: the ratio is what batching (sorted by length, padded per batch) buys. The BLAS
thread count is the model's (minilm.BLAS_THREADS) unless OPENBLAS_NUM_THREADS is set.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from bot.adapters import minilm

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT.parent / "shared" / "data" / "polnear" / "dev" / "text"
PAIRS = ROOT.parent / "shared" / "data" / "quote-pairs-dev.jsonl"
REFERENCE = ROOT / "tests" / "data" / "minilm_reference.json"
SENTENCES = 256
PACK_PAIRS = 2000
_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[“\"A-Z])")


def _rss_mb() -> float:
    """Resident set size now, from /proc (Linux); NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _news_sentences() -> list[str]:
    if not TEXTS.exists():
        items = json.loads(REFERENCE.read_text(encoding="utf-8"))["items"]
        return [str(i["text"]) for i in items if 0 < len(str(i["text"]).split()) <= 60]
    out = []
    for path in sorted(TEXTS.glob("*.txt")):
        for s in _SENTENCE_END.split(path.read_text(encoding="utf-8")):
            s = " ".join(s.split())
            if 20 <= len(s.split()) <= 40:
                out.append(s)
    random.Random(17).shuffle(out)
    return out[:SENTENCES]


def _pair_separation(model: minilm.MiniLM) -> None:
    from rapidfuzz import fuzz  # dev extra, as in bench_matching

    cache: dict[str, str] = {}

    def side(s: dict[str, object]) -> str:
        name = str(s["article"])
        text = cache.setdefault(name, (TEXTS / f"{name}.txt").read_text(encoding="utf-8"))
        return text[int(str(s["start"])) : int(str(s["end"]))]

    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    a = model.embed([side(p["a"]) for p in pairs])
    b = model.embed([side(p["b"]) for p in pairs])
    gold = [bool(p["same"]) for p in pairs]
    cos = [float(x) for x in np.sum(a * b, axis=1)]
    fuzzy = [fuzz.token_set_ratio(side(p["a"]), side(p["b"])) / 100 for p in pairs]

    def best(scores: list[float]) -> tuple[float, float]:
        results = []
        for th in np.arange(0.30, 1.001, 0.01):
            tp = sum(s >= th and g for s, g in zip(scores, gold, strict=True))
            fp = sum(s >= th and not g for s, g in zip(scores, gold, strict=True))
            fn = sum(s < th and g for s, g in zip(scores, gold, strict=True))
            results.append((2 * tp / (2 * tp + fp + fn) if tp else 0.0, float(th)))
        f1, th = max(results)
        return f1, th

    (f_cos, th_cos), (f_fuzz, th_fuzz) = best(cos), best(fuzzy)
    print(
        f"  {len(pairs)} dev quote pairs ({sum(gold)} same), text only, each at its best threshold on these pairs:\n"
        f"    MiniLM cosine ≥ {th_cos:.2f}: F1 {f_cos:.3f}   rapidfuzz token_set_ratio ≥ {th_fuzz:.2f}: F1 {f_fuzz:.3f}"
    )


def main() -> None:
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    try:
        model = minilm.load()
    except minilm.EmbeddingModelError as e:
        print(f"  skipped: {e}")
        return
    load_s = time.perf_counter() - t0
    rss_loaded = _rss_mb()
    sentences = _news_sentences()
    words = sum(len(s.split()) for s in sentences) / len(sentences)
    model.embed(sentences[:8])  # warm-up: first BLAS calls, page faults in the weights
    t0 = time.perf_counter()
    vectors = model.embed(sentences)
    batch_s = time.perf_counter() - t0
    rss_used = _rss_mb()
    single = sentences[:64]
    t0 = time.perf_counter()
    for s in single:
        model.embed([s])
    single_s = time.perf_counter() - t0
    threads = ",".join(str(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas") or "?"
    print(
        f"  load (hash check + map weights): {load_s:.2f} s; RSS +{rss_loaded - rss0:.0f} MB after load, "
        f"+{rss_used - rss0:.0f} MB after embedding (process {rss_used:.0f} MB)"
    )
    print(
        f"  {len(sentences)} sentences of {words:.0f} words on average, {os.cpu_count()} CPUs, BLAS threads {threads}:"
    )
    batched, one_by_one = len(sentences) / batch_s, len(single) / single_s
    print(f"    batched ({minilm.BATCH_SIZE} a batch): {batched:,.0f} sentences/s")
    print(f"    one at a time (baseline):  {one_by_one:,.0f} sentences/s")
    print(f"    ratio batched / one at a time: {batched / one_by_one:.2f}x")

    rng = random.Random(3)
    errors = []
    for _ in range(PACK_PAIRS):
        i, j = rng.sample(range(len(vectors)), 2)
        exact = minilm.cosine(vectors[i], vectors[j])
        packed = minilm.cosine(minilm.unpack(minilm.pack(vectors[i])), minilm.unpack(minilm.pack(vectors[j])))
        errors.append(abs(exact - packed))
    print(
        f"  pack: {len(minilm.pack(vectors[0]))} bytes a vector (float32: {vectors[0].nbytes}); cosine error over "
        f"{PACK_PAIRS} pairs: max {max(errors):.1e}, mean {sum(errors) / len(errors):.1e}"
    )
    if PAIRS.exists() and TEXTS.exists():
        _pair_separation(model)
