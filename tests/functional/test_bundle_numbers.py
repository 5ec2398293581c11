"""The bundle's page numbers (issue 16): the report's footer and table of contents count the whole bundle, signed
scans and evidence included, and every evidence page carries its bundle page too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pikepdf
from flask import Flask
from flask.testing import FlaskClient

from assess.services import exports as export_service
from tests.functional.helpers import exported_file
from tests.functional.test_exports import export_with_signed_minutes, page_text


def test_footer_and_contents_count_the_bundle(app: Flask, db: Any, client: FlaskClient, tmp_path: Path) -> None:
    export = export_with_signed_minutes(app, db, client, 3)
    summary = export_service.summary_of(export)
    path = exported_file(export, "pdf", tmp_path)
    assert path is not None
    with pikepdf.open(path) as pdf:
        total = len(pdf.pages)
    report, signed = summary["pages"]["report"], summary["pages"]["signed"]
    assert (signed, total) == (2, report + 2 + 3)

    # Every page of the report, wherever it sits in the bundle, says its page of the bundle, once.
    for page in (1, *range(signed + 2, report + signed + 1)):
        footer = re.findall(r"hal\. (\d+) dari (\d+)", page_text(path, page))
        assert footer == [(str(page), str(total))], (page, footer)

    # The table of contents gives the bundle page where the summary is.
    contents_page = next(p for p in range(1, total + 1) if "Daftar Isi" in page_text(path, p))
    listed = re.search(r"Ringkasan Hasil[ .]*(\d+)", page_text(path, contents_page))
    assert listed is not None
    assert "Ringkasan Hasil" in page_text(path, int(listed.group(1)))
    assert "Daftar Isi" not in page_text(path, int(listed.group(1)))

    # The evidence pages and the signed scan: their document's page and their bundle page.
    start = next(f["start_page"] for f in summary["files"] if f["title"] == "Perwal")
    assert start == report + signed + 1
    assert f"I1 · Lampiran 1 · hal. 3/3 · bundel hal. {start + 2} dari {total}" in page_text(path, start + 2)
    assert f"Berita Acara (ditandatangani) · hal. 2/2 · bundel hal. 3 dari {total}" in page_text(path, 3)
