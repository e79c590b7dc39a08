"""`python -m bot` is the same program as the `claimdesk` script."""

from bot.cli import main

raise SystemExit(main())
