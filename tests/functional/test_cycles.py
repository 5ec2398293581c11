"""Year to year: official result import (preview, errors, apply, follow-ups, comparison)."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import inspect as sa_inspect

from assess.display import number
from assess.models import (
    Answer,
    AnswerEvidence,
    Assessment,
    AuditEntry,
    DocType,
    Evidence,
    EvidenceVersion,
    FollowUp,
    OfficialValue,
    RoleName,
    Unit,
    User,
)
from assess.queries.engine import engine_instrument
from assess.scoring import score
from assess.services import evidence as evidence_service
from assess.services.crosswalk import load_crosswalk
from tests.factories import create_assessment, create_instansi, create_member, create_unit, instrument
from tests.functional.helpers import login, pdf_bytes, preview_token, upload
from tests.worlds import World, build_world


@pytest.fixture
def world(db: Any) -> World:
    """A koordinator and a unit, Diskominfo, that no answer is assigned to."""
    built = build_world(units=(("Dinas Kominfo", "Diskominfo"),), members=("koordinator",), outsider=(), assign=False)
    db.session.commit()
    return built


def _post(client: FlaskClient, assessment_id: int, data: bytes, name: str) -> Any:
    return client.post(
        f"/penilaian/{assessment_id}/hasil-resmi",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


CSV = (
    "kode;nilai;catatan;rekomendasi;unit;tenggat\n"
    "I1;3;cukup;Tetapkan Perbup arsitektur;Diskominfo;2027-06-30\n"
    "I2;2;;;;\n"
)


def test_official_csv_preview_then_apply(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator, unit = world.assessment, world.koordinator, world.unit
    login(client, koordinator.email)
    response = _post(client, assessment.id, CSV.encode(), "hasil.csv")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-code="I1"' in html
    assert 'data-code="I2"' in html
    assert db.session.scalar(db.select(db.func.count(OfficialValue.id))) == 0  # nothing written yet
    response = client.post(f"/penilaian/{assessment.id}/hasil-resmi/terapkan", data={"token": preview_token(html)})
    assert response.status_code == 302
    values = {
        o.indicator_code: o.value
        for o in db.session.scalars(db.select(OfficialValue).filter_by(assessment_id=assessment.id))
    }
    assert values == {"I1": Decimal(3), "I2": Decimal(2)}
    follow_up = db.session.scalars(db.select(FollowUp).filter_by(assessment_id=assessment.id)).one()
    assert follow_up.recommendation == "Tetapkan Perbup arsitektur"
    assert follow_up.owner_unit_id == unit.id
    assert follow_up.due_date == date(2027, 6, 30)
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="assessment.import_official")) is not None
    page = client.get(f"/penilaian/{assessment.id}/hasil-resmi").get_data(as_text=True)
    assert 'data-testid="follow-ups"' in page
    assert 'data-testid="official-index-value">–<' not in page
    # a second import replaces the values and does not duplicate the follow-up
    html = _post(client, assessment.id, b"kode,nilai\nI1,4\n", "hasil.csv").get_data(as_text=True)
    client.post(f"/penilaian/{assessment.id}/hasil-resmi/terapkan", data={"token": preview_token(html)})
    db.session.expire_all()
    values = {o.indicator_code: o.value for o in db.session.scalars(db.select(OfficialValue))}
    assert values == {"I1": Decimal(4)}
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 1


def test_official_xlsx_errors_name_row_and_column(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    wb = Workbook()
    ws = wb.active
    ws.append(["Kode", "Nilai", "Unit", "Tenggat"])
    ws.append(["I1", 3, "", ""])
    ws.append(["I99", 3, "", ""])
    ws.append(["I2", 9, "", ""])
    ws.append(["I3", "x", "", ""])
    ws.append(["I4", 2, "Dinas Hantu", ""])
    ws.append(["I5", 2, "", "besok"])
    ws.append(["I1", 2, "", ""])
    out = io.BytesIO()
    wb.save(out)
    html = _post(client, assessment.id, out.getvalue(), "hasil.xlsx").get_data(as_text=True)
    assert "baris 3, kolom A:" in html
    assert "baris 4, kolom B: nilai harus 0–5" in html
    assert "baris 5, kolom B:" in html
    assert "baris 6, kolom C:" in html
    assert "baris 7, kolom D:" in html
    assert "baris 8, kolom A:" in html
    assert html.count("<tr data-code=") == 1
    assert db.session.scalar(db.select(db.func.count(OfficialValue.id))) == 0


def test_missing_columns_and_bad_file(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator = world.assessment, world.koordinator
    login(client, koordinator.email)
    assert "kolom &#39;nilai&#39; tidak ada" in _post(client, assessment.id, b"kode\nI1\n", "a.csv").get_data(
        as_text=True
    )
    response = _post(client, assessment.id, b"bukan zip", "a.xlsx")
    assert response.status_code == 400


def test_only_koordinator_imports_everyone_reads(client: FlaskClient, db: Any, world: World) -> None:
    assessment = world.assessment
    pembaca = create_member(assessment.instansi, RoleName.PEMBACA)
    db.session.commit()
    login(client, pembaca.email)
    assert client.get(f"/penilaian/{assessment.id}/hasil-resmi").status_code == 200
    assert _post(client, assessment.id, CSV.encode(), "hasil.csv").status_code == 403
    assert client.post(f"/penilaian/{assessment.id}/hasil-resmi/terapkan", data={"token": "x"}).status_code == 403


def _snapshot(db: Any, assessment_id: int) -> dict[str, list[tuple[Any, ...]]]:
    def rows(model: Any, where: Any) -> list[tuple[Any, ...]]:
        cols = [c.key for c in sa_inspect(model).column_attrs]
        return sorted(
            (tuple(getattr(r, c) for c in cols) for r in db.session.scalars(db.select(model).where(where))),
            key=lambda t: t[cols.index("id")],
        )

    answer_ids = db.select(Answer.id).where(Answer.assessment_id == assessment_id)
    evidence_ids = db.select(Evidence.id).where(Evidence.assessment_id == assessment_id)
    return {
        "assessment": rows(Assessment, Assessment.id == assessment_id),
        "answers": rows(Answer, Answer.assessment_id == assessment_id),
        "evidence": rows(Evidence, Evidence.assessment_id == assessment_id),
        "versions": rows(EvidenceVersion, EvidenceVersion.evidence_id.in_(evidence_ids)),
        "links": rows(AnswerEvidence, AnswerEvidence.answer_id.in_(answer_ids)),
    }


def test_open_from_last_year_carries_everything_and_leaves_it_untouched(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    unit = create_unit(instansi)
    previous = create_assessment(instansi, year=2025)
    db.session.commit()
    login(client, koordinator.email)
    status, _ = upload(client, previous.id, "perbup.pdf", pdf_bytes())
    assert status in (200, 201)
    doc = db.session.scalars(db.select(Evidence).filter_by(assessment_id=previous.id)).one()
    answers = sorted(previous.answers, key=lambda a: a.indicator.position)
    answers[0].claimed_value = Decimal(3)
    answers[0].fakta, answers[0].analisis = "Fakta lama", "Analisis lama"
    answers[0].assignee_unit_id = unit.id
    evidence_service.link(answer=answers[0], evidence=doc, level=3, item=None, note="hal. 2", user=koordinator)
    db.session.commit()
    before = _snapshot(db, previous.id)

    response = client.post(f"/penilaian/{previous.id}/tahun-berikutnya", data={"instrument_id": previous.instrument_id})
    assert response.status_code == 302
    db.session.expire_all()
    assert _snapshot(db, previous.id) == before
    new = db.session.scalars(db.select(Assessment).filter_by(previous_id=previous.id)).one()
    assert new.year == 2026
    by_code = {a.indicator.code: a for a in db.session.scalars(db.select(Answer).filter_by(assessment_id=new.id))}
    assert all(a.needs_recheck for a in by_code.values())
    first = by_code[answers[0].indicator.code]
    assert (first.claimed_value, first.fakta, first.analisis) == (Decimal(3), "Fakta lama", "Analisis lama")
    assert first.assignee_unit_id == unit.id
    copy = db.session.scalars(db.select(Evidence).filter_by(assessment_id=new.id)).one()
    assert copy.id != doc.id
    assert copy.title == doc.title
    assert [v.blob_id for v in copy.versions] == [v.blob_id for v in doc.versions]
    assert copy.current_version is not None
    assert copy.current_version.blob_id == doc.current_version.blob_id
    link = db.session.scalars(db.select(AnswerEvidence).filter_by(answer_id=first.id)).one()
    assert (link.evidence_id, link.level, link.note) == (copy.id, 3, "hal. 2")
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="assessment.carry_over")) is not None
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert f'data-code="{answers[0].indicator.code}"' in page.get_data(as_text=True)
    # opening it twice is refused (the year exists)
    again = client.post(f"/penilaian/{previous.id}/tahun-berikutnya", data={"instrument_id": previous.instrument_id})
    assert again.status_code == 200
    assert "sudah ada" in again.get_data(as_text=True)


def test_only_koordinator_opens_next_year(client: FlaskClient, db: Any, world: World) -> None:
    assessment = world.assessment
    pembaca = create_member(assessment.instansi, RoleName.PEMBACA)
    db.session.commit()
    login(client, pembaca.email)
    assert client.get(f"/penilaian/{assessment.id}/tahun-berikutnya").status_code == 403


def test_trend_over_the_years(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    old = create_assessment(instansi, year=2024)
    new = create_assessment(instansi, year=2025)
    for answer in old.answers:
        answer.claimed_value = Decimal(2)
    for answer in new.answers:
        answer.claimed_value = Decimal(3)
        answer.final_value = Decimal(4)
    db.session.add(OfficialValue(assessment_id=new.id, indicator_code="I1", value=Decimal(5)))
    db.session.commit()
    inst = engine_instrument(new.instrument)
    official = score(inst, {"I1": 5}, new.predikat_basis.value)
    login(client, koordinator.email)
    html = client.get(f"/instansi/{instansi.id}/tren").get_data(as_text=True)
    expected = {2024: ("2,00", "–", "–"), 2025: ("3,00", "4,00", number(official.index, locale="id"))}
    for year, (claimed, final, off) in expected.items():
        start = html.index(f'data-year="{year}"')
        row = html[start : html.index("</tr>", start)]
        assert f'class="claimed">{claimed}<' in row
        assert f'class="final">{final}<' in row
        assert f'class="official">{off}<' in row
    assert f'class="predikat">{official.predikat}<' in html
    assert "<polyline" in html
    outsider = create_member(create_instansi(), RoleName.KOORDINATOR)
    db.session.commit()
    client.post("/logout")
    login(client, outsider.email)
    assert client.get(f"/instansi/{instansi.id}/tren").status_code == 404


def test_crosswalk_links_evidence_to_mapped_pemdi_indicators(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    spbe = create_assessment(instansi, year=2025)
    by_code = {a.indicator.code: a for a in spbe.answers}
    by_code["I22"].claimed_value = Decimal(4)
    docs = {}
    for code in ("I22", "I1"):
        docs[code] = evidence_service.add_link(
            assessment=spbe,
            url=f"https://dok.example.go.id/{code}",
            meta=evidence_service.Metadata(title=f"Dokumen {code}", doc_type=DocType.LAINNYA),
            access_note=None,
            user=koordinator,
        )
        evidence_service.link(answer=by_code[code], evidence=docs[code], level=2, item=None, note="", user=koordinator)
    db.session.commit()
    before = _snapshot(db, spbe.id)
    login(client, koordinator.email)
    pemdi = instrument("pemdi-2026")
    response = client.post(f"/penilaian/{spbe.id}/crosswalk", data={"instrument_id": pemdi.id, "year": 2026})
    assert response.status_code == 302
    db.session.expire_all()
    assert _snapshot(db, spbe.id) == before
    new = db.session.scalars(db.select(Assessment).filter_by(previous_id=spbe.id)).one()
    assert new.instrument_id == pemdi.id
    linked: dict[str, set[str]] = {}
    for answer in db.session.scalars(db.select(Answer).filter_by(assessment_id=new.id)):
        assert answer.claimed_value is None
        titles = {link.evidence.title for link in answer.links}
        if titles:
            assert answer.needs_recheck
            linked[answer.indicator.code] = titles
    assert linked == {
        "I1": {"Dokumen I1"},
        "I8": {"Dokumen I22"},
        "I10": {"Dokumen I22"},
        "I12": {"Dokumen I22"},
    }
    copies = db.session.scalars(db.select(Evidence).filter_by(assessment_id=new.id)).all()
    assert {d.title for d in copies} == {"Dokumen I1", "Dokumen I22"}
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="assessment.crosswalk")) is not None


def test_crosswalk_file_is_validated(db: Any, tmp_path: Any) -> None:
    crosswalk = load_crosswalk("spbe-2020", "pemdi-2026")
    assert crosswalk.mapping["I9"] == ("I9", "I29", "I30", "I31")
    assert len(crosswalk.mapping) == 20
    bad = tmp_path / "spbe-2020_pemdi-2026.yaml"
    bad.write_text("from: spbe-2020\nto: pemdi-2026\nmap:\n  I1: {status: reuse, from: [I99]}\n")
    with pytest.raises(ValueError, match="I99"):
        load_crosswalk("spbe-2020", "pemdi-2026", tmp_path)
    bad.write_text("from: spbe-2020\nto: pemdi-2026\nmap:\n  I1: {status: kira-kira, from: [I1]}\n")
    with pytest.raises(ValueError, match="status"):
        load_crosswalk("spbe-2020", "pemdi-2026", tmp_path)


def _follow_up_setup(db: Any, world: World) -> tuple[Assessment, User, Unit, FollowUp]:
    assessment, koordinator, unit = world.assessment, world.koordinator, world.unit
    follow_up = FollowUp(
        assessment_id=assessment.id, indicator_code="I1", recommendation="Tetapkan Perbup", owner_unit_id=unit.id
    )
    db.session.add(follow_up)
    db.session.commit()
    return assessment, koordinator, unit, follow_up


def _toggle(client: FlaskClient, assessment_id: int, follow_up_id: int, done: str) -> Any:
    return client.post(f"/penilaian/{assessment_id}/tindak-lanjut/{follow_up_id}/selesai", data={"done": done})


def test_follow_up_done_and_reopen_by_koordinator_with_audit(client: FlaskClient, db: Any, world: World) -> None:
    assessment, koordinator, _, follow_up = _follow_up_setup(db, world)
    login(client, koordinator.email)
    assert _toggle(client, assessment.id, follow_up.id, "1").status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).done_at is not None
    page = client.get(f"/penilaian/{assessment.id}/hasil-resmi").get_data(as_text=True)
    assert "<s>Tetapkan Perbup</s>" in page
    assert 'data-testid="follow-up-done"' in page
    entries = db.session.query(AuditEntry).filter_by(assessment_id=assessment.id, action="followup.done").all()
    assert len(entries) == 1
    assert entries[0].object_type == "assessment"
    assert entries[0].actor_id == koordinator.id
    assert _toggle(client, assessment.id, follow_up.id, "0").status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).done_at is None
    assert db.session.query(AuditEntry).filter_by(assessment_id=assessment.id, action="followup.reopen").count() == 1
    page = client.get(f"/penilaian/{assessment.id}/hasil-resmi").get_data(as_text=True)
    assert "<s>Tetapkan Perbup</s>" not in page


def test_follow_up_done_permissions(client: FlaskClient, db: Any, world: World) -> None:
    assessment, _, unit, follow_up = _follow_up_setup(db, world)
    other_unit = create_unit(assessment.instansi, name="Bappeda", short_name="Bappeda")
    owner = create_member(assessment.instansi, RoleName.PENGISI, units=(unit,))
    other = create_member(assessment.instansi, RoleName.PENGISI, units=(other_unit,))
    pembaca = create_member(assessment.instansi, RoleName.PEMBACA, units=(unit,))
    outsider = create_member(create_instansi(), RoleName.KOORDINATOR)
    db.session.commit()
    for user, status in ((other, 403), (pembaca, 403), (outsider, 404), (owner, 302)):
        login(client, user.email)
        assert _toggle(client, assessment.id, follow_up.id, "1").status_code == status, user.email
        client.post("/logout")
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).done_at is not None
    assert db.session.query(AuditEntry).filter_by(assessment_id=assessment.id, action="followup.done").count() == 1


def _offered_year(html: str) -> int:
    match = re.search(r'<input[^>]*name="year"[^>]*value="(\d+)"', html)
    assert match is not None
    return int(match[1])


@pytest.mark.parametrize("spbe_year", [2026, 2025])
def test_crosswalk_offers_pemdi_2026_and_carry_over_stays_next_year(
    client: FlaskClient, db: Any, spbe_year: int
) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    spbe = create_assessment(instansi, year=spbe_year)
    db.session.commit()
    login(client, koordinator.email)
    page = client.get(f"/penilaian/{spbe.id}/crosswalk")
    assert page.status_code == 200
    assert _offered_year(page.get_data(as_text=True)) == 2026
    pemdi = instrument("pemdi-2026")
    assert (
        client.post(f"/penilaian/{spbe.id}/crosswalk", data={"instrument_id": pemdi.id, "year": 2026}).status_code
        == 302
    )
    again = client.post(f"/penilaian/{spbe.id}/crosswalk", data={"instrument_id": pemdi.id, "year": 2026})
    assert again.status_code == 200
    assert "Penilaian pemdi-2026 tahun 2026 untuk instansi ini sudah ada." in again.get_data(as_text=True)
    response = client.post(f"/penilaian/{spbe.id}/tahun-berikutnya", data={"instrument_id": spbe.instrument_id})
    assert response.status_code == 302
    carried = db.session.scalars(
        db.select(Assessment).filter_by(previous_id=spbe.id, instrument_id=spbe.instrument_id)
    ).one()
    assert carried.year == spbe_year + 1
