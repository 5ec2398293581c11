"""The report shows values as the pages do (assess.display): rounded half up, with a decimal comma."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask

from assess.models import RoleName
from reports.data import collect
from reports.render import report_html
from tests.factories import create_assessment, create_instansi, create_member

GENERATED = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_a_graded_value_of_nine_eighths_is_printed_1_13(app: Flask, db: Any) -> None:
    instansi = create_instansi()
    create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi, code="pemdi-2026", year=2026)
    first = sorted(assessment.answers, key=lambda a: a.indicator.position)[0]
    first.reviewer_value = Decimal("1.125")  # 9/8
    db.session.commit()

    data = collect(assessment.id, include_review=True, generated_at=GENERATED)
    section = next(s for s in data.sections if s.code == first.indicator.code)
    assert section.value_display == "1,13"
    assert section.review is not None
    assert section.review.reviewer_display == "1,13"
    assert section.review.final_display == "–"

    html = report_html(data, "indicators", sections=[section])
    line = re.search(r'<p class="value-line">.*?</p>', html, re.S)
    assert line is not None
    assert '<span class="value">1,13</span>' in line.group(0)
    assert "1.13" not in html
    assert "1.12" not in html
    assert "1,12" not in html
    assert "nilai reviewer 1,13" in html


def test_summary_weights_and_values_use_the_decimal_comma(app: Flask, db: Any) -> None:
    assessment = create_assessment(create_instansi(), code="pemdi-2026", year=2026)
    first = sorted(assessment.answers, key=lambda a: a.indicator.position)[0]
    first.reviewer_value = Decimal("1.125")
    db.session.commit()
    data = collect(assessment.id, generated_at=GENERATED)
    html = report_html(data, "summary")
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells
    assert all("." not in cell for cell in cells)
    assert any("," in cell for cell in cells)
