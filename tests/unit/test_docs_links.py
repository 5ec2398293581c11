"""The README and the documents in docs/ point only at files that exist: every relative link and every picture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: ``[text](target)`` and ``![alt](target)`` in Markdown, ``src="target"`` in the HTML some pictures need.
LINK = re.compile(r"\]\(([^)\s]+)\)|src=\"([^\"]+)\"")


def targets(document: Path) -> list[str]:
    found = [a or b for a, b in LINK.findall(document.read_text(encoding="utf-8"))]
    return [t.split("#")[0] for t in found if not re.match(r"[a-z]+:|#", t) and t.split("#")[0]]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_picture_exists(document: Path) -> None:
    missing = [t for t in targets(document) if not (document.parent / t).exists()]
    assert missing == [], f"{document.relative_to(ROOT)} points at files that do not exist: {missing}"


def test_the_guide_shows_the_page_checks_screenshots() -> None:
    """docs/panduan.md shows every picture tests/e2e/guide_images.py makes, at both widths."""
    from tests.e2e.guide_images import HEIGHT, PAGES

    shown = set(targets(ROOT / "docs" / "panduan.md"))
    expected = {f"img/panduan/{page}-{width}.png" for page in PAGES for width in HEIGHT}
    assert expected - shown == set()
