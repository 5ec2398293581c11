"""The user guide's pictures (docs/img/panduan/) from the page checks' screenshots.

``tests/e2e/test_pages.py`` keeps a full-page screenshot of every role's main pages at 390 and 1366 px in
``test-artifacts/e2e/pages/``. After a run, ``python -m tests.e2e.guide_images`` copies the pages the guide shows
into ``docs/img/panduan/``: the top of each page (a laptop's screen and a bit, a phone's two screens), quantized
to 256 colours so the repository stays small.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "test-artifacts" / "e2e" / "pages"
TARGET = ROOT / "docs" / "img" / "panduan"
#: The pages the guide shows: ``<role>-<page>`` of test_pages.py, at both widths.
PAGES = (
    "tamu-masuk",
    "pengisi-tugas-saya",
    "pengisi-indikator",
    "pengisi-pustaka",
    "reviewer-indikator-diajukan",
    "koordinator-ikhtisar",
    "koordinator-dasbor",
    "koordinator-simulasi",
    "koordinator-bundel",
    "koordinator-audit",
    "admin-admin-pengguna",
)
#: How much of the page's top is kept, by width: a laptop's screen and a half, a phone's two screens.
HEIGHT = {1366: 1200, 390: 1700}


def copy(page: str, width: int) -> Path:
    source = SOURCE / f"{page}-{width}.png"
    with Image.open(source) as shot:
        top = shot.crop((0, 0, shot.width, min(shot.height, HEIGHT[width])))
        target = TARGET / source.name
        top.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target


def main() -> int:
    wanted = [f"{page}-{width}.png" for page in PAGES for width in HEIGHT]
    missing = [name for name in wanted if not (SOURCE / name).exists()]
    if missing:
        print(f"missing in {SOURCE} (run tests/e2e/test_pages.py first): {', '.join(missing)}", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        for width in HEIGHT:
            print(copy(page, width).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
