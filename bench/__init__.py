"""Benchmarks from QUALITY.md; each prints the app's figure beside a baseline measured in the same run."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def merge_results(path: Path, results: dict[str, Any]) -> None:
    """Merge ``results`` (benchmark id → result) into the JSON file ``path``, keeping the other benchmarks' keys;
    written to a temporary name and renamed, so an interrupted run never leaves half a file."""
    data: dict[str, Any] = {}
    if path.exists():
        with contextlib.suppress(ValueError, OSError):
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                data = loaded
    data.update(results)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
