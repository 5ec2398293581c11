"""The pembina (issue 14): a person overseeing a group of instansi, read-only.

The comparison of the group's open assessments against the engine, its sorting, its XLSX, its query count; the
drill-in to an instansi's overview and dashboard (read-only, recorded in that instansi's audit trail by a job);
refusals outside the group; the ``mandiri group`` commands.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from assess import display
from assess import permissions as perm
from assess.extensions import db as _db
from assess.models import (
    Answer,
    AnswerItem,
    AnswerState,
    Assessment,
    AssessmentState,
    AuditEntry,
    ButirVerdict,
    CycleStage,
    DocType,
    EvidenceItem,
    Instansi,
    InstansiGroup,
    RoleName,
    User,
    Verdict,
    VerdictSource,
)
from assess.models.base import utcnow
from assess.queries import load_assessment, project_all
from assess.queries.engine import engine_instrument
from assess.queries.verdicts import current_verdicts, verified
from assess.scoring import score
from assess.services import evidence as evidence_service
from assess.services.evidence import Metadata
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import count_queries, login

#: Known claimed and reviewer values (SPBE 2020 levels) of the two instansi's assessments.
CLAIMED_A = {"I1": 3, "I2": 4, "I3": 2, "I4": 5}
REVIEWER_A = {"I1": 2, "I2": 4}
CLAIMED_B = {"I1": 1, "I2": 1}


@dataclass(frozen=True)
class Province:
    group: InstansiGroup
    a: Instansi
    b: Instansi
    outside: Instansi
    assessment_a: Assessment
    assessment_b: Assessment
    assessment_outside: Assessment
    pembina: User
    pembaca_a: User
    koordinator_a: User


def _answer(assessment: Assessment, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


def _fill(assessment: Assessment, claimed: dict[str, int], reviewer: dict[str, int]) -> None:
    for code, value in claimed.items():
        answer = _answer(assessment, code)
        answer.claimed_value, answer.state = Decimal(value), AnswerState.DRAF
    for code, value in reviewer.items():
        answer = _answer(assessment, code)
        answer.reviewer_value, answer.state = Decimal(value), AnswerState.DISETUJUI
    _db.session.flush()


def _link(assessment: Assessment, code: str, user: User) -> None:
    evidence = evidence_service.add_link(
        assessment=assessment,
        url=f"https://layanan.example.go.id/{assessment.id}/{code}",
        meta=Metadata(title=f"Layanan {code}", doc_type=DocType.TANGKAPAN_LAYAR),
        access_note=None,
        user=user,
    )
    evidence_service.link(answer=_answer(assessment, code), evidence=evidence, level=1, item=None, note="", user=user)


def _province(extra_instansi: int = 0) -> Province:
    a = create_instansi("Kabupaten Alpha")
    b = create_instansi("Kota Beta")
    outside = create_instansi("Kabupaten Luar")
    koordinator_a = create_member(a, RoleName.KOORDINATOR)
    pembaca_a = create_member(a, RoleName.PEMBACA)
    pembina = create_member(None)
    assessment_a = create_assessment(a)
    assessment_a.deadline = date.today() + timedelta(days=10)
    assessment_b = create_assessment(b)
    assessment_b.deadline = date.today() - timedelta(days=3)
    assessment_outside = create_assessment(outside)
    _fill(assessment_a, CLAIMED_A, REVIEWER_A)
    _fill(assessment_b, CLAIMED_B, {})
    for code in ("I1", "I2", "I3"):
        _link(assessment_a, code, koordinator_a)
    group = InstansiGroup(slug="prov-uji", name="Provinsi Uji", members=[a, b], pembina=[pembina])
    _db.session.add(group)
    for n in range(extra_instansi):
        more = create_instansi(f"Kabupaten Tambahan {n}")
        _fill(create_assessment(more), CLAIMED_B, REVIEWER_A)
        group.members.append(more)
    _db.session.flush()
    return Province(
        group, a, b, outside, assessment_a, assessment_b, assessment_outside, pembina, pembaca_a, koordinator_a
    )


@pytest.fixture
def province(db: Any) -> Province:
    built = _province()
    db.session.commit()
    return built


def _rows(html: str) -> list[str]:
    """The ``data-testid="row-<id>"`` markers in the order the page shows them."""


    return re.findall(r'data-testid="row-(\d+)"', html)


def _expected(assessment: Assessment, claimed: dict[str, int], reviewer: dict[str, int]) -> tuple[Any, Any]:
    """The engine's own scores of the known values (not through the page's read model)."""
    inst = engine_instrument(assessment.instrument)
    codes = list(inst.indicators)
    basis = assessment.predikat_basis.value
    return (
        score(inst, {c: claimed.get(c) for c in codes}, basis),
        score(inst, {c: reviewer.get(c) for c in codes}, basis),
    )


# --------------------------------------------------------------------------- the comparison


def test_comparison_values_are_the_engines(client: FlaskClient, province: Province) -> None:
    claimed_a, reviewer_a = _expected(province.assessment_a, CLAIMED_A, REVIEWER_A)
    claimed_b, _ = _expected(province.assessment_b, CLAIMED_B, {})
    # The dashboard's own projection agrees with the engine on these values.
    loaded = load_assessment(province.assessment_a.id)
    assert loaded is not None
    assert project_all(loaded).claimed.index == claimed_a.index
    assert login(client, province.pembina.email).status_code == 302
    page = client.get(f"/pembina/{province.group.slug}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _rows(html) == [str(province.assessment_a.id), str(province.assessment_b.id)]
    assert str(province.assessment_outside.id) not in _rows(html)
    row_a = html.split(f'data-testid="row-{province.assessment_a.id}"')[1].split("</tr>")[0]
    assert f"{display.number(claimed_a.index, locale='id')} <span" in row_a
    assert claimed_a.predikat in row_a
    assert f"{display.number(reviewer_a.index, locale='id')} <span" in row_a
    assert "75,0 %" in row_a  # three of the four answered indicators have a linked document
    assert '<td class="num" data-stage="draf">2</td>' in row_a
    assert '<td class="num" data-stage="disetujui">2</td>' in row_a
    assert '<td class="num" data-testid="days">10</td>' in row_a
    row_b = html.split(f'data-testid="row-{province.assessment_b.id}"')[1].split("</tr>")[0]
    assert display.number(claimed_b.index, locale="id") in row_b
    assert "0,0 %" in row_b
    assert "terlambat 3 hari" in row_b
    assert '<td class="num" data-testid="reviewer">–</td>' in row_b  # no reviewer value yet: no projection


def test_a_final_assessment_and_a_deactivated_instansi_are_left_out(client: FlaskClient, province: Province) -> None:
    province.assessment_b.state = AssessmentState.FINAL
    _db.session.commit()
    assert login(client, province.pembina.email).status_code == 302
    assert _rows(client.get(f"/pembina/{province.group.slug}/").get_data(as_text=True)) == [
        str(province.assessment_a.id)
    ]
    province.a.active = False
    _db.session.commit()
    html = client.get(f"/pembina/{province.group.slug}/").get_data(as_text=True)
    assert _rows(html) == []
    assert 'data-testid="pembina-empty"' in html
    assert client.get(f"/penilaian/{province.assessment_a.id}").status_code == 404


@pytest.mark.parametrize(
    ("column", "descending", "first"),
    [
        ("instansi", False, "a"),
        ("instansi", True, "b"),
        ("klaim", False, "b"),
        ("klaim", True, "a"),
        ("tenggat", False, "b"),
        ("tenggat", True, "a"),
        ("cakupan", True, "a"),
        ("tahap-disetujui", True, "a"),
        ("tahap-belum_diisi", True, "b"),
    ],
)
def test_sorting_by_a_column(
    client: FlaskClient, province: Province, column: str, descending: bool, first: str
) -> None:
    assert login(client, province.pembina.email).status_code == 302
    arah = "turun" if descending else "naik"
    rows = _rows(client.get(f"/pembina/{province.group.slug}/?urut={column}&arah={arah}").get_data(as_text=True))
    ids = {"a": str(province.assessment_a.id), "b": str(province.assessment_b.id)}
    assert rows[0] == ids[first]
    assert sorted(rows) == sorted(ids.values())


def test_a_row_without_the_value_comes_last_both_ways(client: FlaskClient, province: Province) -> None:
    assert login(client, province.pembina.email).status_code == 302
    for arah in ("naik", "turun"):  # B has no reviewer value: last, whichever the direction
        rows = _rows(client.get(f"/pembina/{province.group.slug}/?urut=reviewer&arah={arah}").get_data(as_text=True))
        assert rows[-1] == str(province.assessment_b.id)


def test_an_unknown_sort_column_sorts_by_instansi(client: FlaskClient, province: Province) -> None:
    assert login(client, province.pembina.email).status_code == 302
    rows = _rows(client.get(f"/pembina/{province.group.slug}/?urut=%27%3B--&arah=x").get_data(as_text=True))
    assert rows == [str(province.assessment_a.id), str(province.assessment_b.id)]


def test_the_xlsx_holds_the_rounded_values(client: FlaskClient, province: Province) -> None:
    claimed_a, reviewer_a = _expected(province.assessment_a, CLAIMED_A, REVIEWER_A)
    claimed_b, _ = _expected(province.assessment_b, CLAIMED_B, {})
    assert login(client, province.pembina.email).status_code == 302
    response = client.get(f"/pembina/{province.group.slug}/perbandingan.xlsx?urut=klaim&arah=turun")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "perbandingan-prov-uji.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Provinsi Uji"
    assert rows[1][:3] == ["Instansi", "Instrumen", "Tahun"]
    assert rows[1][-1] == "Hari menuju batas waktu"
    first, second = rows[2], rows[3]
    assert [first[0], second[0]] == ["Kabupaten Alpha", "Kota Beta"]  # sorted as asked: by claimed index, down
    assert first[3:8] == [43, 2, 0, 0, 2]  # belum diisi, draf, perlu perbaikan, siap direviu, disetujui
    assert first[8] == 47
    assert Decimal(str(first[9])) == display.rounded(claimed_a.index, 2)
    assert first[10] == claimed_a.predikat
    assert Decimal(str(first[11])) == display.rounded(reviewer_a.index, 2)
    assert first[13:15] == [None, None]  # no verified index: SPBE has no asesor verdicts per butir
    assert Decimal(str(first[15])) == Decimal("75.0")
    assert first[16] == 10
    assert Decimal(str(second[9])) == display.rounded(claimed_b.index, 2)
    assert second[11:13] == [None, None]
    assert second[16] == -3
    assert sheet.cell(row=3, column=10).number_format == "0.00"


def test_a_pemdi_assessment_shows_its_verified_index(client: FlaskClient, province: Province, db: Any) -> None:
    """The index from the butir the asesor accepted, beside the claimed one, as the dashboard computes it: on the
    page and in the XLSX; "–" before any verdict."""
    pemdi = create_assessment(province.b, "pemdi-2026")
    items = {
        item.code: item
        for item in db.session.scalars(select(EvidenceItem).where(EvidenceItem.code.in_(["I1-L1-01", "I1-L2-01"])))
    }
    answer = _answer(pemdi, "I1")
    for code in items:
        db.session.add(AnswerItem(answer_id=answer.id, item_id=items[code].id, fulfilled=True, note=""))
    answer.state = AnswerState.DRAF
    db.session.commit()
    assert login(client, province.pembina.email).status_code == 302
    row = client.get(f"/pembina/{province.group.slug}/").get_data(as_text=True).split(f'data-testid="row-{pemdi.id}"')
    assert 'data-testid="verified">–' in row[1].split("</tr>")[0]
    db.session.add_all(
        ButirVerdict(
            assessment_id=pemdi.id,
            item_id=items[code].id,
            stage=CycleStage.DOKUMEN,
            verdict=verdict,
            note="",
            source=VerdictSource.IMPOR,
        )
        for code, verdict in (("I1-L1-01", Verdict.DITERIMA), ("I1-L2-01", Verdict.REVISI))
    )
    db.session.commit()
    loaded = load_assessment(pemdi.id)
    assert loaded is not None
    expected = verified(engine_instrument(loaded.instrument), loaded, current_verdicts(pemdi.id)).score
    assert expected.values["I1"] == Fraction(3, 2)  # L1 accepted; the L2 butir sent back
    html = client.get(f"/pembina/{province.group.slug}/?urut=terverifikasi&arah=turun").get_data(as_text=True)
    assert _rows(html)[0] == str(pemdi.id)  # the only row with a verified index, sorted first
    cell = html.split(f'data-testid="row-{pemdi.id}"')[1].split('data-testid="verified">')[1].split("</td>")[0]
    assert display.number(expected.index, 2, "id") in cell
    sheet = load_workbook(
        io.BytesIO(client.get(f"/pembina/{province.group.slug}/perbandingan.xlsx?urut=terverifikasi&arah=turun").data)
    ).active
    assert sheet is not None
    header, first = [c.value for c in sheet[2]], [c.value for c in sheet[3]]
    assert header[13:15] == ["Indeks terverifikasi", "Predikat terverifikasi"]
    assert Decimal(str(first[13])) == display.rounded(expected.index, 2)
    assert first[14] == expected.predikat


def test_the_xlsx_is_in_the_readers_language(client: FlaskClient, province: Province) -> None:
    assert login(client, province.pembina.email).status_code == 302
    client.post("/bahasa", data={"lang": "en"})
    sheet = load_workbook(io.BytesIO(client.get(f"/pembina/{province.group.slug}/perbandingan.xlsx").data)).active
    assert sheet is not None
    headers = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert headers[-1] == "Days to the deadline"


def test_a_constant_number_of_queries_whatever_the_number_of_instansi(client: FlaskClient, db: Any) -> None:
    small = _province()
    db.session.commit()
    assert login(client, small.pembina.email).status_code == 302
    assert client.get("/pembina/").status_code == 200  # the sign-in's first page refreshes the session
    counts = []
    for extra in (0, 6):
        if extra:
            group = db.session.get(InstansiGroup, small.group.id)
            for n in range(extra):
                more = create_instansi(f"Kota Tambahan {n}")
                assessment = create_assessment(more)
                _fill(assessment, CLAIMED_B, REVIEWER_A)
                _link(assessment, "I1", small.koordinator_a)
                group.members.append(more)
            db.session.commit()
        for url in (f"/pembina/{small.group.slug}/", f"/pembina/{small.group.slug}/perbandingan.xlsx"):
            with count_queries(db) as statements:
                assert client.get(url).status_code == 200
            counts.append((url, len(statements)))
    assert counts[:2] == counts[2:], counts
    html = client.get(f"/pembina/{small.group.slug}/").get_data(as_text=True)
    assert len(_rows(html)) == 8


# --------------------------------------------------------------------------- who may see it


def test_only_the_groups_pembina_sees_the_comparison(client: FlaskClient, province: Province) -> None:
    other_pembina = create_member(None)
    _db.session.add(
        InstansiGroup(slug="prov-lain", name="Provinsi Lain", members=[province.outside], pembina=[other_pembina])
    )
    operator = create_member(province.a, RoleName.ADMIN, RoleName.KOORDINATOR)
    operator.is_operator = True
    _db.session.commit()
    url = f"/pembina/{province.group.slug}/"
    for user in (province.koordinator_a, province.pembaca_a, other_pembina, operator):
        assert login(client, user.email).status_code == 302
        assert client.get(url).status_code == 404, user.email
        assert client.get(f"{url}perbandingan.xlsx").status_code == 404
        client.post("/logout")
    assert client.get(url).status_code in (302, 401)
    assert login(client, province.koordinator_a.email).status_code == 302
    assert client.get("/pembina/").status_code == 404  # no group: nothing to list
    client.post("/logout")
    assert login(client, other_pembina.email).status_code == 302
    listing = client.get("/pembina/").get_data(as_text=True)
    assert "Provinsi Lain" in listing
    assert "Provinsi Uji" not in listing
    assert client.get("/pembina/tidak-ada/").status_code == 404


def test_the_pembina_reads_the_groups_instansi_and_nothing_outside(client: FlaskClient, province: Province) -> None:
    assert perm.pembina_of(province.pembina, province.a.id)
    assert not perm.pembina_of(province.pembina, province.outside.id)
    assert not perm.pembina_of(province.pembaca_a, province.a.id)
    assert login(client, province.pembina.email).status_code == 302
    for assessment in (province.assessment_a, province.assessment_b):
        assert client.get(f"/penilaian/{assessment.id}").status_code == 200
        assert client.get(f"/penilaian/{assessment.id}/dasbor").status_code == 200
        assert client.get(f"/penilaian/{assessment.id}/indikator/I1").status_code == 200
    outside = province.assessment_outside.id
    for path in ("", "/dasbor", "/indikator/I1", "/audit", "/pustaka/"):
        assert client.get(f"/penilaian/{outside}{path}").status_code == 404, path


def test_the_pembina_changes_nothing(client: FlaskClient, province: Province) -> None:
    assessment = province.assessment_a
    answer = _answer(assessment, "I5")
    before = (answer.claimed_value, answer.state, answer.version, assessment.deadline)
    assert login(client, province.pembina.email).status_code == 302
    base = f"/penilaian/{assessment.id}"
    refused = [
        client.post(f"{base}/indikator/I5", data={"value": "3", "version": answer.version}),
        client.post(f"{base}/indikator/I5/ajukan", data={"version": answer.version}),
        client.post(f"{base}/batas-waktu", data={"deadline": "2030-01-01"}),
        client.post(f"{base}/tahap", data={"action": "start_review"}),
        client.post(f"{base}/indikator/I1/reviu/nilai", data={"value": "5", "note": "x"}),
        client.post(f"{base}/target", data={"target_index": "4"}),
        client.post(f"{base}/komentar/jawaban/{answer.id}", data={"body": "Halo"}),
    ]
    assert [r.status_code for r in refused if r.status_code not in (403, 404, 405)] == []
    _db.session.expire_all()
    after = _db.session.get(Answer, answer.id)
    reread = _db.session.get(Assessment, assessment.id)
    assert after is not None
    assert reread is not None
    assert (after.claimed_value, after.state, after.version, reread.deadline) == before
    overview = client.get(base).get_data(as_text=True)
    assert f'action="{base}/tugaskan"' not in overview
    assert f'action="{base}/batas-waktu"' not in overview
    dashboard = client.get(f"{base}/dasbor").get_data(as_text=True)
    assert f'action="{base}/target"' not in dashboard


# --------------------------------------------------------------------------- the drill-in is recorded


def _views(instansi_id: int) -> list[AuditEntry]:
    """The pembina's looks in the instansi's trail, read in a new transaction (the job commits in its own)."""
    _db.session.rollback()
    return list(
        _db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.instansi_id == instansi_id, AuditEntry.action == "pembina.view")
            .order_by(AuditEntry.id)
        )
    )


def test_opening_an_overview_or_dashboard_is_recorded_in_that_instansis_trail(
    client: FlaskClient, province: Province
) -> None:
    assert login(client, province.pembina.email).status_code == 302
    assert client.get(f"/penilaian/{province.assessment_a.id}").status_code == 200
    assert client.get(f"/penilaian/{province.assessment_a.id}/dasbor").status_code == 200
    entries = _views(province.a.id)
    assert [(e.actor_id, e.assessment_id, e.object_type) for e in entries] == [
        (province.pembina.id, province.assessment_a.id, "assessment")
    ] * 2
    assert _views(province.b.id) == []
    # The koordinator of A reads the trail, where the look is named.
    client.post("/logout")
    assert login(client, province.koordinator_a.email).status_code == 302
    trail = client.get(f"/penilaian/{province.assessment_a.id}/audit").get_data(as_text=True)
    assert "Dilihat pembina (hanya baca)" in trail
    assert province.pembina.name in trail
    # A member's own reading is not a pembina's look; a refused page records nothing.
    assert client.get(f"/penilaian/{province.assessment_a.id}").status_code == 200
    client.post("/logout")
    assert login(client, province.pembina.email).status_code == 302
    assert client.get(f"/penilaian/{province.assessment_outside.id}").status_code == 404
    assert len(_views(province.a.id)) == 2
    assert _views(province.outside.id) == []


def test_the_page_itself_writes_nothing(client: FlaskClient, province: Province, monkeypatch: Any) -> None:
    """The look is handed to the job; with the job stubbed, the request writes no audit entry."""
    from assess import jobs

    handed: list[tuple[int, int]] = []
    monkeypatch.setattr(jobs, "record_pembina_view", lambda user, assessment: handed.append((user, assessment)))
    assert login(client, province.pembina.email).status_code == 302
    assert client.get(f"/penilaian/{province.assessment_b.id}/dasbor").status_code == 200
    assert handed == [(province.pembina.id, province.assessment_b.id)]
    assert _views(province.b.id) == []


def test_coverage_counts_only_answered_indicators_with_a_live_document(db: Any) -> None:
    from assess.queries.pembina import comparison

    built = _province()
    db.session.commit()
    rows = {r.assessment_id: r for r in comparison(built.group, date.today())}
    row = rows[built.assessment_a.id]
    assert (row.answered, row.covered, row.coverage) == (4, 3, Fraction(3, 4))
    assert rows[built.assessment_b.id].coverage == 0
    document = _answer(built.assessment_a, "I3").links[0].evidence
    document.deleted_at = utcnow()  # a document deleted while still linked (rows from before the refusal)
    db.session.commit()
    row = next(r for r in comparison(built.group, date.today()) if r.assessment_id == built.assessment_a.id)
    assert (row.answered, row.covered) == (4, 2)


def test_the_overviews_logo_shows_to_the_pembina(client: FlaskClient, province: Province) -> None:
    from PIL import Image

    admin = create_member(province.a, RoleName.ADMIN)
    _db.session.commit()
    png = io.BytesIO()
    Image.new("RGB", (120, 60), (10, 90, 160)).save(png, format="PNG")
    assert login(client, admin.email).status_code == 302
    logo = {"logo": (io.BytesIO(png.getvalue()), "Logo.png")}
    assert client.post(f"/admin/{province.a.id}/logo", data=logo, content_type="multipart/form-data").status_code == 302
    client.post("/logout")
    assert login(client, province.pembina.email).status_code == 302
    overview = client.get(f"/penilaian/{province.assessment_a.id}").get_data(as_text=True)
    assert f"/instansi/{province.a.id}/logo" in overview
    shown = client.get(f"/instansi/{province.a.id}/logo")
    assert shown.status_code == 200
    assert shown.data == png.getvalue()
    assert client.get(f"/instansi/{province.outside.id}/logo").status_code == 404
