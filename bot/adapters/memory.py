"""Giving memory back to the system after a burst: a big page parsed, a big feed read.

glibc's allocator keeps the pages a freed lxml tree or a feedparser result used, so a process that once parsed a
5 MB page or a 19 MB feed stays that big, and the next burst stacks on top (issue 20: 546 MB under hostile feeds,
446 MB once pages were trimmed). `malloc_trim(0)` hands the free pages back; where there is no glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


def release_memory() -> None:
    """Hand the C heap's free pages back to the system (a few milliseconds; call it after a burst, not per item)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim
