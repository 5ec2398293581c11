"""Keeps the report renderer's workers free of the application: a worker does not run its parent's main module.

Import this module only in the pool's fork server (it is in :data:`reports.layout.PRELOAD`). A process that
multiprocessing starts, a fork server's child included, first runs the main module of the process that asked for
it, so that functions defined there can be found. The job worker's main module is the ``mandiri`` script, which
imports the whole application (Flask, SQLAlchemy, every blueprint): each worker would load it again, about 70 MiB
of its own and a second and a half before its first render. The workers run only module-level functions of
:mod:`reports` that need nothing of the application, so this fork server has its children skip that step.
"""

from __future__ import annotations

from collections.abc import Mapping
from multiprocessing import spawn
from typing import Any

#: What multiprocessing's preparation of a new process says about the parent's main module.
MAIN_KEYS = frozenset({"init_main_from_path", "init_main_from_name"})

_prepare = spawn.prepare


def _prepare_without_main(data: Mapping[str, Any]) -> None:
    _prepare({key: value for key, value in data.items() if key not in MAIN_KEYS})


spawn.prepare = _prepare_without_main
