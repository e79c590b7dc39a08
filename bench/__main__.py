"""Run every benchmark module in this package (bench_*.py), one after another."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    only = {a for a in sys.argv[1:] if not a.startswith("-")}  # flags (--full) are the modules' own
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()
    return 0


raise SystemExit(main())
