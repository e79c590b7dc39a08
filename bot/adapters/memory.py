"""Giving memory back to the system after a burst: a big page parsed, a big feed read.

glibc's allocator keeps the pages a freed lxml tree or a feedparser result used, so a process that once parsed a
5 MB page or a 19 MB feed stays that big, and the next burst stacks on top (issue 20: 546 MB under hostile feeds,
446 MB once pages were trimmed). `malloc_trim(0)` hands the free pages back; where there is no glibc it does nothing.

`bound_allocator` (the composition root calls it) fixes what glibc would otherwise tune by itself: a freed block of
a few MB (a page's body, a decompressed feed) raises its mmap threshold to that size, so every later buffer below it
comes from the heap, where a small object left above it keeps the heap from shrinking; and each thread that meets
contention gets an arena of its own (the feed parser's, the page parser's, the extractor's, SQLite's), each keeping
its own free pages. A fixed threshold and two arenas keep both bounded; a MALLOC_* variable set by the operator wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable

# mallopt's parameters (glibc's malloc.h)
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 1024 * 1024  # bytes: a block this large is mapped on its own and unmapped when freed
ARENAS = 2


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


def bound_allocator() -> None:
    """Fix glibc's mmap threshold (1 MB) and its number of arenas (2), unless the environment sets them; call it
    once, before the threads start. Does nothing where there is no glibc."""
    mallopt = _mallopt()
    if mallopt is None:
        return
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    if "MALLOC_ARENA_MAX" not in os.environ:
        mallopt(_M_ARENA_MAX, ARENAS)


@functools.cache
def _mallopt() -> Callable[[int, int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt: Callable[[int, int], int] = libc.mallopt
    except (OSError, AttributeError):
        return None
    return mallopt
