"""A real, small filesystem for full-disk tests: a 2 MiB tmpfs, where mounting is allowed (root on Linux)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A fresh 2 MiB tmpfs mounted in the test's folder; the test is skipped where mounting is not permitted."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if mount is None or umount is None or os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root and mount(8)")
    mountpoint = tmp_path / "klein"
    mountpoint.mkdir()
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [mount, "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mountpoint)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run([umount, "-l", str(mountpoint)], check=False)  # noqa: S603 - fixed arguments
