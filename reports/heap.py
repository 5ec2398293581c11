"""Giving the memory an export freed back to the system.

An export allocates and frees a great deal in the job worker's process (the bundle of thousands of pages in
pikepdf, the rendered report), in many small blocks. glibc's allocator keeps the freed blocks for the next
allocation instead of returning them: without a trim the worker held its peak of an export (some 130 MiB more for
600 documents) for as long as it ran, and the next export's render workers came on top of that.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "malloc_trim") else None


def trim() -> bool:
    """Return the free memory of every malloc arena to the system (glibc's ``malloc_trim``); ``False`` where the C
    library has no such call."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
