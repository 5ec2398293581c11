"""XLSX export and import back: round trip, formula neutralisation, conflicts, errors, permissions."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from assess.models import Answer, AuditEntry, DocType, RoleName
from assess.queries import load_assessment
from assess.services import evidence as evidence_service
from assess.services.spreadsheets import COLUMNS, export_rows, unneutralise
from tests.factories import create_assessment, create_instansi, create_member, create_unit
from tests.functional.helpers import login, preview_token
from tests.worlds import World, build_world


@pytest.fixture
def world(db: Any) -> World:
    """A koordinator, no unit; the first answers hold text a spreadsheet would take for a formula, and a link."""
    built = build_world(units=(), members=("koordinator",), outsider=())
    assessment, koordinator = built.assessment, built.koordinator
    answers = sorted(assessment.answers, key=lambda a: a.indicator.position)
    answers[0].claimed_value = Decimal(2)
    answers[0].fakta = '=HYPERLINK("http://jahat.example","klik")'
    answers[0].analisis = "Baris satu\nbaris dua"
    answers[1].fakta = "+62 812 3456"
    answers[1].reviewer_note = "@catatan"
    doc = evidence_service.add_link(
        assessment=assessment,
        url="https://layanan.example.go.id",
        meta=evidence_service.Metadata(
            title="Perbup SPBE", doc_type=DocType.LAINNYA, number="12/2025", doc_date=date(2025, 3, 1)
        ),
        access_note=None,
        user=koordinator,
    )
    evidence_service.link(answer=answers[0], evidence=doc, level=2, item=None, note="", user=koordinator)
    db.session.commit()
    return built


def _export(client: FlaskClient, assessment_id: int) -> bytes:
    response = client.get(f"/penilaian/{assessment_id}/ekspor.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response.data


def _edit(data: bytes, edits: dict[str, Any]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Penilaian"]
    for ref, value in edits.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _preview(client: FlaskClient, assessment_id: int, data: bytes) -> Any:
    return client.post(
        f"/penilaian/{assessment_id}/impor",
        data={"file": (io.BytesIO(data), "penilaian.xlsx")},
        content_type="multipart/form-data",
    )


def test_export_neutralises_formulas_and_survives_round_trip(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    data = _export(client, assessment.id)
    ws = load_workbook(io.BytesIO(data))["Penilaian"]
    assert tuple(c.value for c in ws[1]) == tuple(h for _, h in COLUMNS)
    assert ws.column_dimensions["M"].hidden
    assert ws.protection.sheet
    cells = {c.value: c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    dangerous = '\'=HYPERLINK("http://jahat.example","klik")'
    assert dangerous in cells
    assert cells[dangerous].data_type == "s"
    assert "'+62 812 3456" in cells
    assert "'@catatan" in cells
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert "Petunjuk" in load_workbook(io.BytesIO(data)).sheetnames
    # every exported value comes back as it was
    loaded = load_assessment_rows(db, assessment.id)
    read_back = [
        [unneutralise(v) if isinstance(v, str) else v for v in row] for row in ws.iter_rows(min_row=2, values_only=True)
    ]
    assert read_back == loaded
    assert any("Perbup SPBE; 12/2025; 2025-03-01" in str(v) for v in read_back[0])
    # importing the unchanged file changes nothing
    response = _preview(client, assessment.id, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="no-changes"' in html
    assert "import-errors" not in html


def load_assessment_rows(db: Any, assessment_id: int) -> list[list[Any]]:
    db.session.expire_all()
    assessment = load_assessment(assessment_id)
    assert assessment is not None
    rows = export_rows(assessment)
    # an empty text is an empty cell in XLSX
    return [[None if v == "" else v for v in row] for row in rows]


def test_edit_preview_apply(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    data = _export(client, assessment.id)
    edited = _edit(data, {"D3": 4, "I4": "Fakta baru", "J2": "'=analisis baru", "B5": "nama diabaikan"})
    response = _preview(client, assessment.id, edited)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    codes = [a.indicator.code for a in sorted(assessment.answers, key=lambda a: a.indicator.position)]
    assert html.count("<tr data-code=") == 3
    assert f'data-code="{codes[1]}" data-field="claimed_value"' in html
    assert f'data-code="{codes[2]}" data-field="fakta"' in html
    assert f'data-code="{codes[0]}" data-field="analisis"' in html
    response = client.post(f"/penilaian/{assessment.id}/impor/terapkan", data={"token": preview_token(html)})
    assert response.status_code == 302
    db.session.expire_all()
    by_code = {
        a.indicator.code: a for a in db.session.scalars(db.select(Answer).filter_by(assessment_id=assessment.id))
    }
    assert by_code[codes[1]].claimed_value == 4
    assert by_code[codes[2]].fakta == "Fakta baru"
    assert by_code[codes[0]].analisis == "=analisis baru"
    assert by_code[codes[0]].claimed_value == 2
    actions = set(db.session.scalars(db.select(AuditEntry.action).filter_by(assessment_id=assessment.id)))
    assert {"answer.save", "assessment.import_xlsx"} <= actions


def test_tampered_token_is_rejected(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    response = client.post(f"/penilaian/{assessment.id}/impor/terapkan", data={"token": "palsu.token"})
    assert response.status_code == 302
    assert "/impor" in response.headers["Location"]


def test_conflict_when_answer_changed_after_export(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    data = _export(client, assessment.id)
    answer = sorted(assessment.answers, key=lambda a: a.indicator.position)[2]
    answer = db.session.get(Answer, answer.id)
    answer.fakta = "diubah di aplikasi"
    db.session.commit()
    html = _preview(client, assessment.id, _edit(data, {"I4": "dari berkas"})).get_data(as_text=True)
    assert 'data-testid="import-conflicts"' in html
    assert 'data-testid="no-changes"' in html  # the conflicting row is not offered for applying


def test_row_and_column_errors(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    data = _edit(_export(client, assessment.id), {"D3": 7, "D4": "tiga", "A5": "X99", "M6": "abc", "J7": "=1+1"})
    html = _preview(client, assessment.id, data).get_data(as_text=True)
    assert "baris 3, kolom D: level harus 0–5" in html
    assert "baris 4, kolom D:" in html
    assert "baris 5, kolom A:" in html
    assert "baris 6, kolom M:" in html
    assert "baris 7, kolom J: rumus tidak diterima" in html


def test_not_an_xlsx_is_rejected(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    response = _preview(client, assessment.id, b"PK\x03\x04 bukan xlsx")
    assert response.status_code == 400
    assert "XLSX yang sah" in response.get_data(as_text=True)


def test_pengisi_may_only_change_assigned_rows(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    unit = create_unit(assessment.instansi)
    pengisi = create_member(assessment.instansi, RoleName.PENGISI, units=(unit,))
    answers = sorted(assessment.answers, key=lambda a: a.indicator.position)
    answers[1].assignee_unit_id = unit.id
    db.session.commit()
    login(client, koordinator.email)
    data = _export(client, assessment.id)
    client.post("/logout")
    login(client, pengisi.email)
    html = _preview(client, assessment.id, _edit(data, {"I3": "boleh", "I4": "tidak boleh"})).get_data(as_text=True)
    assert 'data-testid="import-refused"' in html
    assert f'data-code="{answers[2].indicator.code}" data-field="fakta"' in html
    client.post(f"/penilaian/{assessment.id}/impor/terapkan", data={"token": preview_token(html)})
    db.session.expire_all()
    assert db.session.get(Answer, answers[1].id).fakta == "boleh"
    assert db.session.get(Answer, answers[2].id).fakta == ""


def test_outsider_cannot_export(client: FlaskClient, db: Any, world: World) -> None:
    assessment = world.assessment
    other = create_member(create_instansi(), RoleName.KOORDINATOR)
    db.session.commit()
    login(client, other.email)
    assert client.get(f"/penilaian/{assessment.id}/ekspor.xlsx").status_code == 404


def test_pemdi_round_trip_changes_penjelasan_only(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi, code="pemdi-2026")
    db.session.commit()
    login(client, koordinator.email)
    data = _export(client, assessment.id)
    assert 'data-testid="no-changes"' in _preview(client, assessment.id, data).get_data(as_text=True)
    html = _preview(client, assessment.id, _edit(data, {"I2": "Fakta Pemdi", "D3": 2})).get_data(as_text=True)
    assert "baris 3, kolom D: nilai klaim Pemdi dihitung dari butir" in html
    client.post(f"/penilaian/{assessment.id}/impor/terapkan", data={"token": preview_token(html)})
    db.session.expire_all()
    first = min(assessment.answers, key=lambda a: a.indicator.position)
    assert db.session.get(Answer, first.id).fakta == "Fakta Pemdi"


def test_a_number_out_of_all_proportion_in_a_pemdi_sheet_is_a_row_error(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi, code="pemdi-2026")
    db.session.commit()
    login(client, koordinator.email)
    response = _preview(client, assessment.id, _edit(_export(client, assessment.id), {"D3": "1e999999999"}))
    assert response.status_code == 200
    assert "baris 3, kolom D: nilai &#39;1e999999999&#39; bukan angka" in response.get_data(as_text=True)
