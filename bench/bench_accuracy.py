"""Extractor accuracy on the annotated dev data in ../shared, beside a naive baseline scored the same way.

Quotes: PolNeAR dev attributions (content-span F1 at >= 0.5 overlap and at >= 0.9, source accuracy on matched
pairs). Figures: figures-dev.jsonl (F1 by span overlap, value accuracy, counted-noun accuracy). The gold loading
and matching functions are imported from ../shared/eval/score_quotes.py, the scorer held-out data is measured
with, so these figures are the scorer's; the baseline is what a quote-marks-and-digits extractor gets.
The data is read at run time and never copied into the project.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.extractor import Extractor

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
POLNEAR_DEV = SHARED / "data" / "polnear" / "dev"
FIGURES_DEV = SHARED / "data" / "figures-dev.jsonl"
GGT_DEV = SHARED / "data" / "ggt-dev"

Quote = tuple[int, int, int | None, int | None]  # content start, end, speaker mention start, end
Fig = dict[str, Any]


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_quotes", SHARED / "eval" / "score_quotes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _naive_quotes(text: str) -> list[Quote]:
    """Baseline: text between double quote marks, speaker = the next capitalised word after the quote."""
    out: list[Quote] = []
    for m in re.finditer(r"[“\"]([^“”\"\n]{10,}?)[”\"]", text):
        name = re.compile(r"[A-Z][a-z]+").search(text, m.end(), m.end() + 60)
        out.append((m.start(1), m.end(1), name.start() if name else None, name.end() if name else None))
    return out


def _naive_figures(text: str) -> list[Fig]:
    """Baseline: every run of digits, its value read as a plain number."""
    out: list[Fig] = []
    for m in re.finditer(r"\d[\d,]*(?:\.\d+)?", text):
        try:
            value: float | None = float(m.group(0).replace(",", ""))
        except ValueError:
            value = None
        out.append({"start": m.start(), "end": m.end(), "value": value, "counted": None, "subject": None})
    return out


def _score_quotes(
    sq: ModuleType, gold: dict[str, Any], predict: Callable[[str], list[Quote]]
) -> tuple[float, str]:
    rows = []
    for thr in (0.5, 0.9):
        tp = npred = ngold = src_ok = 0
        for name, items in gold.items():
            text = (POLNEAR_DEV / "text" / f"{name}.txt").read_text(encoding="utf-8")
            ps = predict(text)
            pairs = sq.match(items, ps, lambda g, p: sq.overlap(g["content"], p[:2]), thr)
            tp, npred, ngold = tp + len(pairs), npred + len(ps), ngold + len(items)
            for gi, pi in pairs:
                gs, p = items[gi]["source"], ps[pi]
                if gs and p[2] is not None and any(sq.overlap((a, b), (p[2], p[3])) > 0 for a, b in gs):
                    src_ok += 1
        p, r, f = sq.prf(tp, npred, ngold)
        rows.append(
            (f, f"P {p:.3f} R {r:.3f} F1 {f:.3f}" + (f" source acc {src_ok / tp:.3f}" if thr == 0.5 else ""))
        )
    return rows[0][0], f"overlap50 {rows[0][1]} | near-exact F1 {rows[1][0]:.3f}"


def _score_figures(sq: ModuleType, predict: Callable[[str], list[Fig]]) -> tuple[float, str]:
    """The scoring loop of ../shared/eval/score_figures.py, on in-process predictions."""
    import json

    def ov(a: tuple[int, int], b: tuple[int, int]) -> float:
        return 1.0 if min(a[1], b[1]) > max(a[0], b[0]) else 0.0

    tp = npred = ngold = val_ok = cnt_ok = cnt_n = 0
    for line in FIGURES_DEV.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = (POLNEAR_DEV / "text" / f"{row['article']}.txt").read_text(encoding="utf-8")
        gold, border = row["figures"], [(b["start"], b["end"]) for b in row.get("borderline", [])]
        ps = [
            p
            for p in predict(text)
            if not any(ov((p["start"], p["end"]), b) for b in border)
            or any(ov((p["start"], p["end"]), (x["start"], x["end"])) for x in gold)
        ]
        pairs = sq.match(gold, ps, lambda g, p: ov((g["start"], g["end"]), (p["start"], p["end"])), 0.5)
        tp, npred, ngold = tp + len(pairs), npred + len(ps), ngold + len(gold)
        for gi, pi in pairs:
            gv, pv = gold[gi].get("value"), ps[pi].get("value")
            if gv is not None and isinstance(pv, int | float) and abs(pv - gv) <= abs(gv) * 0.005:
                val_ok += 1
            if gold[gi].get("counted"):
                cnt_n += 1
                stem = gold[gi]["counted"].lower().split()[-1][:5]
                cnt_ok += stem in " ".join(str(ps[pi].get(k) or "") for k in ("counted", "subject")).lower()
    p, r, f = sq.prf(tp, npred, ngold)
    value = val_ok / tp if tp else 0.0
    return f, f"P {p:.3f} R {r:.3f} F1 {f:.3f} value acc {value:.3f} counted acc {cnt_ok / max(cnt_n, 1):.3f}"


def _ggt(sq: ModuleType, extract: Callable[[str], Any]) -> None:
    """GGT dev quotes (word-set overlap >= 0.3, speaker by last word), scored with the scorer's own matching,
    beside a quote-marks-only baseline; each half of the articles apart, as held-out data is a half like them."""
    if not (GGT_DEV / "gold.jsonl").is_file():
        print(f"  GGT dev: skipped, not at {GGT_DEV}")
        return
    import json

    rows = sorted(
        (json.loads(line) for line in (GGT_DEV / "gold.jsonl").read_text(encoding="utf-8").splitlines()),
        key=lambda r: r["id"],
    )

    def score(part: list[dict[str, Any]], predict: Callable[[str], list[tuple[str, str]]]) -> str:
        tp = npred = ngold = spk = 0
        for r in part:
            text = (GGT_DEV / "text" / f"{r['id']}.txt").read_text(encoding="utf-8")
            ps = predict(text)
            pairs = sq.match(r["quotes"], [p[0] for p in ps], lambda g, p: sq.tok_overlap(g["quote"], p), 0.3)
            tp, npred, ngold = tp + len(pairs), npred + len(ps), ngold + len(r["quotes"])
            spk += sum(
                sq.same_person(r["quotes"][gi]["reference"], r["quotes"][gi]["speaker"], ps[pi][1])
                for gi, pi in pairs
            )
        p, rr, f = sq.prf(tp, npred, ngold)
        return f"P {p:.3f} R {rr:.3f} F1 {f:.3f} speaker {spk / max(tp, 1):.3f}"

    def ours(text: str) -> list[tuple[str, str]]:
        return [(text[q.start : q.end], q.speaker or "") for q in extract(text).quotes]

    def naive(text: str) -> list[tuple[str, str]]:
        return [(text[a:b], text[s or 0 : e or 0]) for a, b, s, e in _naive_quotes(text)]

    for label, part in (("whole", rows), ("even half", rows[::2]), ("odd half", rows[1::2])):
        print(f"  GGT dev {label} ({len(part)} articles): claimdesk {score(part, ours)}")
    print(f"  GGT dev whole, baseline (quote marks only): {score(rows, naive)}")


def main() -> None:
    if not (POLNEAR_DEV / "text").is_dir() or not FIGURES_DEV.is_file():
        print(
            f"  skipped: the annotated dev data is not at {SHARED / 'data'} (it is read from ../shared at run time)"
        )
        return
    sq = _scorer()
    extract = functools.cache(Extractor().extract)  # each text once, for both scores

    def ours_quotes(text: str) -> list[Quote]:
        return [(q.start, q.end, q.speaker_start, q.speaker_end) for q in extract(text).quotes]

    def ours_figures(text: str) -> list[Fig]:
        return [
            {"start": f.start, "end": f.end, "value": f.value, "counted": f.counted, "subject": f.subject}
            for f in extract(text).figures
        ]

    t0 = time.perf_counter()
    gold = sq.load_polnear(POLNEAR_DEV)
    print(f"  PolNeAR dev: {len(gold)} articles, {sum(len(v) for v in gold.values())} attributions")
    q_ours, ours = _score_quotes(sq, gold, ours_quotes)
    q_base, base = _score_quotes(sq, gold, _naive_quotes)
    print(f"  quotes   claimdesk: {ours}")
    print(f"  quotes   baseline (quote marks only): {base}")
    print(f"  quote F1 ratio claimdesk / baseline: {q_ours / max(q_base, 1e-9):.2f}x")
    _ggt(sq, extract)
    f_ours, ours = _score_figures(sq, ours_figures)
    f_base, base = _score_figures(sq, _naive_figures)
    print(f"  figures  claimdesk: {ours}")
    print(f"  figures  baseline (every digit run): {base}")
    print(
        f"  figure F1 ratio claimdesk / baseline: {f_ours / max(f_base, 1e-9):.2f}x   ({time.perf_counter() - t0:.1f} s)"
    )
    sys.stdout.flush()
