"""`claimdesk` (bot.cli:main): parse the command line, set up logging, run the command; a user error is one
line and exit 2."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import sys
from collections.abc import Sequence

from bot.bootstrap import make_meaning
from bot.cli.ask import ask, db_backup, db_upgrade, export
from bot.cli.dbcopy import db_copy
from bot.cli.ingest import ingest
from bot.cli.pairs import extract, match
from bot.cli.parser import build_parser
from bot.cli.running import demo, discord_sync, run
from bot.config import Settings, load_settings
from bot.errors import UserError

log = logging.getLogger("claimdesk")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    out = sys.stdout
    try:
        if args.command == "extract":  # a config named explicitly may name the pipeline; none is needed
            return extract(args.paths, args.format, out, _settings(args).pipeline if args.config else None)
        if args.command == "demo":
            return asyncio.run(demo(out))
        if args.command == "match":
            return match(sys.stdin, out, None if args.words_only else make_meaning())
        if args.command == "db" and args.db_command == "copy":  # two databases named: no config needed
            return asyncio.run(db_copy(args.source, args.target, out))
        settings = _settings(args)
        log.debug(
            "config %s (database %s, sink %s)",
            settings.source,
            settings.database_name,
            settings.effective_sink,
        )
        if args.command == "run":
            return asyncio.run(run(settings, once=args.once))
        if args.command == "ask":
            if args.page < 1:
                raise UserError(f"ask: --page {args.page}: pages count from 1")
            return asyncio.run(ask(settings, " ".join(args.line), out, args.team, args.page))
        if args.command == "ingest":
            return asyncio.run(ingest(settings, args.targets, args.quiet, out))
        if args.command == "export":
            if isinstance(out, io.TextIOWrapper) and out.encoding.lower().replace("-", "") != "utf8":
                out.reconfigure(encoding="utf-8")  # UTF-8 whatever the locale says
            return asyncio.run(export(settings, out, args.since, args.output, args.bodies))
        if args.command == "db" and args.db_command == "upgrade":
            return asyncio.run(db_upgrade(settings, out))
        if args.command == "db" and args.db_command == "backup":
            return asyncio.run(db_backup(settings, args.target, out))
        if args.command == "discord" and args.discord_command == "sync":
            return asyncio.run(discord_sync(settings, out))
    except UserError as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader had enough (`claimdesk export | head`, `ask … | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor is flushing at exit
        return 0
    return 2
