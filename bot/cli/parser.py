"""The command line's grammar: every command and option, with a "did you mean" for a mistyped one."""

from __future__ import annotations

import argparse
import difflib
import re
from pathlib import Path
from typing import NoReturn

from bot import __version__
from bot.bootstrap import SCHEMA_VERSION
from bot.config import DEFAULT_CONFIG
from handlers import COMMANDS


class _Parser(argparse.ArgumentParser):
    """argparse with a "did you mean" for a mistyped command or option (`rnu`, `run --onec`)."""

    def error(self, message: str) -> NoReturn:
        m = re.search(r"invalid choice: '([^']*)'", message) or re.search(
            r"unrecognized arguments: (\S+)", message
        )
        if m:
            known = _names(self)
            close = difflib.get_close_matches(m.group(1), known, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]}?"
        super().error(message)


def _names(parser: argparse.ArgumentParser) -> list[str]:
    """Every command and option name under `parser`, for suggestions."""
    names: list[str] = []
    for action in parser._actions:
        names += action.option_strings
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                names += [name, *_names(sub)]
    return names


def _common_options(defaults: bool) -> _Parser:
    """--config and -v. The top-level parser sets their defaults; a subcommand's copy sets nothing unless given
    (argparse.SUPPRESS), so `claimdesk --config X ask …` and `claimdesk ask --config X …` are the same."""
    common = _Parser(add_help=False)
    common.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None if defaults else argparse.SUPPRESS,
        help=f"config file (default: $CLAIMDESK_CONFIG or {DEFAULT_CONFIG})",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="debug logging",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(defaults=False)
    parser = _Parser(
        prog="claimdesk",
        description="Claims from the news, alerted to your team.",
        parents=[_common_options(defaults=True)],
    )
    parser.add_argument(
        "--version", action="version", version=f"claimdesk {__version__} (schema {SCHEMA_VERSION})"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "run", parents=[common], help="poll the feeds on schedule and deliver alerts until Ctrl-C"
    )
    p.add_argument("--once", action="store_true", help="poll every feed once, deliver, and exit")
    sub.add_parser(
        "demo", parents=[common], help="the two seed articles in a fresh temporary store, then /claims kursk"
    )
    p = sub.add_parser(
        "ask",
        parents=[common],
        help='run a slash command against the store: ask "/claims kursk"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="slash commands:\n"
        + "\n".join(
            f"  {c.usage}\n      {c.description}" + (f" (e.g. {c.example})" if c.example else "")
            for c in COMMANDS.values()
        ),
    )
    p.add_argument("line", nargs="+", help="the command as typed in Discord")
    p.add_argument("--team", help="act as this team (needed for /watch and /alerts when there are several)")
    p.add_argument(
        "--page",
        type=int,
        default=1,
        metavar="N",
        help="page N of a lookup's matches (ten a page; default 1)",
    )
    p = sub.add_parser("ingest", parents=[common], help="import article text files, feed files or feed URLs")
    p.add_argument("targets", nargs="+", metavar="PATH|URL")
    p.add_argument("--quiet", action="store_true", help="store without queuing alerts (history imports)")
    p = sub.add_parser("extract", parents=[common], help="print the claims of text files as JSON (DESIGN.md)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    p = sub.add_parser(
        "export", parents=[common], help="every stored claim as JSON lines (the store's read format, README)"
    )
    p.add_argument(
        "--since",
        metavar="WHEN",
        help="only claims stored since then: an ISO date or time (UTC unless it says), or an age: 30m, 24h, 7d, 2w",
    )
    p.add_argument(
        "--format", choices=("jsonl",), default="jsonl", help="one JSON object per claim (default)"
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    p.add_argument(
        "--bodies",
        action="store_true",
        help="add each article's stored text and summary (offsets index the text)",
    )
    p = sub.add_parser(
        "match", parents=[common], help="same claim or not: JSON pairs on stdin, one JSON answer per line"
    )
    p.add_argument(
        "--words-only",
        action="store_true",
        help="compare quotes by their words only, without the sentence-embedding model",
    )
    p = sub.add_parser("db", parents=[common], help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dbsub.add_parser("upgrade", parents=[common], help="apply pending schema migrations")
    b = dbsub.add_parser("backup", parents=[common], help="online backup to a new file")
    b.add_argument("target", type=Path)
    c = dbsub.add_parser(
        "copy",
        parents=[common],
        help="copy a whole store, SQLite ⇄ PostgreSQL: resumable (run it again), checked by counts",
        description="FROM and TO are each a SQLite file or a postgresql:// URL. TO must be new, empty (made by "
        "`db upgrade`) or an earlier copy of FROM, which the copy then completes. Stop the bot on FROM first.",
    )
    c.add_argument("source", metavar="FROM", help="SQLite file or postgresql:// URL to read")
    c.add_argument("target", metavar="TO", help="SQLite file or postgresql:// URL to write")
    p = sub.add_parser("discord", parents=[common], help="Discord application maintenance")
    dsub = p.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    dsub.add_parser("sync", parents=[common], help="publish the slash commands to every server (global)")
    return parser
