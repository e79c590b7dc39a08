"""The decision points behind "one clear line, exit 2" for the files an operator names: each classifier is fed
the real error of a real operation (tests/e2e/test_cli_errors.py runs the CLI end to end, read-only mounts
included)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.adapters.files import DENIED, FOLDER, os_problem, sqlite_problem, unwritable


def test_os_errors_are_named_as_the_operator_would_fix_them(tmp_path: Path) -> None:
    with pytest.raises(OSError) as folder:
        open(tmp_path, "ab")  # noqa: SIM115
    assert os_problem(folder.value) == FOLDER
    a_file = tmp_path / "plain"
    a_file.write_text("x")
    with pytest.raises(OSError) as notdir:
        (a_file / "db").mkdir(parents=True)
    assert "is a file, not a folder" in os_problem(notdir.value)


def test_a_folder_that_cannot_be_written_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    assert unwritable(tmp_path / "a" / "b" / "new.db") is None
    assert unwritable(tmp_path) == FOLDER
    if os.geteuid() == 0:
        pytest.skip(
            "running as root: permission bits are not enforced (the read-only mount is tested end to end)"
        )
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert unwritable(locked / "sub" / "new.db") == DENIED
        with pytest.raises(OSError) as denied:
            (locked / "sub").mkdir()
        assert os_problem(denied.value) == DENIED
    finally:
        locked.chmod(0o755)


def test_sqlite_errors_say_read_only_or_cannot_open(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a)")
    con.close()
    ro = sqlite3.connect(db.as_uri() + "?mode=ro", uri=True)
    with pytest.raises(sqlite3.Error) as readonly:
        ro.execute("INSERT INTO t VALUES (1)")
    ro.close()
    assert "read-only" in sqlite_problem(readonly.value)
    (tmp_path / "plain").write_text("x")
    with pytest.raises(sqlite3.Error) as cantopen:
        sqlite3.connect(tmp_path / "plain" / "x.db")
    assert sqlite_problem(cantopen.value) == "cannot open the database file"
