"""The `claimdesk` command line: run, demo, ask, ingest, extract, export, match, db upgrade, db backup, db copy,
discord sync.

- `parser.py`: the grammar (every command and option, "did you mean");  `entry.py`: `main`, the entry point
- `running.py`: `run` (on schedule, or `--once`), `discord sync`, `demo`
- `ask.py`: lookups — `ask`, `export`, `db upgrade`, `db backup`;  `ingest.py`: `ingest`
- `pairs.py`: the extractor and the matcher on their own — `extract`, `match`;  `dbcopy.py`: `db copy`

Errors the user can fix (config, database file, arguments) print one line and exit 2; nothing prints a traceback
for them. Every part comes from the composition root (bot.bootstrap).
"""

from __future__ import annotations

from bot.cli.ask import ask, export, export_record, parse_since
from bot.cli.entry import main
from bot.cli.ingest import _Progress, ingest
from bot.cli.pairs import extract, match
from bot.cli.parser import build_parser
from bot.cli.running import demo, run

__all__ = [
    "_Progress",
    "ask",
    "build_parser",
    "demo",
    "export",
    "export_record",
    "extract",
    "ingest",
    "main",
    "match",
    "parse_since",
    "run",
]
