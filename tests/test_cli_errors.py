"""The real `claimdesk` CLI on the mistakes people make: flags on either side of the command, wrong paths,
read-only places, other programs' databases, bad config values (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import claimdesk, config  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


def test_config_and_verbose_are_read_before_or_after_the_command(config: Path, tmp_path: Path) -> None:  # noqa: F811
    # from a folder without config/claimdesk.toml: a --config that is ignored would fail with "no such config file"
    for args in (
        ("--config", str(config), "-v", "ask", "/status"),
        ("ask", "--config", str(config), "-v", "/status"),
        ("-v", "ask", "/status", "--config", str(config)),
    ):
        r = claimdesk(*args, cwd=tmp_path)
        assert r.returncode == 0, (args, r.stderr)
        assert "articles" in r.stdout
        assert f"config {config}" in r.stderr, (args, r.stderr)  # -v says which config is in use
        assert "DEBUG" in r.stderr
    quiet = claimdesk("--config", str(config), "ask", "/status", cwd=tmp_path)
    assert quiet.returncode == 0 and "DEBUG" not in quiet.stderr
