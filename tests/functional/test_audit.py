"""The audit trail: an entry for every change made through the app, atomic with its change, and the
read-only pages (the list with filters, the CSV export, the history of an indicator and of a document)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.audit import ACTION_LABELS, action_label, record
from assess.models import (
    Answer,
    AnswerState,
    Assessment,
    AuditEntry,
    DocType,
    Evidence,
    EvidenceKind,
    Membership,
    RoleName,
    User,
)
from assess.queries import audit as trail
from reports.csvsafe import neutralise
from tests.factories import create_assessment, create_instansi, create_member, instrument
from tests.functional.helpers import count_queries, login, logout, pdf_bytes, upload
from tests.worlds import BAPPEDA, DISKOMINFO, World, build_world

JAKARTA = ZoneInfo("Asia/Jakarta")


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def world(db: Any) -> World:
    """Every role, answers assigned to Diskominfo, a second unit (Bappeda) to reassign them to."""
    built = build_world(units=(DISKOMINFO, BAPPEDA), outsider=())
    db.session.commit()
    return built


@pytest.fixture
def pemdi(db: Any) -> World:
    """A Pemdi assessment assigned to Kominfo, a second unit (BKPSDM) for its items, a pengisi and a koordinator."""
    built = build_world(
        "pemdi-2026",
        units=((None, "Kominfo"), ("Badan Kepegawaian", "BKPSDM")),
        members=("pengisi", "koordinator"),
        outsider=(),
    )
    db.session.commit()
    return built


def _answer(assessment: Assessment, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


def _save(client: FlaskClient, assessment_id: int, code: str, version: int, **fields: Any) -> Any:
    data = {"version": str(version), "level": "0", "fakta": "", "analisis": "", **fields}
    return client.post(f"/penilaian/{assessment_id}/indikator/{code}", data=data)


def _entries(db: Any, assessment_id: int, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.assessment_id == assessment_id).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def _only(db: Any, assessment_id: int, action: str) -> AuditEntry:
    found = _entries(db, assessment_id, action)
    assert len(found) == 1, [(e.action, e.changes) for e in found]
    return found[0]


def _changes(entry: AuditEntry) -> dict[str, tuple[Any, Any]]:
    return {c["field"]: (c["old"], c["new"]) for c in entry.changes}


def _count(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-entry="(\d+)"', page)]


def _entry(
    assessment: Assessment,
    actor: User | None = None,
    *,
    action: str = "answer.save",
    object_type: str = "answer",
    code: str | None = None,
    evidence_id: int | None = None,
    summary: str = "",
    changes: Iterable[tuple[str, Any, Any]] = (),
    at: datetime | None = None,
) -> AuditEntry:
    entry = record(
        assessment=assessment,
        actor=actor,
        object_type=object_type,
        object_id=None,
        action=action,
        changes=changes,
        summary=summary,
        indicator_code=code,
        evidence_id=evidence_id,
    )
    if at is not None:
        entry.at = at
    return entry


def _link_document(assessment: Assessment, title: str = "Aplikasi SIPD") -> Evidence:
    evidence = Evidence(
        assessment_id=assessment.id,
        kind=EvidenceKind.LINK,
        title=title,
        doc_type=DocType.LAINNYA,
        url="https://sipd.contoh.go.id",
    )
    from assess.extensions import db

    db.session.add(evidence)
    db.session.flush()
    return evidence


def _csv(response: Any) -> list[list[str]]:
    """The rows of an audit CSV, which must be the file Python's csv writer writes of them (after the byte-order
    mark): the export joins fields it quoted itself."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    written = io.StringIO(newline="")
    csv.writer(written).writerows(rows)
    assert text[1:] == written.getvalue()
    return rows


# --------------------------------------------------------------------------- an entry for every change


def test_answer_save_records_each_changed_field(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I1")
    login(client, world.pengisi.email)
    assert (
        _save(client, assessment.id, "I1", answer.version, level="3", fakta="Perwali 12/2024", analisis="L3")
    ).status_code == 302
    entry = _only(db, assessment.id, "answer.save")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.indicator_code) == (
        world.pengisi.id,
        "answer",
        answer.id,
        "I1",
    )
    assert _changes(entry) == {
        "claimed_value": (None, "3"),
        "fakta": ("", "Perwali 12/2024"),
        "analisis": ("", "L3"),
        "state": ("belum_diisi", "draf"),
    }
    db.session.refresh(answer)
    _save(client, assessment.id, "I1", answer.version, level="4", fakta="Perwali 12/2024 pasal 3", analisis="L3")
    second = _entries(db, assessment.id, "answer.save")[-1]
    assert _changes(second) == {"claimed_value": ("3", "4"), "fakta": ("Perwali 12/2024", "Perwali 12/2024 pasal 3")}
    db.session.refresh(answer)
    _save(client, assessment.id, "I1", answer.version, level="4", fakta="Perwali 12/2024 pasal 3", analisis="L3")
    assert len(_entries(db, assessment.id, "answer.save")) == 2  # nothing changed, nothing recorded


def test_pemdi_item_marks_and_external_value_are_recorded(client: FlaskClient, pemdi: World, db: Any) -> None:
    assessment = pemdi.assessment
    answer = _answer(assessment, "I13")
    ids = {item.code: item.id for item in answer.indicator.items if item.code in ("I13-L1-01", "I13-L1-02")}
    login(client, pemdi.pengisi.email)
    data = {"version": str(answer.version), "fakta": "SK", "analisis": "Butir L1"}
    for item_id in ids.values():
        data[f"item-{item_id}-present"] = "1"
        data[f"item-{item_id}-note"] = ""
    data[f"item-{ids['I13-L1-01']}-fulfilled"] = "1"
    data[f"item-{ids['I13-L1-01']}-note"] = "SK pengembangan aplikasi, hal. 2"
    assert client.post(f"/penilaian/{assessment.id}/indikator/I13", data=data).status_code == 302
    entry = _only(db, assessment.id, "answer.save")
    assert entry.indicator_code == "I13"
    assert _changes(entry) == {
        "claimed_value": (None, "1.1667"),
        "fakta": ("", "SK"),
        "analisis": ("", "Butir L1"),
        "state": ("belum_diisi", "draf"),
        "I13-L1-01.fulfilled": (False, True),
        "I13-L1-01.note": ("", "SK pengembangan aplikasi, hal. 2"),
    }
    # un-ticking records True → False
    db.session.refresh(answer)
    data["version"] = str(answer.version)
    del data[f"item-{ids['I13-L1-01']}-fulfilled"]
    client.post(f"/penilaian/{assessment.id}/indikator/I13", data=data)
    unticked = _entries(db, assessment.id, "answer.save")[-1]
    assert _changes(unticked)["I13-L1-01.fulfilled"] == (True, False)

    external = _answer(assessment, "I5")
    client.post(
        f"/penilaian/{assessment.id}/indikator/I5",
        data={"version": str(external.version), "source_value": "68,75", "fakta": "", "analisis": ""},
    )
    converted = [e for e in _entries(db, assessment.id, "answer.save") if e.indicator_code == "I5"]
    assert len(converted) == 1
    assert _changes(converted[0])["source_value"] == (None, "68.75")
    assert _changes(converted[0])["claimed_value"] == (None, "3.75")


def test_submit_withdraw_link_unlink_and_delete_are_recorded(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I1")
    aid = assessment.id
    login(client, world.pengisi.email)
    _save(client, aid, "I1", answer.version, level="3", fakta="Perwali", analisis="Kriteria L3")
    _status, result = upload(client, aid, "Perwali 12 Tahun 2024.pdf", pdf_bytes())
    eid = result["id"]
    assert client.post(f"/penilaian/{aid}/indikator/I1/tautan", data={"evidence_id": eid, "level": "3"}).status_code
    linked = _only(db, aid, "answer.link")
    assert (linked.object_type, linked.indicator_code, linked.evidence_id) == ("answer", "I1", eid)
    assert _changes(linked) == {"link": (None, "Perwali 12 Tahun 2024")}
    assert "I1 L3" in linked.summary

    db.session.refresh(answer)
    client.post(f"/penilaian/{aid}/indikator/I1/ajukan", data={"version": answer.version})
    submitted = _only(db, aid, "answer.submit")
    assert (submitted.actor_id, submitted.indicator_code) == (world.pengisi.id, "I1")
    assert _changes(submitted) == {"state": ("draf", "siap_direviu")}

    db.session.refresh(answer)
    client.post(f"/penilaian/{aid}/indikator/I1/tarik", data={"version": answer.version})
    withdrawn = _only(db, aid, "answer.withdraw")
    assert _changes(withdrawn) == {"state": ("siap_direviu", "draf")}

    link_id = db.session.get(Evidence, eid).links[0].id
    client.post(f"/penilaian/{aid}/indikator/I1/tautan/{link_id}/lepas")
    unlinked = _only(db, aid, "answer.unlink")
    assert (unlinked.indicator_code, unlinked.evidence_id, unlinked.actor_id) == ("I1", eid, world.pengisi.id)
    assert _changes(unlinked) == {"link": ("Perwali 12 Tahun 2024", None)}

    assert client.post(f"/penilaian/{aid}/pustaka/{eid}/hapus").status_code == 302
    deleted = _only(db, aid, "evidence.delete")
    assert (deleted.object_type, deleted.object_id, deleted.evidence_id) == ("evidence", eid, eid)
    old, new = _changes(deleted)["deleted_at"]
    assert old is None
    assert datetime.fromisoformat(new).replace(tzinfo=None) == db.session.get(Evidence, eid).deleted_at.replace(
        tzinfo=None
    )
    assert deleted.summary == "Perwali 12 Tahun 2024"


def test_bulk_and_single_assignment_are_recorded(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    aid = assessment.id
    login(client, world.koordinator.email)
    ids: dict[str | None, int] = {
        a.indicator.code: a.id for a in assessment.answers if a.indicator.code in ("I3", "I4", "I5")
    }
    bappeda = world.units["Bappeda"]
    client.post(f"/penilaian/{aid}/tugaskan", data={"unit_id": bappeda.id, "answer_ids": list(ids.values())})
    bulk = _entries(db, aid, "answer.assign")
    assert {e.indicator_code for e in bulk} == {"I3", "I4", "I5"}
    for entry in bulk:
        assert (entry.object_type, entry.object_id, entry.actor_id) == (
            "assignment",
            ids[entry.indicator_code],
            world.koordinator.id,
        )
        assert _changes(entry) == {"assignee_unit_id": (world.unit.id, bappeda.id)}

    i20 = _answer(assessment, "I20")
    client.post(
        f"/penilaian/{aid}/tugaskan",
        data={"unit_id": world.unit.id, "user_id": world.pengisi.id, "answer_ids": [i20.id]},
    )
    single = [e for e in _entries(db, aid, "answer.assign") if e.indicator_code == "I20"]
    assert len(single) == 1
    assert _changes(single[0]) == {"assignee_user_id": (None, world.pengisi.id)}
    # the same assignment again changes nothing and records nothing
    client.post(
        f"/penilaian/{aid}/tugaskan",
        data={"unit_id": world.unit.id, "user_id": world.pengisi.id, "answer_ids": [i20.id]},
    )
    assert len(_entries(db, aid, "answer.assign")) == 4
    # the page shows names, not ids
    page = client.get(f"/penilaian/{aid}/audit?jenis=assignment").get_data(as_text=True)
    assert "Diskominfo → Bappeda" in page
    assert f"(kosong) → {world.pengisi.name}" in page


def test_pemdi_item_assignment_is_recorded(client: FlaskClient, pemdi: World, db: Any) -> None:
    assessment = pemdi.assessment
    answer = _answer(assessment, "I3")
    ids = {item.code: item.id for item in answer.indicator.items if item.code in ("I3-L1-01", "I3-L1-02")}
    login(client, pemdi.koordinator.email)
    response = client.post(
        f"/penilaian/{assessment.id}/indikator/I3/butir/tugaskan",
        data={"item_ids": list(ids.values()), "unit_id": pemdi.units["BKPSDM"].id},
    )
    assert response.status_code == 302
    entries = _entries(db, assessment.id, "item.assign")
    assert len(entries) == 2
    for entry, code in zip(entries, sorted(ids), strict=True):
        assert (entry.object_type, entry.object_id, entry.indicator_code) == ("assignment", answer.id, "I3")
        assert _changes(entry)[f"{code}.assignee_unit_id"] == (None, pemdi.units["BKPSDM"].id)
    page = client.get(f"/penilaian/{assessment.id}/audit").get_data(as_text=True)
    assert "Unit penanggung jawab butir I3-L1-01" in page
    assert "BKPSDM" in page


def test_deadline_is_recorded(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.koordinator.email)
    client.post(f"/penilaian/{aid}/batas-waktu", data={"deadline": "2026-11-30"})
    client.post(f"/penilaian/{aid}/batas-waktu", data={"deadline": "2026-12-15"})
    client.post(f"/penilaian/{aid}/batas-waktu", data={"deadline": "2026-12-15"})
    entries = _entries(db, aid, "assessment.deadline")
    assert [_changes(e) for e in entries] == [
        {"deadline": (None, "2026-11-30")},
        {"deadline": ("2026-11-30", "2026-12-15")},
    ]
    assert {(e.object_type, e.object_id, e.actor_id) for e in entries} == {("assessment", aid, world.koordinator.id)}


def test_opening_an_assessment_is_recorded(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.koordinator.email)
    pemdi = instrument("pemdi-2026")
    response = client.post("/penilaian/baru", data={"instrument_id": pemdi.id, "year": "2026"})
    assert response.status_code == 302
    opened = db.session.scalar(select(Assessment).where(Assessment.instrument_id == pemdi.id))
    entry = _only(db, opened.id, "assessment.open")
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("assessment", opened.id, world.koordinator.id)
    assert _changes(entry) == {"state": (None, "pengisian"), "year": (None, 2026)}
    assert "pemdi-2026" in entry.summary


def test_deadline_given_when_opening_is_recorded(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.koordinator.email)
    pemdi = instrument("pemdi-2026")
    client.post("/penilaian/baru", data={"instrument_id": pemdi.id, "year": "2026", "deadline": "2026-12-20"})
    opened = db.session.scalar(select(Assessment).where(Assessment.instrument_id == pemdi.id))
    assert opened.deadline is not None
    recorded = [_changes(e).get("deadline") for e in _entries(db, opened.id)]
    assert (None, "2026-12-20") in recorded


def test_upload_is_recorded(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    _status, result = upload(client, aid, "Perwali 12 Tahun 2024.pdf", pdf_bytes())
    entry = _only(db, aid, "evidence.upload")
    assert (entry.object_type, entry.object_id, entry.evidence_id, entry.actor_id) == (
        "evidence",
        result["id"],
        result["id"],
        world.pengisi.id,
    )
    assert _changes(entry) == {"title": (None, "Perwali 12 Tahun 2024"), "version": (None, 1)}
    assert "Perwali 12 Tahun 2024.pdf" in entry.summary
    assert "SHA-256" in entry.summary


def test_owner_unit_chosen_at_upload_is_recorded(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    response = client.post(
        f"/penilaian/{aid}/pustaka/unggah",
        data={"files": (io.BytesIO(pdf_bytes()), "Renja.pdf"), "owner_unit_id": str(world.unit.id)},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    eid = response.get_json()["results"][0]["id"]
    assert db.session.get(Evidence, eid).owner_unit_id == world.unit.id
    recorded = [_changes(e).get("owner_unit_id") for e in _entries(db, aid) if e.evidence_id == eid]
    assert (None, world.unit.id) in recorded


def test_metadata_edit_records_old_and_new_per_field(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    _status, result = upload(client, aid, "dokumen.pdf", pdf_bytes())
    eid = result["id"]
    form = {
        "version": str(db.session.get(Evidence, eid).version),
        "title": "Peta Rencana SPBE 2025–2029",
        "doc_type": "perencanaan",
        "number": "Perwali No. 7 Tahun 2025",
        "doc_date": "2025-02-10",
        "owner_unit_id": str(world.unit.id),
        "notes": "bab III",
    }
    assert client.post(f"/penilaian/{aid}/pustaka/{eid}", data=form).status_code == 302
    entry = _only(db, aid, "evidence.update")
    assert (entry.object_type, entry.evidence_id, entry.actor_id) == ("evidence", eid, world.pengisi.id)
    assert _changes(entry) == {
        "title": ("dokumen", "Peta Rencana SPBE 2025–2029"),
        "doc_type": ("lainnya", "perencanaan"),
        "number": (None, "Perwali No. 7 Tahun 2025"),
        "doc_date": (None, "2025-02-10"),
        "owner_unit_id": (None, world.unit.id),
        "notes": ("", "bab III"),
    }
    page = client.get(f"/penilaian/{aid}/pustaka/{eid}/riwayat").get_data(as_text=True)
    assert "Lainnya → Dokumen perencanaan" in page
    assert "(kosong) → Diskominfo" in page


def test_new_file_version_is_recorded(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    _status, result = upload(client, aid, "Renstra.pdf", pdf_bytes(text="versi satu"))
    eid = result["id"]
    client.post(
        f"/penilaian/{aid}/pustaka/{eid}/ganti",
        data={"file": (io.BytesIO(pdf_bytes(text="versi dua")), "Renstra rev.pdf")},
        content_type="multipart/form-data",
    )
    entry = _only(db, aid, "evidence.version")
    assert (entry.evidence_id, entry.actor_id) == (eid, world.pengisi.id)
    assert _changes(entry) == {"version": (1, 2)}
    assert "Renstra rev.pdf" in entry.summary


def test_service_link_is_recorded_without_the_test_account(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    response = client.post(
        f"/penilaian/{aid}/pustaka/tautan-baru",
        data={
            "version": "1",
            "title": "Aplikasi e-Kinerja",
            "doc_type": "lainnya",
            "url": "https://ekinerja.contoh.go.id",
            "access_note": "user: asesor / sandi: Uji#2026",
            "owner_unit_id": "0",
        },
    )
    assert response.status_code == 302
    entry = _only(db, aid, "evidence.link_add")
    assert _changes(entry) == {"title": (None, "Aplikasi e-Kinerja"), "url": (None, "https://ekinerja.contoh.go.id")}
    evidence = db.session.get(Evidence, entry.evidence_id)
    client.post(
        f"/penilaian/{aid}/pustaka/{evidence.id}",
        data={
            "version": str(evidence.version),
            "title": "Aplikasi e-Kinerja",
            "doc_type": "lainnya",
            "url": "https://ekinerja.contoh.go.id",
            "access_note": "user: asesor / sandi: Baru#2027",
            "change_access_note": "y",
            "owner_unit_id": "0",
        },
    )
    assert _changes(_only(db, aid, "evidence.update")) == {"access_note": ("•••", "••• (diubah)")}
    trail = json.dumps([(e.changes, e.summary) for e in _entries(db, aid)])
    assert "Uji#2026" not in trail
    assert "Baru#2027" not in trail


# --------------------------------------------------------------------------- atomic with the change


def test_entries_roll_back_with_their_change(world: World, db: Any) -> None:
    from assess.services import answers

    assessment = world.assessment
    answer = _answer(assessment, "I1")
    before = _count(db)
    answers.save_level_answer(
        answer=answer, expected_version=answer.version, level=2, fakta="x", analisis="y", actor=world.pengisi
    )
    answers.set_deadline(assessment=assessment, deadline=datetime(2026, 12, 1).date(), actor=world.koordinator)
    answers.assign(
        assessment=assessment, answers=[answer], unit=world.units["Bappeda"], user=None, actor=world.koordinator
    )
    assert _count(db) == before + 3  # flushed with their change
    db.session.rollback()
    assert _count(db) == before
    db.session.refresh(answer)
    assert (answer.claimed_value, answer.fakta, answer.state) == (None, "", AnswerState.BELUM_DIISI)
    assert answer.assignee_unit_id == world.unit.id
    assert db.session.get(Assessment, assessment.id).deadline is None


def test_failing_requests_leave_no_entry(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    aid = assessment.id
    answer = _answer(assessment, "I1")
    stale = answer.version
    login(client, world.koordinator.email)
    assert _save(client, aid, "I1", stale, level="2", fakta="versi koordinator", analisis="a").status_code == 302
    before = _count(db)
    conflict = _save(client, aid, "I1", stale, level="3", fakta="versi lama", analisis="b")
    assert conflict.status_code == 409
    assert _save(client, aid, "I1", answer.version + 1, level="9").status_code == 400  # level out of range
    status, _result = upload(client, aid, "virus.exe", b"MZ\x90\x00" * 100)
    assert status == 400
    db.session.refresh(answer)
    blocked = client.post(f"/penilaian/{aid}/indikator/I1/ajukan", data={"version": answer.version})
    assert blocked.status_code == 302  # refused: no evidence linked
    assert db.session.get(Answer, answer.id).state == AnswerState.DRAF
    assert _count(db) == before


def test_stale_metadata_edit_leaves_no_entry(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    _status, result = upload(client, aid, "dokumen.pdf", pdf_bytes())
    before = _count(db)
    response = client.post(
        f"/penilaian/{aid}/pustaka/{result['id']}",
        data={"version": "99", "title": "Judul baru", "doc_type": "lainnya", "owner_unit_id": "0"},
    )
    assert response.status_code == 400
    assert _count(db) == before


# --------------------------------------------------------------------------- the pages


def test_every_role_reads_the_trail_and_strangers_get_404(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    evidence = _link_document(assessment)
    db.session.commit()
    urls = [
        f"/penilaian/{assessment.id}/audit",
        f"/penilaian/{assessment.id}/audit.csv",
        f"/penilaian/{assessment.id}/indikator/I1/riwayat",
        f"/penilaian/{assessment.id}/pustaka/{evidence.id}/riwayat",
    ]
    for url in urls:
        assert client.get(url).status_code == 302, url  # to the login page
    for role in ("pengisi", "koordinator", "reviewer", "pembaca", "admin"):
        login(client, world.member(role).email)
        for url in urls:
            assert client.get(url).status_code == 200, (role, url)
        logout(client)
    stranger = create_member(create_instansi(), RoleName.KOORDINATOR)
    db.session.commit()
    login(client, stranger.email)
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_no_route_edits_or_deletes_entries(app: Flask, client: FlaskClient, world: World) -> None:
    rules = [r for r in app.url_map.iter_rules() if "/audit" in r.rule or "/riwayat" in r.rule]
    assert len(rules) >= 4
    for rule in rules:
        assert rule.methods is not None
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, (rule.rule, rule.methods)
    login(client, world.koordinator.email)
    aid = world.assessment.id
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(f"/penilaian/{aid}/audit").status_code == 405


def test_rows_are_readable(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    aid = assessment.id
    login(client, world.pengisi.email)
    long_text = "Perwali Nomor 12 Tahun 2024 tentang Arsitektur SPBE " * 8 + "<script>alert(1)</script>"
    _save(client, aid, "I1", _answer(assessment, "I1").version, level="2", fakta=long_text, analisis="cukup")
    at = datetime(2024, 3, 1, 18, 5, tzinfo=UTC)  # 2 March, 01:05 in Jakarta
    custom = _entry(assessment, None, action="lain.aksi", changes=[("flag", False, True), ("isi", None, "ada")], at=at)
    db.session.commit()
    page = client.get(f"/penilaian/{aid}/audit").get_data(as_text=True)
    assert "Jawaban disimpan" in page
    assert "Penilaian dibuka" in page  # by the factory, without an actor
    assert "sistem" in page
    assert world.pengisi.name in page
    assert f'href="/penilaian/{aid}/indikator/I1"' in page
    assert "Nilai klaim</strong>: (kosong) → 2" in page
    assert "belum diisi → draf" in page
    assert "<details>" in page  # the long FAKTA is cut, the full text is one click away
    assert long_text.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "<script>alert(1)</script>" not in page
    row = page[page.index(f'data-entry="{custom.id}"') :].split("</tr>")[0]
    assert "lain.aksi" not in row  # an unknown action or field reads as a generic label, never its code
    assert "<td>Perubahan lain</td>" in row
    assert "<strong>Isian lain</strong>: tidak → ya" in row
    assert '<strong>Isian lain</strong>: (kosong) → <span lang="id">ada</span>' in row
    assert "flag" not in row
    with client.application.test_request_context():
        expected = format_datetime(at, "medium", tzinfo=JAKARTA, locale="id")
    assert expected in row
    assert "01.05" in expected or "01:05" in expected


def test_filters(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    pengisi, koordinator = world.pengisi, world.koordinator
    evidence = _link_document(assessment, "Notulen rapat tim SPBE")
    day = datetime(2024, 3, 1, tzinfo=UTC)
    a = _entry(assessment, pengisi, code="I1", at=day, summary="catatan pertama")
    b = _entry(assessment, koordinator, action="answer.assign", object_type="assignment", code="I2", at=day)
    c = _entry(
        assessment,
        pengisi,
        action="evidence.upload",
        object_type="evidence",
        evidence_id=evidence.id,
        summary="Notulen 100%_lengkap",
        at=datetime(2024, 3, 1, 16, 59, 59, tzinfo=UTC),  # 23:59:59 on 1 March in Jakarta
    )
    d = _entry(assessment, koordinator, code="I1", at=datetime(2024, 3, 1, 17, 0, tzinfo=UTC))  # 00:00 on 2 March
    e = _entry(assessment, None, action="answer.save", code="I3", at=datetime(2024, 3, 5, tzinfo=UTC))
    outsider = create_member(assessment.instansi, RoleName.PEMBACA)  # in the instansi, not in the trail
    db.session.commit()
    opening = _only(db, assessment.id, "assessment.open").id
    login(client, pengisi.email)
    base = f"/penilaian/{assessment.id}/audit"

    def shown(query: str) -> set[int]:
        response = client.get(f"{base}?{query}")
        assert response.status_code == 200
        return set(_shown(response.get_data(as_text=True)))

    assert shown("") == {a.id, b.id, c.id, d.id, e.id, opening}
    assert shown(f"orang={pengisi.id}") == {a.id, c.id}
    assert shown(f"orang={koordinator.id}") == {b.id, d.id}
    assert shown("orang=sistem") == {e.id, opening}
    assert shown("jenis=evidence") == {c.id}
    assert shown("jenis=assignment") == {b.id}
    assert shown("jenis=assessment") == {opening}
    assert shown("aksi=answer.save") == {a.id, d.id, e.id}
    assert shown("indikator=I1") == {a.id, d.id}
    assert shown("indikator=i1") == {a.id, d.id}
    assert shown("dari=2024-03-01&sampai=2024-03-01") == {a.id, b.id, c.id}
    assert shown("dari=2024-03-02&sampai=2024-03-02") == {d.id}
    assert shown("dari=2024-03-02&sampai=2024-03-31") == {d.id, e.id}
    assert shown("sampai=2024-03-01") == {a.id, b.id, c.id}
    assert shown("q=NOTULEN") == {c.id}
    assert shown("q=100%25_") == {c.id}  # % and _ are searched literally
    assert shown("q=n%25") == set()
    assert shown(f"orang={pengisi.id}&indikator=I1") == {a.id}
    assert shown("dari=bukan-tanggal&jenis=salah") == {a.id, b.id, c.id, d.id, e.id, opening}  # ignored
    page = client.get(base).get_data(as_text=True)
    options = set(re.findall(r'<option value="(\d+)"', page.split('name="orang"')[1].split("</select>")[0]))
    members = {
        str(m.user_id) for m in db.session.scalars(select(Membership).filter_by(instansi_id=assessment.instansi_id))
    }
    # The instansi's members, known without reading the trail: one who never acted is a choice too.
    assert options == members
    assert {str(pengisi.id), str(koordinator.id), str(outsider.id)} <= options
    stranger = create_member(create_instansi("Kabupaten Lain"), RoleName.KOORDINATOR)
    db.session.commit()
    assert str(stranger.id) not in options
    # a person chosen in a link who is not a member (any more) stays chosen in the list
    chosen = client.get(f"{base}?orang={stranger.id}").get_data(as_text=True)
    assert f'<option value="{stranger.id}" selected>' in chosen
    actions = re.findall(r'<option value="([a-z_.]+)"', page.split('name="aksi"')[1].split("</select>")[0])
    assert set(actions) == set(ACTION_LABELS)  # every action the application records, not those in the trail
    filtered = client.get(f"{base}?jenis=evidence").get_data(as_text=True)
    assert f'href="/penilaian/{assessment.id}/audit.csv?jenis=evidence"' in filtered


def _older(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next" data-testid="audit-older"', page)
    return unescape(found[1]) if found else None


def _newer(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="prev" data-testid="audit-newer"', page)
    return unescape(found[1]) if found else None


def test_pages_walk_the_trail_by_place_not_by_number(client: FlaskClient, world: World, db: Any) -> None:
    """Keyset pages: older and newer links carry the place (time and id) where the next page starts, so every entry is
    shown once, newest first, also among entries written in the same microsecond, and a filter is kept."""
    assessment = world.assessment
    start = datetime(2024, 1, 1, tzinfo=UTC)
    made = [
        _entry(assessment, world.pengisi, code="I1", at=start + timedelta(minutes=i // 3)) for i in range(120)
    ]  # three entries share each time
    _entry(assessment, world.pengisi, code="I2", at=start)
    db.session.commit()
    login(client, world.pembaca.email)
    base = f"/penilaian/{assessment.id}/audit?indikator=I1"
    first = client.get(base).get_data(as_text=True)
    assert "120 catatan" in first
    newest_first = [e.id for e in sorted(made, key=lambda e: (e.at, e.id), reverse=True)]
    assert _shown(first) == newest_first[:50]
    assert _newer(first) is None
    assert 'data-testid="audit-newest"' not in first
    second_url = _older(first)
    assert second_url is not None
    assert "indikator=I1" in second_url  # the filter is kept
    assert "hal=" not in second_url
    second = client.get(second_url).get_data(as_text=True)
    assert _shown(second) == newest_first[50:100]
    third_url = _older(second)
    assert third_url is not None
    third = client.get(third_url).get_data(as_text=True)
    assert _shown(third) == newest_first[100:]
    assert _older(third) is None
    assert 'data-testid="audit-newest"' in third
    # and back: newer pages show the same entries again
    back_url = _newer(third)
    assert back_url is not None
    back = client.get(back_url).get_data(as_text=True)
    assert _shown(back) == newest_first[50:100]
    front_url = _newer(back)
    assert front_url is not None
    assert _shown(client.get(front_url).get_data(as_text=True)) == newest_first[:50]
    # a place that is no place shows the newest page; an old page number is ignored
    for junk in ("sebelum=abc", "sebelum=1.2.3", "sesudah=-5.1", "sebelum=99999999999999999999.1", "hal=3"):
        response = client.get(f"{base}&{junk}")
        assert response.status_code == 200, junk
        assert _shown(response.get_data(as_text=True)) == newest_first[:50], junk


def test_count_stops_at_its_limit(client: FlaskClient, world: World, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page counts matching entries up to a limit and says "more than" beyond it, not the whole trail."""
    assessment = world.assessment
    for _ in range(12):
        _entry(assessment, world.pengisi, code="I1")
    db.session.commit()
    monkeypatch.setattr(trail, "COUNT_LIMIT", 10)
    login(client, world.pembaca.email)
    aid = assessment.id
    assert "Lebih dari 10 catatan" in client.get(f"/penilaian/{aid}/audit?indikator=I1").get_data(as_text=True)
    monkeypatch.setattr(trail, "COUNT_LIMIT", 12)
    assert "12 catatan" in client.get(f"/penilaian/{aid}/indikator/I1/riwayat").get_data(as_text=True)
    with count_queries(db) as statements:
        client.get(f"/penilaian/{aid}/audit").get_data()
    reads = [s for s in statements if "audit_entries" in s]
    assert len(reads) == 2, reads  # the page and the bounded count; the filter lists read no trail
    assert not any("DISTINCT" in s.upper() for s in reads)
    assert any("LIMIT" in s.upper() and "count(" in s.lower() for s in reads)


def test_csv_export(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    aid = assessment.id
    login(client, world.pengisi.email)
    _save(client, aid, "I1", _answer(assessment, "I1").version, level="2", fakta="Perwali", analisis="ok")
    _status, result = upload(client, aid, "Renstra.pdf", pdf_bytes())
    response = client.get(f"/penilaian/{aid}/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="audit-{assessment.instansi.slug}-{assessment.year}.csv"'
    )
    rows = _csv(response)
    assert rows[0] == ["waktu", "pengguna", "surel", "jenis", "aksi", "indikator", "dokumen", "ringkasan", "perubahan"]
    body = rows[1:]
    entries = list(reversed(_entries(db, aid)))  # newest first
    assert [r[4] for r in body] == [action_label(e.action) for e in entries]
    upload_row = body[0]
    assert upload_row[1:5] == [world.pengisi.name, world.pengisi.email, "Dokumen", "Dokumen diunggah"]
    assert upload_row[6] == "Renstra"
    assert upload_row[8].split("\n")[:2] == ["Judul: (kosong) → Renstra", "Versi: (kosong) → 1"]
    at = datetime.fromisoformat(upload_row[0])
    assert at.utcoffset() == timedelta(hours=7)
    save_row = next(r for r in body if r[4] == "Jawaban disimpan")
    assert save_row[5] == "I1"
    assert "FAKTA: (kosong) → Perwali" in save_row[8].split("\n")
    opening_row = body[-1]
    assert (opening_row[1], opening_row[2], opening_row[4]) == ("sistem", "", "Penilaian dibuka")
    # the same filters as the page
    only_answers = _csv(client.get(f"/penilaian/{aid}/audit.csv?jenis=answer&indikator=I1"))
    assert [r[4] for r in only_answers[1:]] == ["Jawaban disimpan"]
    assert result["ok"]


def test_csv_names_people_and_documents_outside_the_instansi_lists(client: FlaskClient, world: World, db: Any) -> None:
    """The CSV reads people and titles from what it loaded before the trail: someone who acted but is no member (an
    operator, a person since removed) is still named, a deleted document keeps its title, and a document of another
    assessment is never named through this one."""
    assessment = world.assessment
    outsider = create_member(create_instansi("Provinsi Lain"), RoleName.KOORDINATOR)
    mine = _link_document(assessment, "Notulen lama")
    mine.deleted_at = datetime(2024, 1, 1, tzinfo=UTC)
    foreign = _link_document(create_assessment(assessment.instansi, year=2025), "Dokumen tahun lalu")
    at = datetime(2024, 6, 1, tzinfo=UTC)
    yes_no = [("aktif", True, False)]
    _entry(assessment, outsider, action="reminder.manual", object_type="assessment", at=at, changes=yes_no)
    _entry(
        assessment, world.pengisi, action="evidence.delete", object_type="evidence", evidence_id=mine.id, at=at
    )
    _entry(
        assessment, world.pengisi, action="evidence.update", object_type="evidence", evidence_id=foreign.id, at=at
    )
    db.session.commit()
    login(client, world.pembaca.email)
    rows = {r[4]: r for r in _csv(client.get(f"/penilaian/{assessment.id}/audit.csv"))[1:]}
    assert rows["Pengingat dikirim"][1:3] == [outsider.name, outsider.email]
    assert rows["Pengingat dikirim"][8].endswith(": ya → tidak")  # a yes/no, not True/False
    assert rows["Dokumen dihapus"][6] == "Notulen lama"
    assert rows["Data dokumen diubah"][6] == ""


def test_csv_neutralises_formulas(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    aid = assessment.id
    login(client, world.pengisi.email)
    answer = _answer(assessment, "I1")
    _save(client, aid, "I1", answer.version, level="3", fakta='=HYPERLINK("x")', analisis="@SUM(1)")
    _status, result = upload(client, aid, "dokumen.pdf", pdf_bytes())
    eid = result["id"]
    client.post(
        f"/penilaian/{aid}/pustaka/{eid}",
        data={
            "version": str(db.session.get(Evidence, eid).version),
            "title": "@SUM(1)",
            "doc_type": "lainnya",
            "owner_unit_id": "0",
        },
    )
    client.post(f"/penilaian/{aid}/indikator/I1/tautan", data={"evidence_id": eid, "level": "3"})
    world.pengisi.name = "-Budi"
    _entry(assessment, world.pengisi, action="\tx", summary="+1", code="I2")
    _entry(assessment, None, action="answer.save", summary="\r=1+2")
    db.session.commit()
    rows = _csv(client.get(f"/penilaian/{aid}/audit.csv"))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    documents = {r[6] for r in rows[1:] if r[6]}
    assert documents == {"'@SUM(1)"}
    assert "'@SUM(1) → I1 L3" in {r[7] for r in rows[1:]}  # the link's summary
    assert "'-Budi" in {r[1] for r in rows[1:]}
    assert "Perubahan lain" in {r[4] for r in rows[1:]}  # an unknown action reads as a label, never its code
    assert "\tx" not in {r[4].lstrip("'") for r in rows[1:]}
    assert {"'+1", "'\r'=1+2"} <= {r[7] for r in rows[1:]}  # the formula after the line break too
    save = next(r for r in rows[1:] if r[4] == "Jawaban disimpan" and r[5] == "I1")
    lines = save[8].split("\n")  # each change starts with its label: never read as a formula, the text intact
    assert {'FAKTA: (kosong) → =HYPERLINK("x")', "ANALISIS: (kosong) → @SUM(1)"} <= set(lines)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Perwali 12", "Perwali 12"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_csv_is_streamed_from_one_query(
    client: FlaskClient, world: World, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole trail is read by one query through a cursor, a batch at a time, and sent in chunks as it goes."""
    assessment = world.assessment
    same_time = datetime(2024, 5, 1, tzinfo=UTC)
    for i in range(7):
        _entry(assessment, world.pengisi, at=same_time, summary=f"n{i}")
    for i in range(4):
        _entry(assessment, None, at=same_time + timedelta(seconds=i), summary=f"t{i}")
    db.session.commit()
    monkeypatch.setattr(trail, "CSV_BATCH", 3)
    login(client, world.pembaca.email)
    with count_queries(db) as statements:
        response = client.get(f"/penilaian/{assessment.id}/audit.csv", buffered=False)
        assert response.is_streamed
        chunks = list(response.iter_encoded())
        response.close()
    assert len(chunks) == 5  # the header, then one chunk per batch of three rows
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8")[1:])))
    summaries = [r[7] for r in rows[1:]]
    expected = [f"t{i}" for i in reversed(range(4))] + [f"n{i}" for i in reversed(range(7))]
    opening = _only(db, assessment.id, "assessment.open")
    assert summaries == [opening.summary, *expected]  # the opening (now), then ties on time broken by id
    reads = [s for s in statements if "FROM audit_entries" in s]
    assert len(reads) == 1, reads


def test_indicator_history(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    evidence = _link_document(assessment)
    mine = [_entry(assessment, world.pengisi, code="I1"), _entry(assessment, None, code="I1", action="answer.link")]
    _entry(assessment, world.pengisi, code="I2")
    _entry(assessment, world.pengisi, action="evidence.upload", object_type="evidence", evidence_id=evidence.id)
    db.session.commit()
    login(client, world.reviewer.email)
    response = client.get(f"/penilaian/{assessment.id}/indikator/I1/riwayat")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert sorted(_shown(page)) == sorted(e.id for e in mine)
    assert "Riwayat indikator I1" in page
    assert f'href="/penilaian/{assessment.id}/indikator/I1" data-testid="history-back"' in page
    assert client.get(f"/penilaian/{assessment.id}/indikator/I999/riwayat").status_code == 404
    # another assessment's indicator page does not leak this one's entries
    other = create_assessment(assessment.instansi, year=2025)
    db.session.commit()
    assert _shown(client.get(f"/penilaian/{other.id}/indikator/I1/riwayat").get_data(as_text=True)) == []


def test_document_history(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    aid = assessment.id
    login(client, world.pengisi.email)
    _status, first = upload(client, aid, "Renstra.pdf", pdf_bytes(text="satu"))
    _status, second = upload(client, aid, "Renja.pdf", pdf_bytes(text="dua"))
    client.post(f"/penilaian/{aid}/indikator/I1/tautan", data={"evidence_id": first["id"], "level": "2"})
    client.post(
        f"/penilaian/{aid}/pustaka/{first['id']}/ganti",
        data={"file": (io.BytesIO(pdf_bytes(text="satu b")), "Renstra rev.pdf")},
        content_type="multipart/form-data",
    )
    response = client.get(f"/penilaian/{aid}/pustaka/{first['id']}/riwayat")
    page = response.get_data(as_text=True)
    expected = [e.id for e in reversed(_entries(db, aid)) if e.evidence_id == first["id"]]
    assert len(expected) == 3  # upload, link to I1, new version
    assert _shown(page) == expected
    assert "Riwayat dokumen" in page
    assert "Renstra" in page
    assert f'href="/penilaian/{aid}/pustaka/{first["id"]}" data-testid="history-back"' in page
    assert "Dokumen ditautkan ke jawaban" in page
    second_page = client.get(f"/penilaian/{aid}/pustaka/{second['id']}/riwayat").get_data(as_text=True)
    assert _shown(second_page) == [e.id for e in _entries(db, aid) if e.evidence_id == second["id"]]
    assert client.get(f"/penilaian/{aid}/pustaka/999999/riwayat").status_code == 404
    # a document of another assessment of the same instansi is not found through this one
    other = create_assessment(assessment.instansi, year=2025)
    foreign = _link_document(other)
    db.session.commit()
    assert client.get(f"/penilaian/{aid}/pustaka/{foreign.id}/riwayat").status_code == 404
    # a deleted document keeps its history, for the koordinator (and the admin) only
    client.post(f"/penilaian/{aid}/pustaka/{second['id']}/hapus")
    assert client.get(f"/penilaian/{aid}/pustaka/{second['id']}/riwayat").status_code == 404
    logout(client)
    login(client, world.koordinator.email)
    deleted = client.get(f"/penilaian/{aid}/pustaka/{second['id']}/riwayat").get_data(as_text=True)
    assert "Dokumen dihapus" in deleted
    assert f'href="/penilaian/{aid}/pustaka/" data-testid="history-back"' in deleted


# --------------------------------------------------------------------------- queries


def _trail(assessment: Assessment, people: list[User], evidence: Evidence, units: list[Any], n: int) -> None:
    for i in range(n):
        actor = people[i % len(people)] if i % 7 else None
        _entry(assessment, actor, code="I1", changes=[("fakta", "", f"teks {i}"), ("state", "draf", "draf")])
        _entry(
            assessment,
            actor,
            action="answer.assign",
            object_type="assignment",
            code="I1",
            changes=[("assignee_unit_id", units[0].id, units[1].id), ("assignee_user_id", None, people[0].id)],
        )
        _entry(assessment, actor, action="answer.link", code="I1", evidence_id=evidence.id)


def _measure(client: FlaskClient, db: Any, urls: list[str]) -> dict[str, int]:
    counts = {}
    for url in urls:
        client.get(url)  # warm caches
        with count_queries(db) as statements:
            response = client.get(url)
            assert response.status_code == 200
            response.get_data()
        counts[url] = len(statements)
    return counts


def test_pages_issue_a_constant_number_of_queries(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    evidence = _link_document(assessment)
    units = [world.unit, world.units["Bappeda"]]
    people = [create_member(assessment.instansi, RoleName.PENGISI) for _ in range(8)]
    _trail(assessment, people[:1], evidence, units, 1)
    db.session.commit()
    aid = assessment.id
    urls = [
        f"/penilaian/{aid}/audit",
        f"/penilaian/{aid}/audit?jenis=answer&dari=2000-01-01",
        f"/penilaian/{aid}/audit.csv",
        f"/penilaian/{aid}/indikator/I1/riwayat",
        f"/penilaian/{aid}/pustaka/{evidence.id}/riwayat",
    ]
    login(client, world.pembaca.email)
    small = _measure(client, db, urls)
    _trail(assessment, people, evidence, units, 40)
    db.session.commit()
    large = _measure(client, db, urls)
    assert small == large, (small, large)
    assert all(n <= 12 for n in large.values()), large
    page = client.get(f"/penilaian/{aid}/audit").get_data(as_text=True)
    assert len(_shown(page)) == 50
    assert "Bappeda" in page
    assert people[0].name in page
    assert "Aplikasi SIPD" in page


# --------------------------------------------------------------------------- review and comments


def _submitted(client: FlaskClient, world: World, db: Any, code: str = "I1") -> Answer:
    """An answer the pengisi filled, backed with a linked document and submitted for review."""
    assessment = world.assessment
    aid = assessment.id
    answer = _answer(assessment, code)
    login(client, world.pengisi.email)
    _save(client, aid, code, answer.version, level="3", fakta="Perwali", analisis="Kriteria L3")
    _status, result = upload(client, aid, f"Bukti {code}.pdf", pdf_bytes(text=code))
    client.post(f"/penilaian/{aid}/indikator/{code}/tautan", data={"evidence_id": result["id"], "level": "3"})
    db.session.refresh(answer)
    client.post(f"/penilaian/{aid}/indikator/{code}/ajukan", data={"version": answer.version})
    logout(client)
    db.session.refresh(answer)
    assert answer.state == AnswerState.SIAP_DIREVIU
    return answer


def test_review_steps_are_recorded(client: FlaskClient, world: World, db: Any) -> None:
    from assess.services import comments

    assessment = world.assessment
    aid = assessment.id
    answer = _submitted(client, world, db)
    reviewer, koordinator = world.reviewer, world.koordinator
    login(client, reviewer.email)
    client.post(
        f"/penilaian/{aid}/indikator/I1/reviu/nilai",
        data={"reviewer_value": "2", "reviewer_note": "Belum berlaku di seluruh unit", "version": answer.version},
    )
    value = _only(db, aid, "review.value")
    assert (value.object_type, value.object_id, value.actor_id, value.indicator_code) == (
        "review",
        answer.id,
        reviewer.id,
        "I1",
    )
    assert _changes(value) == {"reviewer_value": (None, "2"), "reviewer_note": ("", "Belum berlaku di seluruh unit")}

    comments.add_comment(assessment=assessment, author=reviewer, body="Lampirkan SK penetapan", answer=answer)
    db.session.commit()
    db.session.refresh(answer)
    client.post(f"/penilaian/{aid}/indikator/I1/reviu/kembalikan", data={"version": answer.version})
    assert _changes(_only(db, aid, "review.send_back")) == {"state": ("siap_direviu", "perlu_perbaikan")}
    logout(client)

    login(client, world.pengisi.email)
    db.session.refresh(answer)
    client.post(f"/penilaian/{aid}/indikator/I1/ajukan", data={"version": answer.version})
    assert _changes(_entries(db, aid, "answer.submit")[-1]) == {"state": ("perlu_perbaikan", "siap_direviu")}
    logout(client)

    login(client, reviewer.email)
    db.session.refresh(answer)
    client.post(f"/penilaian/{aid}/indikator/I1/reviu/setujui", data={"version": answer.version})
    approved = _only(db, aid, "review.approve")
    assert (approved.actor_id, _changes(approved)) == (reviewer.id, {"state": ("siap_direviu", "disetujui")})
    logout(client)

    login(client, koordinator.email)
    db.session.refresh(answer)
    client.post(
        f"/penilaian/{aid}/indikator/I1/nilai-akhir",
        data={"final_value": "3", "final_reason": "SK ditetapkan sebelum batas waktu", "version": answer.version},
    )
    final = _only(db, aid, "review.final")
    assert (final.actor_id, final.indicator_code) == (koordinator.id, "I1")
    assert _changes(final) == {"final_value": (None, "3"), "final_reason": ("", "SK ditetapkan sebelum batas waktu")}
    page = client.get(f"/penilaian/{aid}/indikator/I1/riwayat").get_data(as_text=True)
    for label in ("Nilai reviewer ditetapkan", "Dikembalikan untuk perbaikan", "Disetujui reviewer", "Nilai akhir"):
        assert label in page


def test_assessment_state_changes_are_recorded(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    aid = assessment.id
    for answer in assessment.answers:
        answer.state = AnswerState.SIAP_DIREVIU
    db.session.commit()
    login(client, world.koordinator.email)
    client.post(f"/penilaian/{aid}/tahap", data={"target": "reviu"})
    client.post(f"/penilaian/{aid}/tahap", data={"target": "pengisian"})
    client.post(f"/penilaian/{aid}/tahap", data={"target": "reviu"})
    for answer in db.session.get(Assessment, aid).answers:  # approved with a reviewer value, outside the app
        answer.state = AnswerState.DISETUJUI
        answer.reviewer_value = 1
    db.session.commit()
    client.post(f"/penilaian/{aid}/tahap", data={"target": "final"})
    client.post(f"/penilaian/{aid}/tahap", data={"target": "reviu", "reason": "Koreksi nilai I7"})
    steps = [
        (e.action, _changes(e)["state"])
        for e in _entries(db, aid)
        if e.object_type == "assessment" and e.action != "assessment.open"
    ]
    assert steps == [
        ("assessment.start_review", ("pengisian", "reviu")),
        ("assessment.back_to_filling", ("reviu", "pengisian")),
        ("assessment.start_review", ("pengisian", "reviu")),
        ("assessment.finalise", ("reviu", "final")),
        ("assessment.reopen", ("final", "reviu")),
    ]
    assert _entries(db, aid, "assessment.reopen")[0].summary == "Koreksi nilai I7"
    defaults = _entries(db, aid, "review.final_default")
    assert len(defaults) == len(assessment.answers)
    assert {tuple(_changes(e)["final_value"]) for e in defaults} == {(None, "1")}
    page = client.get(f"/penilaian/{aid}/audit?jenis=assessment").get_data(as_text=True)
    assert "Penilaian difinalkan" in page
    assert "Penilaian dibuka kembali" in page


def test_comments_are_recorded(world: World, db: Any, client: FlaskClient) -> None:
    """Through the comment service (its pages are not registered yet)."""
    from assess.services import comments

    assessment = world.assessment
    aid = assessment.id
    reviewer = world.reviewer
    answer = _answer(assessment, "I1")
    evidence = _link_document(assessment, "Notulen rapat")
    comment = comments.add_comment(assessment=assessment, author=reviewer, body="Lampirkan SK", answer=answer)
    db.session.commit()
    created = _only(db, aid, "comment.create")
    assert (created.object_type, created.object_id, created.actor_id, created.indicator_code) == (
        "comment",
        comment.id,
        reviewer.id,
        "I1",
    )
    assert _changes(created) == {"body": (None, "Lampirkan SK")}
    comments.edit_comment(comment=comment, author=reviewer, body="Lampirkan SK penetapan tim")
    comments.resolve(comment=comment, actor=reviewer)
    db.session.commit()
    assert _changes(_only(db, aid, "comment.edit")) == {"body": ("Lampirkan SK", "Lampirkan SK penetapan tim")}
    old, new = _changes(_only(db, aid, "comment.resolve"))["resolved_at"]
    assert old is None
    assert new is not None
    comments.reopen(comment=comment, actor=reviewer)
    comments.add_comment(assessment=assessment, author=reviewer, body="Tanggal tidak terbaca", evidence=evidence)
    db.session.commit()
    reopened_old, reopened_new = _changes(_only(db, aid, "comment.reopen"))["resolved_at"]
    assert reopened_new is None
    assert datetime.fromisoformat(reopened_old).replace(tzinfo=None) == datetime.fromisoformat(new).replace(tzinfo=None)
    on_document = [e for e in _entries(db, aid, "comment.create") if e.evidence_id == evidence.id]
    assert len(on_document) == 1
    login(client, world.pembaca.email)
    page = client.get(f"/penilaian/{aid}/pustaka/{evidence.id}/riwayat").get_data(as_text=True)
    assert _shown(page) == [on_document[0].id]
    assert "Komentar ditulis" in page
