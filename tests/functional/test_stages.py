"""The evaluation cycle after the self-assessment (Pemdi): the stages page, the overview's stepper and the interview
pack (one PDF per indicator, and the ZIP of them)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import display, jobs
from assess.models import (
    AssessmentStage,
    AuditEntry,
    ButirVerdict,
    CycleStage,
    DocType,
    RoleName,
    Verdict,
    VerdictSource,
)
from assess.models.base import utcnow
from assess.queries.engine import engine_instrument
from assess.scoring import graded_value
from assess.services import evidence as evidence_service
from assess.services import interview as interview_service
from assess.services.answers import ItemInput, save_graded_answer
from assess.services.exports import folders
from assess.services.reminders import local_today
from reports.layout import render_all
from tests.factories import create_assessment, create_member
from tests.functional.helpers import count_queries, login, logout
from tests.functional.test_report_render import pdf_text
from tests.worlds import World, build_world

REVISI_NOTE = "Yang diunggah SK tim asesor internal, bukan SK tim audit."
ACCEPTED_NOTE = "Sesuai."
DOC_TITLE = "Keputusan Bupati tentang Tim Pengembangan SDM Digital"
DOC_NUMBER = "188.45/123/2026"


@pytest.fixture
def pemdi(db: Any) -> Iterator[World]:
    """A Pemdi 2026 assessment (every answer assigned to Kominfo, a member of each role) whose I3 has its first two
    butir fulfilled, a document linked to the first, and the asesor's verdicts: the first accepted, the second a
    revisi the unit has corrected."""
    world = build_world("pemdi-2026", units=((None, "Kominfo"),))
    answer = world.answer("I3")
    first, second = sorted(answer.indicator.items, key=lambda item: (item.level, item.nn))[:2]
    save_graded_answer(
        answer=answer,
        expected_version=answer.version,
        items=[ItemInput(first.id, True, "Ada di SIASN."), ItemInput(second.id, True, "")],
        source_value=None,
        fakta="Pemetaan kompetensi digital ASN sudah dilakukan pada 2025.",
        analisis="Rencana pengembangan belum ditetapkan.",
    )
    document = evidence_service.add_link(
        assessment=world.assessment,
        url="https://jdih.example.go.id/kepbup-123",
        meta=evidence_service.Metadata(DOC_TITLE, DocType.PERATURAN, DOC_NUMBER, date(2026, 3, 2)),
        access_note=None,
        user=world.koordinator,
    )
    evidence_service.link(answer=answer, evidence=document, level=None, item=first, note="", user=world.koordinator)
    aid = world.assessment.id
    verdicts = [
        ButirVerdict(
            assessment_id=aid,
            item_id=first.id,
            stage=CycleStage.DOKUMEN,
            verdict=Verdict.DITERIMA,
            note=ACCEPTED_NOTE,
            source=VerdictSource.IMPOR,
        ),
        ButirVerdict(
            assessment_id=aid,
            item_id=second.id,
            stage=CycleStage.DOKUMEN,
            verdict=Verdict.REVISI,
            note=REVISI_NOTE,
            source=VerdictSource.IMPOR,
            corrected_at=utcnow(),
            correction_note="SK tim audit diunggah.",
        ),
    ]
    db.session.add_all(verdicts)
    db.session.commit()
    yield world
    jobs.huey.delete(f"wawancara:{aid}")  # the queue's store outlives the test's rows, whose ids come back


def _dates(**stages: tuple[str, str]) -> dict[str, str]:
    """The form's date fields: every stage empty but those given as (start, end)."""
    fields = {}
    for stage in CycleStage:
        start, end = stages.get(stage.value, ("", ""))
        fields[f"{stage.value}_starts_on"], fields[f"{stage.value}_ends_on"] = start, end
    return fields


def _as(client: FlaskClient, user: Any) -> None:
    logout(client)
    assert login(client, user.email).status_code == 302


def _stored(db: Any, assessment_id: int) -> dict[str, tuple[date | None, date | None]]:
    db.session.expire_all()
    rows = db.session.scalars(select(AssessmentStage).where(AssessmentStage.assessment_id == assessment_id))
    return {row.stage.value: (row.starts_on, row.ends_on) for row in rows}


# --------------------------------------------------------------------------- the stages page


def test_koordinator_sets_the_stage_and_dates_stored_and_audited(client: FlaskClient, db: Any, pemdi: World) -> None:
    login(client, pemdi.koordinator.email)
    aid = pemdi.assessment.id
    page = client.get(f"/penilaian/{aid}/tahapan")
    assert page.status_code == 200
    assert 'data-testid="stages-form"' in page.get_data(as_text=True)
    form = {
        "stage": "koreksi",
        **_dates(dokumen=("2026-09-16", "2026-09-20"), koreksi=("2026-09-21", "2026-09-28")),
    }
    response = client.post(f"/penilaian/{aid}/tahapan", data=form)
    assert response.status_code == 302
    assert _stored(db, aid) == {
        "dokumen": (date(2026, 9, 16), date(2026, 9, 20)),
        "koreksi": (date(2026, 9, 21), date(2026, 9, 28)),
    }
    assert db.session.get_one(type(pemdi.assessment), aid).stage == CycleStage.KOREKSI
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "stage.set")).one()
    assert entry.actor_id == pemdi.koordinator.id
    changes = {c["field"]: (c["old"], c["new"]) for c in entry.changes}
    assert changes["stage"] == ("mandiri", "koreksi")
    assert changes["koreksi.ends_on"] == (None, "2026-09-28")
    trail = client.get(f"/penilaian/{aid}/audit").get_data(as_text=True)
    assert "Tahapan evaluasi diubah" in trail
    assert "Koreksi: selesai" in trail
    # Saving the same again changes nothing and records nothing.
    assert client.post(f"/penilaian/{aid}/tahapan", data=form).status_code == 302
    assert db.session.scalar(select(db.func.count()).where(AuditEntry.action == "stage.set")) == 1


def test_an_end_before_the_start_is_refused_and_the_form_keeps_what_was_typed(
    client: FlaskClient, db: Any, pemdi: World
) -> None:
    login(client, pemdi.koordinator.email)
    aid = pemdi.assessment.id
    form = {"stage": "dokumen", **_dates(dokumen=("2026-09-16", "2026-09-20"), koreksi=("2026-09-28", "2026-09-21"))}
    response = client.post(f"/penilaian/{aid}/tahapan", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Koreksi: tanggal selesai (21 Sep 2026) sebelum tanggal mulai (28 Sep 2026)." in page
    for value in ("2026-09-16", "2026-09-20", "2026-09-28", "2026-09-21"):
        assert f'value="{value}"' in page
    assert '<option selected value="dokumen">' in page
    assert _stored(db, aid) == {}
    assert db.session.get_one(type(pemdi.assessment), aid).stage == CycleStage.MANDIRI
    assert db.session.scalar(select(db.func.count()).where(AuditEntry.action == "stage.set")) == 0


def test_moving_back_a_stage_asks_for_confirmation(client: FlaskClient, db: Any, pemdi: World) -> None:
    login(client, pemdi.koordinator.email)
    aid = pemdi.assessment.id
    assert client.post(f"/penilaian/{aid}/tahapan", data={"stage": "wawancara", **_dates()}).status_code == 302
    back = {"stage": "koreksi", **_dates(koreksi=("2026-09-21", "2026-09-28"))}
    response = client.post(f"/penilaian/{aid}/tahapan", data=back)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Tahap akan mundur dari wawancara ke koreksi." in page
    assert 'data-testid="confirm-back"' in page
    db.session.expire_all()
    assert db.session.get_one(type(pemdi.assessment), aid).stage == CycleStage.WAWANCARA
    assert _stored(db, aid) == {}
    assert client.post(f"/penilaian/{aid}/tahapan", data={**back, "confirm_back": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get_one(type(pemdi.assessment), aid).stage == CycleStage.KOREKSI
    assert _stored(db, aid) == {"koreksi": (date(2026, 9, 21), date(2026, 9, 28))}


@pytest.mark.parametrize("role", ["pengisi", "reviewer", "pembaca"])
def test_only_the_koordinator_and_admin_set_stages(client: FlaskClient, db: Any, pemdi: World, role: str) -> None:
    aid = pemdi.assessment.id
    login(client, pemdi.member(role).email)
    page = client.get(f"/penilaian/{aid}/tahapan")
    assert page.status_code == 200  # read-only
    assert 'data-testid="stages-form"' not in page.get_data(as_text=True)
    form = {"stage": "koreksi", **_dates(koreksi=("2026-09-21", "2026-09-28"))}
    assert client.post(f"/penilaian/{aid}/tahapan", data=form).status_code == 403
    assert _stored(db, aid) == {}
    _as(client, pemdi.admin)
    assert client.post(f"/penilaian/{aid}/tahapan", data=form).status_code == 302
    assert _stored(db, aid) == {"koreksi": (date(2026, 9, 21), date(2026, 9, 28))}


def test_an_spbe_assessment_has_no_stages(client: FlaskClient, db: Any) -> None:
    """The same koordinator's Pemdi assessment has its stages page and stepper; the SPBE one has neither."""
    world = build_world(members=("koordinator",), outsider=())
    pemdi = create_assessment(world.instansi, code="pemdi-2026")
    db.session.commit()
    login(client, world.koordinator.email)
    assert client.get(f"/penilaian/{pemdi.id}/tahapan").status_code == 200
    assert 'data-testid="stage-stepper"' in client.get(f"/penilaian/{pemdi.id}").get_data(as_text=True)
    aid = world.assessment.id
    assert client.get(f"/penilaian/{aid}/tahapan").status_code == 404
    assert client.post(f"/penilaian/{aid}/tahapan", data={"stage": "koreksi", **_dates()}).status_code == 404
    assert client.get(f"/penilaian/{aid}/wawancara/I3.pdf").status_code == 404
    assert client.get(f"/penilaian/{aid}/wawancara/paket-wawancara.zip").status_code == 404
    overview = client.get(f"/penilaian/{aid}").get_data(as_text=True)
    assert "stage-stepper" not in overview
    assert f"/penilaian/{aid}/tahapan" not in overview


# --------------------------------------------------------------------------- the overview's stepper


def test_the_overview_shows_the_current_stage_and_the_correction_deadline(
    client: FlaskClient, db: Any, pemdi: World
) -> None:
    aid = pemdi.assessment.id
    today = local_today()
    end = today + timedelta(days=3)
    login(client, pemdi.koordinator.email)
    form = {"stage": "koreksi", **_dates(koreksi=(today.isoformat(), end.isoformat()))}
    assert client.post(f"/penilaian/{aid}/tahapan", data=form).status_code == 302
    page = client.get(f"/penilaian/{aid}").get_data(as_text=True)
    stepper = page.split('data-testid="stage-stepper"', 1)[1].split("</section>", 1)[0]
    with client.application.test_request_context():
        from flask_babel import format_date

        shown_end = format_date(end)
    current = stepper.split('data-testid="stage-current">', 1)[1].split("</span>", 1)[0]
    assert current == f"Koreksi · sampai {shown_end}"
    assert '<span class="chip" data-testid="stage-days-left">3 hari lagi</span>' in stepper
    assert 'aria-current="step" data-stage="koreksi"' in stepper
    assert f'href="/penilaian/{aid}/tahapan"' in stepper
    _as(client, pemdi.pembaca)  # every reader sees the stepper; only the koordinator gets the link
    stepper = client.get(f"/penilaian/{aid}").get_data(as_text=True).split('data-testid="stage-stepper"', 1)[1]
    assert "Koreksi · sampai" in stepper.split("</section>", 1)[0]
    assert f"/penilaian/{aid}/tahapan" not in stepper.split("</section>", 1)[0]


def test_the_pemdi_overview_reads_the_stages_in_one_query(client: FlaskClient, db: Any, pemdi: World) -> None:
    aid = pemdi.assessment.id
    login(client, pemdi.koordinator.email)
    client.get(f"/penilaian/{aid}")

    def measure() -> int:
        with count_queries(db) as statements:
            assert client.get(f"/penilaian/{aid}").status_code == 200
        return len(statements)

    none = measure()
    form = {"stage": "selesai", **dict.fromkeys(_dates(), "2026-10-01")}
    assert client.post(f"/penilaian/{aid}/tahapan", data=form).status_code == 302
    assert measure() == none


# --------------------------------------------------------------------------- the interview pack


def _expected_values(pemdi: World) -> tuple[str, str]:
    """I3's claimed value (both butir) and its verified value (the accepted one only), as the pack prints them."""
    inst = engine_instrument(pemdi.assessment.instrument)
    first, second = (item.code for item in inst.indicators["I3"].items[:2])
    claimed = display.indicator_value(graded_value(inst, "I3", {first, second}), "graded", locale="id")
    checked = display.indicator_value(graded_value(inst, "I3", {first}), "graded", locale="id")
    assert claimed != checked
    return claimed, checked


def test_an_indicator_sheet_is_a_pdf_with_values_verdicts_and_documents(
    client: FlaskClient, db: Any, pemdi: World
) -> None:
    login(client, pemdi.koordinator.email)
    response = client.get(f"/penilaian/{pemdi.assessment.id}/wawancara/I3.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"wawancara-{pemdi.instansi.slug}-2026-I3.pdf" in disposition
    data = response.get_data()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 1
    text = " ".join(pdf_text(data).split())
    claimed, checked = _expected_values(pemdi)
    assert "I3 (2.1)" in text
    assert f"Nilai mandiri {claimed}" in text
    assert f"Nilai terverifikasi {checked}" in text
    assert "Asesor: Diterima" in text
    assert ACCEPTED_NOTE in text
    assert "Asesor: Revisi · sudah dikoreksi" in text
    assert REVISI_NOTE in text
    assert DOC_TITLE in text
    assert DOC_NUMBER in text
    assert "2 Maret 2026" in text
    assert "Kominfo" in text
    assert "Pemetaan kompetensi digital ASN" in text


def test_without_verdicts_the_sheet_has_no_verified_value(client: FlaskClient, db: Any, pemdi: World) -> None:
    login(client, pemdi.koordinator.email)
    text = pdf_text(client.get(f"/penilaian/{pemdi.assessment.id}/wawancara/I1.pdf").get_data())
    assert "Nilai terverifikasi" in text  # the assessment has verdicts (on I3): I1's verified value is shown too
    db.session.execute(db.delete(ButirVerdict))
    db.session.commit()
    text = pdf_text(client.get(f"/penilaian/{pemdi.assessment.id}/wawancara/I3.pdf").get_data())
    assert "Nilai mandiri" in text
    assert "Nilai terverifikasi" not in text
    assert "belum dinilai asesor" in text
    assert client.get(f"/penilaian/{pemdi.assessment.id}/wawancara/I99.pdf").status_code == 404


def test_the_pack_is_built_in_the_background_as_a_zip_of_one_pdf_per_indicator(
    client: FlaskClient, db: Any, pemdi: World
) -> None:
    aid = pemdi.assessment.id
    login(client, pemdi.koordinator.email)
    assert client.get(f"/penilaian/{aid}/wawancara/paket-wawancara.zip").status_code == 404  # none built yet
    assert client.get(f"/penilaian/{aid}/wawancara/status").get_json()["active"] is False
    page = client.get(f"/penilaian/{aid}/tahapan").get_data(as_text=True)
    assert 'data-testid="pack-start"' in page
    assert 'data-testid="pack-download"' not in page
    started = client.post(f"/penilaian/{aid}/wawancara/paket")
    assert started.status_code == 302  # the job ran at once (immediate mode)
    status = client.get(f"/penilaian/{aid}/wawancara/status").get_json()
    assert status["state"] == "selesai"
    assert status["percent"] == 100
    assert status["progress_text"] == "20 dari 20 indikator"
    assert status["active"] is False
    assert 'data-testid="pack-download"' in client.get(f"/penilaian/{aid}/tahapan").get_data(as_text=True)
    response = client.get(f"/penilaian/{aid}/wawancara/paket-wawancara.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert f"paket-wawancara-{pemdi.instansi.slug}-2026.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = archive.namelist()
        assert names == [f"I{n}.pdf" for n in range(1, 21)]
        sheet = archive.read("I3.pdf")
    response.close()
    with pikepdf.open(io.BytesIO(sheet)):
        pass
    assert REVISI_NOTE in " ".join(pdf_text(sheet).split())
    first = interview_service.zip_path(aid)
    assert client.post(f"/penilaian/{aid}/wawancara/paket").status_code == 302  # built again: the old one goes
    second = interview_service.zip_path(aid)
    assert first is not None
    assert second is not None
    assert second != first
    with pytest.raises(FileNotFoundError):
        folders().size(first)
    assert folders().size(second) > 0


def test_a_failed_build_says_so_and_leaves_no_file(
    client: FlaskClient, db: Any, pemdi: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    aid = pemdi.assessment.id

    def broken(jobs_: Any, *, parallel: bool) -> Iterator[Any]:
        parts = render_all(jobs_, parallel=False)
        yield next(parts)
        raise OSError("disk penuh")

    monkeypatch.setattr(interview_service, "render_all", broken)
    login(client, pemdi.koordinator.email)
    assert client.post(f"/penilaian/{aid}/wawancara/paket").status_code == 302
    assert client.get(f"/penilaian/{aid}/wawancara/status").get_json()["state"] == "gagal"
    assert 'data-testid="pack-failed"' in client.get(f"/penilaian/{aid}/tahapan").get_data(as_text=True)
    assert client.get(f"/penilaian/{aid}/wawancara/paket-wawancara.zip").status_code == 404
    left = [p.name for p in folders().work_dir().rglob("*")]
    assert not [name for name in left if "wawancara" in name], left


def test_the_pack_is_offered_to_the_koordinator_and_the_indicator_s_assignees(
    client: FlaskClient, db: Any, pemdi: World
) -> None:
    aid = pemdi.assessment.id
    lone = create_member(pemdi.instansi, RoleName.PENGISI)
    pemdi.answer("I3").assignee_unit = None
    db.session.commit()
    login(client, pemdi.koordinator.email)
    stages = client.get(f"/penilaian/{aid}/tahapan").get_data(as_text=True)
    assert 'data-testid="pack-start"' in stages
    assert f"/penilaian/{aid}/wawancara/I3.pdf" in stages
    assert 'data-testid="interview-pdf"' in client.get(f"/penilaian/{aid}/indikator/I3").get_data(as_text=True)
    _as(client, pemdi.pengisi)  # Kominfo holds I1, no longer I3
    assert 'data-testid="interview-pdf"' in client.get(f"/penilaian/{aid}/indikator/I1").get_data(as_text=True)
    assert 'data-testid="interview-pdf"' not in client.get(f"/penilaian/{aid}/indikator/I3").get_data(as_text=True)
    assert 'data-testid="interview-pack"' not in client.get(f"/penilaian/{aid}/tahapan").get_data(as_text=True)
    assert client.post(f"/penilaian/{aid}/wawancara/paket").status_code == 403
    _as(client, lone)
    assert 'data-testid="interview-pdf"' not in client.get(f"/penilaian/{aid}/indikator/I1").get_data(as_text=True)
    _as(client, pemdi.outsider)
    assert client.get(f"/penilaian/{aid}/wawancara/I3.pdf").status_code == 404
    assert client.get(f"/penilaian/{aid}/wawancara/paket-wawancara.zip").status_code == 404


def test_the_cli_writes_the_pack(app: Flask, db: Any, pemdi: World, tmp_path: Any) -> None:
    out = tmp_path / "paket.zip"
    result = app.test_cli_runner().invoke(args=["wawancara", str(pemdi.assessment.id), str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == 20
    assert [p.name for p in tmp_path.iterdir()] == ["paket.zip"]  # nothing left beside it
    missing = app.test_cli_runner().invoke(args=["wawancara", "999999", str(tmp_path / "lain.zip")])
    assert missing.exit_code != 0
    assert "tidak ditemukan" in missing.output
    assert not (tmp_path / "lain.zip").exists()
