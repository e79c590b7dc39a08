"""`python -m tests.discord_child API_BASE GATEWAY_URL [claimdesk arguments…]`: claimdesk's own CLI in a process of
its own, with discord.py pointed at a Discord stand-in on 127.0.0.1 (tests/discord_standin.py) — what
`DiscordStandIn.patch_discord()` does in the test's process — for tests that run the bot as separate processes."""

from __future__ import annotations

import sys

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.cli import main

if __name__ == "__main__":
    api_base, gateway, *argv = sys.argv[1:]
    if not api_base.startswith("http://127.0.0.1:") or not gateway.startswith("ws://127.0.0.1:"):
        raise SystemExit("tests.discord_child: only a stand-in on 127.0.0.1")
    Route.BASE = api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    raise SystemExit(main(argv))
