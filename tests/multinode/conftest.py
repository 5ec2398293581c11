"""The multi-node test's marker: it starts its own processes on its own PostgreSQL database, so it carries no ``db``
marker (the PostgreSQL rerun, ``-m db``, leaves it out) and runs in the default run."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "multinode: nginx, two web nodes and a job worker on PostgreSQL, Redis and S3 (docs/deploy)"
    )
