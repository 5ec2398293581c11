"""The corrections the asesor asks for (Pemdi *revisi*): a task for the butir's unit until it is marked corrected or a
later verdict counts instead, in "Tugas saya" with the correction deadline, the koreksi page that marks it (audited,
with what was changed) and reopens it, the overview's line, and the daily reminders before and after the deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_babel import format_date
from sqlalchemy import select

from assess import texts
from assess.models import (
    AnswerItem,
    AssessmentStage,
    AssessmentState,
    AuditEntry,
    ButirVerdict,
    CycleStage,
    EvidenceItem,
    Notification,
    ReminderSent,
    RoleName,
    User,
    Verdict,
    VerdictSource,
)
from assess.services import notifications, reminders
from tests.factories import create_member
from tests.functional.helpers import count_queries, login, logout
from tests.worlds import World, build_world

ASESOR_NOTE = "Yang diunggah SK tim asesor, bukan SK tim audit."


@dataclass(frozen=True)
class Koreksi:
    """A Pemdi world (every indicator with Kominfo) with Bappeda and its pengisi Cici; the asesor asked to revise
    ``kominfo_item`` (I1's, held by Kominfo through the indicator) and ``bappeda_item`` (I2's, assigned to Bappeda
    itself)."""

    world: World
    cici: User
    kominfo_item: EvidenceItem
    bappeda_item: EvidenceItem


def _items(world: World, code: str) -> list[EvidenceItem]:
    answer = world.answer(code)
    return sorted((i for i in answer.indicator.items if i.kind != "note"), key=lambda i: (i.level, i.nn))


def _verdict(world: World, item: EvidenceItem, verdict: Verdict, stage: CycleStage = CycleStage.DOKUMEN) -> None:
    from assess.extensions import db

    db.session.add(
        ButirVerdict(
            assessment_id=world.assessment.id,
            item_id=item.id,
            stage=stage,
            verdict=verdict,
            note=ASESOR_NOTE if verdict == Verdict.REVISI else "",
            source=VerdictSource.IMPOR,
        )
    )


def _deadline(world: World, ends_on: date) -> None:
    from assess.extensions import db

    db.session.add(
        AssessmentStage(
            assessment_id=world.assessment.id,
            stage=CycleStage.KOREKSI,
            starts_on=ends_on - timedelta(days=5),
            ends_on=ends_on,
        )
    )


@pytest.fixture
def koreksi(db: Any, app: Any) -> Koreksi:
    world = build_world("pemdi-2026", units=((None, "Kominfo"), (None, "Bappeda")))
    bappeda = world.units["Bappeda"]
    cici = create_member(world.instansi, RoleName.PENGISI, units=(bappeda,), email="cici@kota.go.id")
    kominfo_item = _items(world, "I1")[0]
    bappeda_item = _items(world, "I2")[0]
    db.session.add(AnswerItem(answer_id=world.answer("I2").id, item_id=bappeda_item.id, assignee_unit_id=bappeda.id))
    db.session.flush()
    _verdict(world, kominfo_item, Verdict.REVISI)
    _verdict(world, bappeda_item, Verdict.REVISI)
    _verdict(world, _items(world, "I1")[1], Verdict.DITERIMA)
    # the self-assessment was final before the asesor judged it
    world.assessment.state = AssessmentState.FINAL
    with app.test_request_context():
        _deadline(world, reminders.local_today() + timedelta(days=3))
    db.session.commit()
    return Koreksi(world, cici, kominfo_item, bappeda_item)


def _codes(rows: list[notifications.CorrectionRow]) -> list[str]:
    return [row.item.code for row in rows]


def test_a_revisi_is_a_task_of_the_butirs_unit_only(koreksi: Koreksi, db: Any) -> None:
    pengisi, cici = koreksi.world.pengisi, koreksi.cici
    mine = notifications.my_work(pengisi)
    assert _codes(mine.unit_corrections) == [koreksi.kominfo_item.code]
    assert mine.corrections == []
    assert mine.counts.corrections == 1
    theirs = notifications.my_work(cici)
    assert _codes(theirs.unit_corrections) == [koreksi.bappeda_item.code]
    assert theirs.counts.corrections == 1
    assert theirs.counts.work == 1
    # the reviewer and the pembaca hold none
    assert notifications.work_counts(koreksi.world.reviewer).corrections == 0


def test_a_correction_by_name_is_the_persons_own(koreksi: Koreksi, db: Any) -> None:
    db.session.add(
        AnswerItem(
            answer_id=koreksi.world.answer("I1").id, item_id=koreksi.kominfo_item.id, assignee_user_id=koreksi.cici.id
        )
    )
    db.session.commit()
    theirs = notifications.my_work(koreksi.cici)
    assert _codes(theirs.corrections) == [koreksi.kominfo_item.code]
    assert _codes(theirs.unit_corrections) == [koreksi.bappeda_item.code]
    assert notifications.my_work(koreksi.world.pengisi).counts.corrections == 0


def test_a_later_verdict_closes_it_and_a_later_revisi_opens_one(koreksi: Koreksi, db: Any) -> None:
    world = koreksi.world
    _verdict(world, koreksi.kominfo_item, Verdict.DITERIMA, CycleStage.WAWANCARA)
    accepted_first = _items(world, "I1")[1]
    _verdict(world, accepted_first, Verdict.REVISI, CycleStage.WAWANCARA)
    db.session.commit()
    assert _codes(notifications.my_work(world.pengisi).unit_corrections) == [accepted_first.code]


def test_tugas_saya_lists_it_with_the_deadline_and_the_asesors_note(koreksi: Koreksi, client: FlaskClient) -> None:
    world = koreksi.world
    login(client, world.pengisi.email)
    page = client.get("/saya/").get_data(as_text=True)
    assert 'data-testid="count-corrections">1<' in page
    assert 'data-testid="nav-work-count">1<' in page
    assert ASESOR_NOTE in page
    assert koreksi.kominfo_item.code in page
    assert koreksi.bappeda_item.code not in page
    assert f"/penilaian/{world.assessment.id}/indikator/I1#butir-{koreksi.kominfo_item.id}" in page
    with client.application.test_request_context():
        ends = reminders.local_today() + timedelta(days=3)
    assert f"koreksi sampai {ends.day} " in page


def test_a_passed_deadline_reads_late(koreksi: Koreksi, client: FlaskClient, db: Any) -> None:
    stage = db.session.scalar(select(AssessmentStage).where(AssessmentStage.stage == CycleStage.KOREKSI))
    stage.ends_on = stage.ends_on - timedelta(days=5)
    db.session.commit()
    login(client, koreksi.world.pengisi.email)
    assert "terlambat 2 hari" in client.get("/saya/").get_data(as_text=True)


def _verdict_of(db: Any, item: EvidenceItem) -> ButirVerdict:
    db.session.expire_all()
    return db.session.scalars(
        select(ButirVerdict).where(ButirVerdict.item_id == item.id, ButirVerdict.stage == CycleStage.DOKUMEN)
    ).one()


def test_marking_it_corrected_keeps_what_changed_audits_it_and_ends_the_task(
    koreksi: Koreksi, client: FlaskClient, db: Any
) -> None:
    world = koreksi.world
    verdict = _verdict_of(db, koreksi.kominfo_item)
    login(client, world.pengisi.email)
    page = client.get(f"/penilaian/{world.assessment.id}/koreksi").get_data(as_text=True)
    assert ASESOR_NOTE in page
    assert koreksi.bappeda_item.code not in page
    response = client.post(
        f"/penilaian/{world.assessment.id}/koreksi/{verdict.id}/selesai",
        data={f"koreksi-{verdict.id}-note": "  SK tim audit nomor 12/2026 diunggah.  "},
    )
    assert response.status_code == 302
    verdict = _verdict_of(db, koreksi.kominfo_item)
    assert verdict.corrected_at is not None
    assert (verdict.corrected_by_id, verdict.correction_note) == (
        world.pengisi.id,
        "SK tim audit nomor 12/2026 diunggah.",
    )
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "correction.done")).one()
    assert (entry.actor_id, entry.object_id, entry.indicator_code) == (world.pengisi.id, verdict.id, "I1")
    assert {"field": "correction_note", "old": "", "new": "SK tim audit nomor 12/2026 diunggah."} in entry.changes
    done = client.get(response.location).get_data(as_text=True)
    assert f"Butir {koreksi.kominfo_item.code} ditandai sudah dikoreksi." in done
    assert 'data-testid="correction-done"' in done
    assert "SK tim audit nomor 12/2026 diunggah." in done
    work = client.get("/saya/").get_data(as_text=True)
    assert 'data-testid="count-corrections">0<' in work
    assert koreksi.kominfo_item.code not in work


def test_an_empty_or_too_long_note_is_refused_and_the_text_kept(koreksi: Koreksi, client: FlaskClient, db: Any) -> None:
    world = koreksi.world
    verdict = _verdict_of(db, koreksi.kominfo_item)
    login(client, world.pengisi.email)
    url = f"/penilaian/{world.assessment.id}/koreksi/{verdict.id}/selesai"
    empty = client.post(url, data={f"koreksi-{verdict.id}-note": "   "})
    assert empty.status_code == 400
    assert "Tuliskan apa yang sudah diubah pada butir ini." in empty.get_data(as_text=True)
    long_note = "Dokumen pengganti " + "x" * 2000
    too_long = client.post(url, data={f"koreksi-{verdict.id}-note": long_note})
    assert too_long.status_code == 400
    body = too_long.get_data(as_text=True)
    assert "paling panjang 2000 karakter" in body
    assert long_note in body
    verdict = _verdict_of(db, koreksi.kominfo_item)
    assert verdict.corrected_at is None
    assert verdict.correction_note == ""
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "correction.done")).all()


def test_a_pengisi_of_another_unit_may_not_mark_it(koreksi: Koreksi, client: FlaskClient, db: Any) -> None:
    world = koreksi.world
    verdict = _verdict_of(db, koreksi.kominfo_item)
    login(client, koreksi.cici.email)
    page = client.get(f"/penilaian/{world.assessment.id}/koreksi").get_data(as_text=True)
    assert koreksi.kominfo_item.code not in page
    assert koreksi.bappeda_item.code in page
    response = client.post(
        f"/penilaian/{world.assessment.id}/koreksi/{verdict.id}/selesai",
        data={f"koreksi-{verdict.id}-note": "Sudah."},
    )
    assert response.status_code == 403
    assert _verdict_of(db, koreksi.kominfo_item).corrected_at is None


def test_the_koordinator_sees_all_and_reopens_one(koreksi: Koreksi, client: FlaskClient, db: Any) -> None:
    world = koreksi.world
    verdict = _verdict_of(db, koreksi.bappeda_item)
    login(client, world.koordinator.email)
    page = client.get(f"/penilaian/{world.assessment.id}/koreksi").get_data(as_text=True)
    assert page.count('data-testid="correction"') == 2
    base = f"/penilaian/{world.assessment.id}/koreksi/{verdict.id}"
    assert client.post(f"{base}/selesai", data={f"koreksi-{verdict.id}-note": "Diganti."}).status_code == 302
    page = client.get(f"/penilaian/{world.assessment.id}/koreksi").get_data(as_text=True)
    assert f'data-confirm="Buka kembali koreksi butir {koreksi.bappeda_item.code}?' in page
    assert client.post(f"{base}/buka").status_code == 302
    verdict = _verdict_of(db, koreksi.bappeda_item)
    assert (verdict.corrected_at, verdict.corrected_by_id, verdict.correction_note) == (None, None, "")
    trail = select(AuditEntry.action).where(AuditEntry.object_type == "correction").order_by(AuditEntry.id)
    assert db.session.scalars(trail).all() == ["correction.done", "correction.reopen"]
    assert _codes(notifications.my_work(koreksi.cici).unit_corrections) == [koreksi.bappeda_item.code]
    # a pengisi does not reopen
    assert client.post(f"{base}/selesai", data={f"koreksi-{verdict.id}-note": "Diganti."}).status_code == 302
    logout(client)
    login(client, koreksi.cici.email)
    assert client.post(f"{base}/buka").status_code == 403


def test_the_overview_names_how_many_and_until_when(koreksi: Koreksi, client: FlaskClient) -> None:
    world = koreksi.world
    login(client, world.pembaca.email)
    page = client.get(f"/penilaian/{world.assessment.id}").get_data(as_text=True)
    assert 'data-testid="overview-corrections"' in page
    assert "2 butir perlu koreksi sampai" in page
    assert f'href="/penilaian/{world.assessment.id}/koreksi"' in page


def _notes(db: Any, user: User) -> list[str]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [texts.render(n.message_text, fallback=n.message) for n in rows]


def test_reminders_before_and_after_the_correction_deadline_once_a_day(koreksi: Koreksi, db: Any) -> None:
    world = koreksi.world
    ends = db.session.scalar(select(AssessmentStage.ends_on).where(AssessmentStage.stage == CycleStage.KOREKSI))
    before = ends - timedelta(days=2)
    sent = reminders.send_due(today=before, days=(7, 2))
    db.session.commit()
    assert sent.corrections == 2
    [note] = _notes(db, world.pengisi)
    assert note == (
        f"Masa koreksi penilaian {world.assessment.display_name} berakhir 2 hari lagi "
        f"({_day(ends)}). 1 butir yang diminta asesor untuk direvisi belum Anda tandai sudah dikoreksi: "
        f"{koreksi.kominfo_item.code}."
    )
    assert koreksi.bappeda_item.code in _notes(db, koreksi.cici)[0]
    assert reminders.send_due(today=before, days=(7, 2)).corrections == 0  # the same day: nothing again
    assert reminders.send_due(today=before + timedelta(days=1), days=(7, 2)).corrections == 0  # not a reminder day
    late = ends + timedelta(days=1)
    assert reminders.send_due(today=late, days=(7, 2)).corrections == 2
    assert reminders.send_due(today=late, days=(7, 2)).corrections == 0
    db.session.commit()
    assert _notes(db, world.pengisi)[-1].startswith(
        f"Masa koreksi penilaian {world.assessment.display_name} sudah berakhir ({_day(ends)})."
    )
    kinds = db.session.scalars(
        select(ReminderSent.kind).where(ReminderSent.user_id == world.pengisi.id).order_by(ReminderSent.id)
    ).all()
    assert kinds == ["koreksi_before_2", "koreksi_late"]
    # marked corrected: no reminder the next day
    verdict = _verdict_of(db, koreksi.kominfo_item)
    verdict.corrected_at = verdict.recorded_at
    db.session.commit()
    assert reminders.send_due(today=late + timedelta(days=1), days=(7, 2)).corrections == 1


def _day(value: date) -> str:
    return str(format_date(value, "medium"))


def test_tugas_saya_costs_the_same_queries_with_many_corrections(
    koreksi: Koreksi, client: FlaskClient, db: Any
) -> None:
    world = koreksi.world
    login(client, world.pengisi.email)
    client.get("/saya/")
    with count_queries(db) as few:
        client.get("/saya/")
    for code in ("I3", "I4", "I5", "I6", "I7"):
        for item in _items(world, code):
            _verdict(world, item, Verdict.REVISI)
    db.session.commit()
    with count_queries(db) as many:
        page = client.get("/saya/").get_data(as_text=True)
    assert page.count('data-testid="work-row"') > 20
    assert len(few) == len(many) <= 8
