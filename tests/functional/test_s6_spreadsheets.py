"""The XLSX export shows values as the pages do (rounded half up to two decimals) and states by their names; the
rounded values come back unchanged through the import."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from assess.models import RoleName
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login


def test_graded_values_are_written_rounded_half_up_and_come_back_unchanged(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi, code="pemdi-2026")
    first = sorted(assessment.answers, key=lambda a: a.indicator.position)[0]
    first.claimed_value = Decimal("1.125")  # 9/8
    first.reviewer_value = Decimal("1.125")
    first.final_value = Decimal("2.675")  # a float 2.675 would be shown 2.67
    db.session.commit()
    login(client, koordinator.email)

    response = client.get(f"/penilaian/{assessment.id}/ekspor.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Penilaian"]
    claimed, reviewer, final, state = sheet["D2"], sheet["E2"], sheet["F2"], sheet["G2"]
    assert Decimal(str(claimed.value)) == Decimal("1.13")
    assert Decimal(str(reviewer.value)) == Decimal("1.13")
    assert Decimal(str(final.value)) == Decimal("2.68")
    assert {claimed.number_format, reviewer.number_format, final.number_format} == {"0.00"}
    assert state.value == "belum diisi"

    preview = client.post(
        f"/penilaian/{assessment.id}/impor",
        data={"file": (io.BytesIO(response.data), "penilaian.xlsx")},
        content_type="multipart/form-data",
    )
    assert 'data-testid="no-changes"' in preview.get_data(as_text=True)


def test_levels_stay_whole_numbers(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi)
    first = sorted(assessment.answers, key=lambda a: a.indicator.position)[0]
    first.claimed_value = Decimal(3)
    db.session.commit()
    login(client, koordinator.email)
    sheet = load_workbook(io.BytesIO(client.get(f"/penilaian/{assessment.id}/ekspor.xlsx").data))["Penilaian"]
    assert sheet["D2"].value == 3
    assert sheet["D2"].number_format == "General"
