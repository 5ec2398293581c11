"""The report's front matter and summary as printed (issue 16): the index named once, the Berita Acara's
paragraphs whole, the radar's labels whole and both charts on one page."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from flask import Flask

from assess.models import AssessmentState
from reports.data import collect
from reports.render import render_report, report_html
from tests.functional.test_report_render import GENERATED, Reported, spbe

__all__ = ["spbe"]


def _page(pdf: bytes, page: int) -> str:
    """Text of one 0-based page in reading order (lines as printed)."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed by the report tests"
    command = ["pdftotext", "-f", str(page + 1), "-l", str(page + 1), "-", "-"]
    done = subprocess.run(command, input=pdf, capture_output=True, check=True, timeout=60)  # noqa: S603
    return done.stdout.decode("utf-8", errors="replace")


def test_summary_names_the_index_once(app: Flask, spbe: Reported) -> None:
    data = collect(spbe.assessment.id, generated_at=GENERATED)
    assert data.instrument_title.startswith("Indeks ")
    with app.app_context():
        html = report_html(data, "summary")
    assert "Indeks Indeks" not in html
    assert f">{data.instrument_title}</span>" in html


def test_final_report_paragraphs_and_charts(spbe: Reported, db: Any) -> None:
    spbe.assessment.state = AssessmentState.FINAL
    db.session.commit()
    data = collect(spbe.assessment.id, generated_at=GENERATED)
    report = render_report(data, workers=1)

    minutes = _page(report.pdf, report.anchors["berita-acara"])
    assert "Penjelasan setiap indikator" in minutes, "the paragraph breaks after its first word"

    # The summary, then one page that holds both charts; then the first indicator.
    summary = report.anchors["ringkasan"]
    assert report.anchors[data.sections[0].anchor] == summary + 2
    assert "Kelengkapan" in _page(report.pdf, summary)
    charts = _page(report.pdf, summary + 1)
    lines = charts.splitlines()
    for code in ("I1", "I24", "I25", "I47"):  # every bar, in two columns
        assert code in lines, code
    # Every aspect's name on the radar, whole (wrapped, never cut), with its value.
    words = " ".join(charts.split())
    for aspect in data.score.aspects.values():
        assert aspect.name in words, aspect.name
    assert "…" not in charts
    assert "0,90" in charts
