"""What is wrong with a file the operator named (the database, the JSON-lines sink, a backup), in a few words.

The decision points for "one clear line, exit 2": `os_problem` and `sqlite_problem` classify a real error raised
by a real operation; `unwritable` decides before anything is created whether a path can be written, on the path
itself when it exists, else on the nearest folder above it that does. A read-only mount is read-only for root too
(statvfs), where permission bits are not.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

READ_ONLY = "read-only file system"
DENIED = "permission denied"
FOLDER = "is a folder, not a file"


def os_problem(exc: OSError) -> str:
    """An OSError on a file the operator named, as the few words that tell them what to fix."""
    if exc.errno == errno.EISDIR or isinstance(exc, IsADirectoryError):
        return FOLDER
    if exc.errno == errno.EROFS:
        return READ_ONLY
    if exc.errno in (errno.EACCES, errno.EPERM):
        return DENIED
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.ENOENT:
        return "no such file or folder"
    return (exc.strerror or str(exc)).lower()


def sqlite_problem(exc: sqlite3.Error) -> str:
    """A sqlite3 error opening or writing the database file, in the same words."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_READONLY") or "readonly database" in str(exc):
        return "read-only (cannot write the database)"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open database file" in str(exc):
        return "cannot open the database file"
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return f"not a usable SQLite database ({exc})"
    if name.startswith("SQLITE_FULL"):
        return "no space left on the device"
    return str(exc)


def _existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def unwritable(path: Path, *, folder_too: bool = False) -> str | None:
    """Why `path` cannot be written (or created), or None when it can. `folder_too`: its folder must be writable
    as well (SQLite keeps its -wal and -shm files beside the database)."""
    if path.is_dir():
        return FOLDER
    targets = [path] if path.exists() else []
    if folder_too or not path.exists():
        targets.append(_existing(path.parent))
    for p in targets:
        if not p.is_dir() and p != path:
            return "a part of the path is a file, not a folder"
        try:
            if os.statvfs(p).f_flag & os.ST_RDONLY:
                return READ_ONLY
        except OSError as exc:
            return os_problem(exc)
        if not os.access(p, os.W_OK):
            return DENIED
    return None
