"""Memory an export freed goes back to the system (glibc keeps freed small blocks for itself otherwise)."""

from __future__ import annotations

import ctypes.util
from pathlib import Path

import pytest

from reports import heap

MIB = 1024 * 1024


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux only")
def test_trim_returns_freed_blocks_that_the_allocator_kept() -> None:
    if ctypes.util.find_library("c") is None or not heap.trim():
        pytest.skip("no glibc")
    blocks = [bytes(1024) + bytes([n % 256]) for n in range(64 * 1024)]  # 64 MiB of small malloc blocks
    kept = blocks[::64]  # one block in 64 stays: the heap cannot shrink from its top
    del blocks
    before = _rss()
    assert heap.trim()
    assert before - _rss() > 32 * MIB
    assert len(kept) == 1024
