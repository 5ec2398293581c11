"""Texts written now and read later (notifications and their e-mails, audit summaries, an export's step and error)
are stored as a key and its parameters and read in the reader's language, whoever wrote them in whichever."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select

from assess import mail, texts
from assess.models import AnswerState, AuditEntry, Export, ExportState, Notification, RoleName, User
from assess.models.base import utcnow
from assess.queries.engine import engine_instrument
from assess.services import answers as answer_service
from assess.services import comments as comment_service
from assess.services import evidence as evidence_service
from assess.services import exports as export_service
from assess.services import planning
from assess.services import review as review_service
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login, pdf_bytes
from tests.worlds import World, build_world
from uploads import get_storage
from uploads.validation import Policy

ID_SENT_BACK = "Jawaban I1 dikembalikan oleh Rina Reviewer: perlu perbaikan. Lihat komentarnya."
EN_SENT_BACK = "Answer I1 sent back by Rina Reviewer: needs revision. See the comments."


@dataclass(frozen=True)
class Team:
    """A world in Pemerintah Kota Uji Bahasa whose I1 alone is assigned to Diskominfo and waits for review, with a
    comment of its reviewer (Rina Reviewer), and a second pengisi of the unit who reads English."""

    world: World
    english: User


@pytest.fixture
def team(db: Any) -> Team:
    world = build_world(
        name="Pemerintah Kota Uji Bahasa",
        members=("pengisi", "reviewer", "koordinator"),
        outsider=(),
        assign=False,
    )
    english = create_member(world.instansi, RoleName.PENGISI, units=(world.unit,))
    english.locale = "en"
    world.reviewer.name = "Rina Reviewer"
    answer = world.answer("I1")
    answer.assignee_unit = world.unit
    answer.state = AnswerState.SIAP_DIREVIU
    comment_service.add_comment(assessment=world.assessment, author=world.reviewer, body="Lampirkan SK.", answer=answer)
    db.session.commit()
    return Team(world, english)


def _in_english(app: Flask) -> Any:
    """What a request of someone reading the English UI runs in."""
    context = app.test_request_context("/", headers={"Accept-Language": "en"})
    context.push()
    return context


def _text(page: str) -> str:
    """A page's text: data inside a sentence is marked up with the language it was written in."""
    return re.sub(r"<[^>]+>", "", page)


def _english_page(client: FlaskClient, path: str) -> str:
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    return _text(client.get(path).get_data(as_text=True))


def test_the_english_translation_of_the_sent_back_notice_is_the_one_this_module_expects(app: Flask) -> None:
    with app.app_context(), force_locale("en"):
        assert str(texts.text("notice.sent_back", code="I1", name="Rina Reviewer")) == EN_SENT_BACK


def test_a_notification_reads_in_each_readers_language(
    app: Flask, client: FlaskClient, team: Team, db: Any
) -> None:
    context = _in_english(app)  # the reviewer works on the English page
    try:
        with force_locale("en"):
            review_service.send_back(answer=team.world.answer("I1"), actor=team.world.reviewer)
        db.session.commit()
    finally:
        context.pop()
    notes = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert {n.user_id for n in notes} == {team.world.pengisi.id, team.english.id}
    for note in notes:
        assert note.message == ID_SENT_BACK  # the copy in the deployment's language
        assert note.message_text == {
            "key": "notice.sent_back",
            "params": {"code": "I1", "name": "Rina Reviewer"},
        }
    login(client, team.world.pengisi.email)
    page = client.get("/saya/notifikasi").get_data(as_text=True)
    assert ID_SENT_BACK in _text(page)
    assert '<span lang="id">Rina Reviewer</span>' in page  # a name is data, not the page's language
    english = _english_page(client, "/saya/notifikasi")
    assert EN_SENT_BACK in english
    assert ID_SENT_BACK not in english


def test_an_email_goes_out_in_its_recipients_language(app: Flask, team: Team, db: Any) -> None:
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_BASE_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_BASE_URL="https://mandiri.test")
    try:
        context = _in_english(app)
        try:
            with force_locale("en"):
                review_service.send_back(answer=team.world.answer("I1"), actor=team.world.reviewer)
            sent = {m.to: m for m in mail.pending()}
        finally:
            context.pop()
        db.session.rollback()  # nothing leaves
    finally:
        app.config.update(saved)
    indonesian, english = sent[team.world.pengisi.email], sent[team.english.email]
    assert indonesian.subject.startswith("[Mandiri] Dikembalikan untuk diperbaiki:")
    assert ID_SENT_BACK in indonesian.body
    assert indonesian.body.startswith("Yth. ")
    assert english.subject.startswith("[Mandiri] Returned for revision:")
    assert EN_SENT_BACK in english.body
    assert "Yth." not in english.body


def test_audit_summaries_read_in_the_readers_language(
    app: Flask, client: FlaskClient, team: Team, db: Any
) -> None:
    assessment = team.world.assessment
    context = _in_english(app)  # the koordinator sets the target on the English page
    try:
        with force_locale("en"):
            planning.set_target(
                assessment=assessment,
                inst=engine_instrument(assessment.instrument),
                target_index=Decimal("2.25"),
                target_predikat=None,
                actor=team.world.koordinator,
            )
        db.session.commit()
    finally:
        context.pop()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "target.set")).one()
    assert entry.summary == "Target ditetapkan: 2,25."
    login(client, team.world.koordinator.email)
    assert "Target ditetapkan: 2,25." in client.get(f"/penilaian/{assessment.id}/audit").get_data(as_text=True)
    assert "Target ditetapkan: 2,25." in client.get(f"/penilaian/{assessment.id}/audit.csv").get_data(as_text=True)
    english = _english_page(client, f"/penilaian/{assessment.id}/audit")
    assert "Target set: 2.25." in english
    assert "Target ditetapkan" not in english
    assert "Target set: 2.25." in client.get(f"/penilaian/{assessment.id}/audit.csv").get_data(as_text=True)


def test_submission_notes_are_kept_as_codes_not_in_the_submitters_language(
    app: Flask, client: FlaskClient, db: Any
) -> None:
    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    pemdi = create_assessment(instansi, code="pemdi-2026")
    graded = next(a for a in pemdi.answers if a.indicator.code == "I1")
    item = next(i for i in graded.indicator.items if i.kind != "note")
    answer_service.save_graded_answer(
        answer=graded,
        expected_version=graded.version,
        items=[answer_service.ItemInput(item.id, True, "Halaman 3")],
        source_value=None,
        fakta="",
        analisis="",
        actor=koordinator,
    )
    document = evidence_service.upload(
        assessment=pemdi,
        stream=io.BytesIO(pdf_bytes(text="Rencana induk")),
        filename="rencana-induk.pdf",
        meta=None,
        user=koordinator,
        storage=get_storage(app.config),
        policy=Policy(),
    )
    evidence_service.link(answer=graded, evidence=document, level=None, item=item, note="", user=koordinator)
    db.session.commit()
    context = _in_english(app)  # submitted from the English page: the empty penjelasan is a warning
    try:
        with force_locale("en"):
            found = answer_service.submit_for_review(answer=graded, expected_version=graded.version, actor=koordinator)
            assert [r.message for r in found] == ["The FAKTA and ANALISIS explanations are still empty."]
        db.session.commit()
    finally:
        context.pop()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "answer.submit")).one()
    assert entry.summary == "Diajukan dengan catatan: Penjelasan FAKTA dan ANALISIS masih kosong."
    login(client, koordinator.email)
    english = _english_page(client, f"/penilaian/{pemdi.id}/audit")
    assert "Submitted with notes: The FAKTA and ANALISIS explanations are still empty." in english


def test_an_exports_step_and_error_read_in_the_readers_language(
    app: Flask, client: FlaskClient, team: Team, db: Any
) -> None:
    assessment = team.world.assessment
    context = _in_english(app)
    try:
        with force_locale("en"):
            queued = export_service.request_export(assessment, team.world.koordinator)
            queued_id = queued.id
        db.session.commit()
    finally:
        context.pop()
    assert queued.step_label == "Menunggu giliran"
    login(client, team.world.koordinator.email)
    status = client.get(f"/penilaian/{assessment.id}/bundel/{queued_id}/status").get_json()
    assert status["label"] == "Menunggu giliran"
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    status = client.get(f"/penilaian/{assessment.id}/bundel/{queued_id}/status").get_json()
    assert status["label"] == "Waiting in the queue"
    failed = db.session.get(Export, queued_id)
    assert failed is not None
    export_service.fail_run(queued_id, OSError(28, "No space left on device"))
    db.session.commit()
    assert (failed.error or "").startswith("Ruang disk server penuh")
    assert failed.state == ExportState.FAILED
    english = client.get(f"/penilaian/{assessment.id}/bundel/").get_data(as_text=True)
    assert "The server&#39;s disk is full; the export was stopped" in english
    assert "Ruang disk server penuh" not in english


def test_rows_from_before_keys_and_unknown_keys_show_their_stored_sentence(
    client: FlaskClient, team: Team, db: Any
) -> None:
    for message, stored in (
        ("Pesan lama tanpa kunci.", None),
        ("Pesan dari versi yang lebih baru.", {"key": "notice.from_a_later_version", "params": {}}),
        ("Pesan yang parameternya tidak cocok.", {"key": "notice.approved", "params": {"code": "I1"}}),
    ):
        db.session.add(
            Notification(
                user_id=team.world.pengisi.id,
                kind="approval",
                assessment_id=team.world.assessment.id,
                message=message,
                message_text=stored,
                url="/saya/",
                created_at=utcnow(),
            )
        )
    db.session.commit()
    login(client, team.world.pengisi.email)
    english = _english_page(client, "/saya/notifikasi")
    for message in ("Pesan lama tanpa kunci.", "Pesan dari versi yang lebih baru.", "Pesan yang parameternya"):
        assert message in english


def test_a_stored_text_is_refused_for_an_unknown_key_or_other_parameters() -> None:
    with pytest.raises(KeyError):
        texts.text("notice.nothing_like_this")
    with pytest.raises(TypeError):
        texts.text("notice.approved", code="I1")
    with pytest.raises(TypeError):
        texts.text("notice.approved", code="I1", name="Rina", extra="x")


@pytest.mark.parametrize("key", sorted(texts.TEMPLATES))
def test_every_stored_text_reads_in_both_languages(app: Flask, key: str) -> None:
    params = {name: f"<{name}>" for name in texts.placeholders(key)}
    with app.app_context():
        with force_locale("id"):
            indonesian = str(texts.text(key, **params))
        with force_locale("en"):
            english = str(texts.text(key, **params))
    for value in params.values():
        assert value in indonesian
        assert value in english
    words = re.sub(r"%\(\w+\)s|SHA-256|\bB\b", "", texts.TEMPLATES[key]._args[0])
    if any(c.isalpha() for c in words):  # not only parameters, codes and units
        assert english != indonesian, f"{key} is not translated"


def test_numbers_in_stored_texts_follow_the_readers_language(app: Flask) -> None:
    stored = texts.text("audit.scenario_saved", name="Rencana", n=texts.number(1234, 0)).stored()
    with app.app_context():
        with force_locale("id"):
            assert texts.render(stored) == "Skenario “Rencana” disimpan (1.234 indikator berubah)."
        with force_locale("en"):
            assert texts.render(stored) == "Scenario “Rencana” saved (1,234 indicators changed)."


def test_a_changed_stored_file_is_described_in_the_readers_language(app: Flask) -> None:
    size = evidence_service.stored_file_problem("size", 10, 2048)
    assert size == "stored_file:size:10:2048"
    old = "berkas tersimpan berubah: ukurannya 10 B, tercatat 2048 B"  # kept before the codes
    with app.test_request_context():
        for problem in (size, old, evidence_service.stored_file_problem("missing")):
            assert evidence_service.is_stored_file_problem(problem)
        with force_locale("id"):
            assert evidence_service.problem_text(size) == "Berkas tersimpan berubah: ukurannya 10 B, tercatat 2048 B."
            assert evidence_service.problem_text(old) == old
        with force_locale("en"):
            english = evidence_service.problem_text(size)
            assert english == "The stored file has changed: its size is 10 B, 2048 B on record."
            assert evidence_service.problem_text(evidence_service.stored_file_problem("missing")) == (
                "The stored file is missing."
            )
            assert evidence_service.problem_text(old) == old
    assert not evidence_service.is_stored_file_problem("pdf.full_check:ERROR: page 2")
