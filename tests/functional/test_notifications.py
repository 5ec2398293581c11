"""Notifications: who is told (a matrix), e-mail after commit through a local SMTP sink, the inbox, "Tugas saya"."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import mail, texts
from assess.models import (
    Answer,
    AnswerItem,
    AnswerState,
    AssessmentState,
    Notification,
    NotificationKind,
    RoleName,
    User,
)
from assess.services import answers as answer_service
from assess.services import comments as comment_service
from assess.services import notifications as service
from tests.factories import create_assessment, create_member
from tests.functional.helpers import count_queries, login
from tests.worlds import BAPPEDA, DISKOMINFO, World, build_world


def _said(name: str) -> texts.Text:
    """A notification message: "Jawaban I1 disetujui oleh <name>."."""
    return texts.text("notice.approved", code="I1", name=name)


def _answer(assessment: Any, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


@dataclass(frozen=True)
class Team:
    """A world with nothing assigned and no pengisi of its own, and the people these tests notify: Ani, Bayu and an
    inactive pengisi in Diskominfo, Cici in Bappeda, and a reviewer who sits in Diskominfo (the inspektur). The
    world's outsider is a pengisi of another instansi whose address starts like Ani's."""

    world: World
    ani: User
    bayu: User
    cici: User
    nonaktif: User
    inspektur: User

    @property
    def people(self) -> dict[str, User]:
        """Everyone by the name the tests give them, the outsider as "luar"."""
        members = {("luar" if key == "outsider" else key): user for key, user in self.world.members.items()}
        extras = {"ani": self.ani, "bayu": self.bayu, "cici": self.cici, "nonaktif": self.nonaktif}
        return members | extras | {"inspektur": self.inspektur}


@pytest.fixture
def team(db: Any) -> Team:
    world = build_world(
        units=(DISKOMINFO, BAPPEDA),
        members=("koordinator", "reviewer", "pembaca"),
        outsider=(RoleName.PENGISI,),
        assign=False,
        emails={"reviewer": "rina@kota.go.id", "outsider": "ani@kota-lain.go.id"},
    )
    instansi, diskominfo = world.instansi, world.unit
    built = Team(
        world,
        ani=create_member(instansi, RoleName.PENGISI, units=(diskominfo,), email="ani@kota.go.id"),
        bayu=create_member(instansi, RoleName.PENGISI, units=(diskominfo,), email="bayu@kota.go.id"),
        cici=create_member(instansi, RoleName.PENGISI, units=(world.units["Bappeda"],), email="cici@kota.go.id"),
        nonaktif=create_member(instansi, RoleName.PENGISI, units=(diskominfo,)),
        # a reviewer who sits in the unit is not one of the unit's pengisi
        inspektur=create_member(instansi, RoleName.REVIEWER, units=(diskominfo,)),
    )
    built.nonaktif.active = False
    db.session.commit()
    return built


def _notes(db: Any) -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def _received(team: Team, db: Any) -> set[tuple[str, str]]:
    names = {user.id: key for key, user in team.people.items()}
    return {(names[n.user_id], n.kind.value) for n in _notes(db)}


# --------------------------------------------------------------------------- who is told


def _assign_unit(team: Team, db: Any) -> None:
    answer = _answer(team.world.assessment, "I1")
    # the assignment service notifies the new assignees itself
    answer_service.assign(
        assessment=team.world.assessment,
        answers=[answer],
        unit=team.world.unit,
        user=None,
        actor=team.world.koordinator,
    )


def _assign_person(team: Team, db: Any) -> None:
    answer = _answer(team.world.assessment, "I2")
    answer_service.assign(
        assessment=team.world.assessment,
        answers=[answer],
        unit=team.world.unit,
        user=team.bayu,
        actor=team.world.koordinator,
    )


def _mention(team: Team, db: Any) -> None:
    comment_service.add_comment(
        assessment=team.world.assessment,
        author=team.world.reviewer,
        body="@cici dan @ANI mohon dicek",
        answer=_answer(team.world.assessment, "I1"),
    )


def _reply(team: Team, db: Any) -> None:
    answer = _answer(team.world.assessment, "I1")
    top = comment_service.add_comment(
        assessment=team.world.assessment, author=team.world.reviewer, body="?", answer=answer
    )
    comment_service.add_comment(assessment=team.world.assessment, author=team.bayu, body="ok", parent=top)
    comment_service.add_comment(assessment=team.world.assessment, author=team.cici, body="juga", parent=top)


def _review_decision(kind: NotificationKind) -> Any:
    def run(team: Team, db: Any) -> None:
        answer = _answer(team.world.assessment, "I3")
        answer.assignee_unit = team.world.unit
        db.session.flush()
        service.notify(
            users=service.recipients_for_answer(answer),
            kind=kind,
            assessment=team.world.assessment,
            message=texts.text("notice.approved", code="I3", name="Penilai"),
            url=service.answer_path(answer),
            actor=team.world.reviewer,
            answer=answer,
        )

    return run


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (_assign_unit, {("ani", "assignment"), ("bayu", "assignment")}),
        (_assign_person, {("bayu", "assignment")}),
        (_mention, {("ani", "mention"), ("cici", "mention")}),
        (_reply, {("reviewer", "reply"), ("bayu", "reply")}),
        (_review_decision(NotificationKind.SEND_BACK), {("ani", "send_back"), ("bayu", "send_back")}),
        (_review_decision(NotificationKind.APPROVAL), {("ani", "approval"), ("bayu", "approval")}),
    ],
    ids=["assign-unit", "assign-person", "mention", "reply", "send-back", "approval"],
)
def test_who_is_told(team: Team, db: Any, scenario: Any, expected: set[tuple[str, str]]) -> None:
    scenario(team, db)
    db.session.commit()
    assert _received(team, db) == expected


def test_notify_skips_actor_inactive_outsiders_and_duplicates(team: Team, db: Any) -> None:
    made = service.notify(
        users=[team.ani, team.ani, team.world.koordinator, team.nonaktif, team.world.outsider, team.cici],
        kind=NotificationKind.SEND_BACK,
        assessment=team.world.assessment,
        message=texts.text("notice.sent_back", code="I1", name="Penilai"),
        url="/penilaian/1",
        actor=team.world.koordinator,
    )
    assert sorted(n.user_id for n in made) == sorted([team.ani.id, team.cici.id])
    assert all(n.id is not None and n.read_at is None for n in made)
    assert (
        service.notify(
            users=[], kind=NotificationKind.APPROVAL, assessment=team.world.assessment, message=_said("x"), url="/"
        )
        == []
    )


def test_recipients_for_answer_and_pemdi_items(team: Team, db: Any) -> None:
    answer = _answer(team.world.assessment, "I1")
    assert service.recipients_for_answer(answer) == []
    answer.assignee_unit = team.world.unit
    db.session.flush()
    assert {u.email for u in service.recipients_for_answer(answer)} == {"ani@kota.go.id", "bayu@kota.go.id"}
    answer.assignee_user = team.bayu
    answer.assignee_user_id = team.bayu.id
    db.session.flush()
    assert service.recipients_for_answer(answer) == [team.bayu]

    pemdi = create_assessment(team.world.instansi, code="pemdi-2026")
    graded = next(a for a in pemdi.answers if len([i for i in a.indicator.items if i.kind != "note"]) >= 2)
    graded.assignee_unit = team.world.unit
    first, second = [i for i in graded.indicator.items if i.kind != "note"][:2]
    bappeda = team.world.units["Bappeda"]
    graded.items.append(AnswerItem(item=first, assignee_unit=bappeda))
    graded.items.append(AnswerItem(item=second, assignee_unit_id=bappeda.id, assignee_user_id=team.ani.id))
    db.session.flush()
    assert {u.email for u in service.recipients_for_answer(graded)} == {
        "ani@kota.go.id",
        "bayu@kota.go.id",
        "cici@kota.go.id",
    }


def test_assigning_many_indicators_is_one_notification_per_person(team: Team, db: Any) -> None:
    answers = [_answer(team.world.assessment, code) for code in ("I1", "I2", "I3")]
    answer_service.assign(
        assessment=team.world.assessment,
        answers=answers,
        unit=team.world.units["Bappeda"],
        user=None,
        actor=team.world.koordinator,
    )
    [note] = _notes(db)
    assert note.user_id == team.cici.id
    assert note.answer_id is None
    assert "3 indikator" in note.message
    assert "I1, I2, I3" in note.message
    assert note.url == "/saya/"


# --------------------------------------------------------------------------- e-mail


class Sink:
    """An SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.peers: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 — aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.peers.append(session.peer)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


MAIL_KEYS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_BASE_URL", "MAIL_TIMEOUT")


@pytest.fixture
def mail_config(app: Flask) -> Iterator[dict[str, Any]]:
    saved = {k: app.config[k] for k in MAIL_KEYS}
    yield app.config
    app.config.update(saved)


@pytest.fixture
def smtp(mail_config: dict[str, Any]) -> Iterator[Sink]:
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    mail_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_BASE_URL="https://mandiri.test")
    try:
        yield sink
    finally:
        controller.stop()


def _send_back(team: Team, *users: Any) -> list[Notification]:
    return service.notify(
        users=users,
        kind=NotificationKind.SEND_BACK,
        assessment=team.world.assessment,
        message=texts.text("notice.sent_back", code="I1", name="Penilai"),
        url="/penilaian/1/indikator/I1",
        actor=team.world.reviewer,
    )


def test_email_is_sent_after_commit_over_one_connection(team: Team, db: Any, smtp: Sink) -> None:
    _send_back(team, team.ani, team.bayu, team.cici)
    assert smtp.messages == []
    assert len(mail.pending()) == 3
    db.session.commit()
    assert sorted(m["To"] for m in smtp.messages) == ["ani@kota.go.id", "bayu@kota.go.id", "cici@kota.go.id"]
    assert len(set(smtp.peers)) == 1  # one connection for the batch
    message = smtp.messages[0]
    assert message.get_content_type() == "text/plain"
    assert str(message["Subject"]).strip().startswith("[Mandiri] Dikembalikan untuk diperbaiki:")
    body = message.get_content()
    assert "Jawaban I1 dikembalikan oleh Penilai: perlu perbaikan. Lihat komentarnya." in body
    assert "https://mandiri.test/penilaian/1/indikator/I1" in body
    assert body.startswith("Yth. Pengguna Uji")
    assert mail.pending() == []


def test_rolled_back_notifications_send_nothing(team: Team, db: Any, smtp: Sink) -> None:
    _send_back(team, team.ani)
    db.session.rollback()
    db.session.commit()
    assert smtp.messages == []
    assert _notes(db) == []


def test_no_email_when_mail_server_is_empty(team: Team, db: Any, mail_config: dict[str, Any]) -> None:
    mail_config["MAIL_SERVER"] = ""
    _send_back(team, team.ani)
    assert mail.pending() == []
    db.session.commit()
    assert len(_notes(db)) == 1


def test_mention_through_the_page_emails_after_the_request(
    client: FlaskClient, team: Team, db: Any, smtp: Sink
) -> None:
    answer = _answer(team.world.assessment, "I1")
    login(client, team.world.reviewer.email)
    response = client.post(
        f"/penilaian/{team.world.assessment.id}/komentar/jawaban/{answer.id}", data={"body": "@cici lihat ini"}
    )
    assert response.status_code == 302
    [message] = smtp.messages
    assert message["To"] == "cici@kota.go.id"
    assert "menyebut Anda" in message.get_content()
    assert "https://mandiri.test/penilaian/" in message.get_content()


def test_unreachable_smtp_server_is_logged_not_an_error(
    client: FlaskClient, team: Team, db: Any, mail_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    mail_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    answer = _answer(team.world.assessment, "I1")
    login(client, team.world.reviewer.email)
    with caplog.at_level(logging.WARNING, logger="assess.mail"):
        response = client.post(
            f"/penilaian/{team.world.assessment.id}/komentar/jawaban/{answer.id}", data={"body": "@cici lihat ini"}
        )
    assert response.status_code == 302
    assert len(_notes(db)) == 1
    assert any("tidak dapat dipakai" in r.getMessage() and "dicoba lagi" in r.getMessage() for r in caplog.records)


# --------------------------------------------------------------------------- the inbox


def test_notifications_page_lists_newest_first_paginated_and_marks_read(
    client: FlaskClient, team: Team, db: Any
) -> None:
    ani = team.ani
    for n in range(25):
        service.notify(
            users=[ani],
            kind=NotificationKind.APPROVAL,
            assessment=team.world.assessment,
            message=_said(f"Pesan nomor {n}"),
            url="/penilaian/",
        )
    service.notify(
        users=[team.bayu],
        kind=NotificationKind.APPROVAL,
        assessment=team.world.assessment,
        message=_said("Untuk Bayu"),
        url="/",
    )
    db.session.commit()
    login(client, ani.email)
    first = client.get("/saya/notifikasi").get_data(as_text=True)
    assert first.count('data-testid="notification"') == 20
    assert first.index("Pesan nomor 24") < first.index("Pesan nomor 23")
    assert first.count('class="unread"') == 20
    assert "Untuk Bayu" not in first
    assert 'data-testid="nav-unread-count">25<' in first
    second = client.get("/saya/notifikasi?hal=2").get_data(as_text=True)
    assert second.count('data-testid="notification"') == 5
    assert "Pesan nomor 0" in second

    notes = {n.message.removeprefix("Jawaban I1 disetujui oleh ").rstrip("."): n for n in _notes(db)}
    one = notes["Pesan nomor 3"]
    assert client.post(f"/saya/notifikasi/{one.id}/dibaca").status_code == 302
    assert service.unread_count(ani) == 24
    assert client.post(f"/saya/notifikasi/{notes['Untuk Bayu'].id}/dibaca").status_code == 404
    followed = client.get(f"/saya/notifikasi/{notes['Pesan nomor 4'].id}")  # a plain link only leads there
    assert followed.status_code == 302
    assert followed.headers["Location"] == "/penilaian/"
    assert service.unread_count(ani) == 24
    opened = client.post(f"/saya/notifikasi/{notes['Pesan nomor 4'].id}")  # the list's button marks it read
    assert opened.status_code == 302
    assert opened.headers["Location"] == "/penilaian/"
    assert service.unread_count(ani) == 23
    assert client.post(f"/saya/notifikasi/{notes['Untuk Bayu'].id}").status_code == 404
    assert service.unread_count(team.bayu) == 1
    assert client.post("/saya/notifikasi/dibaca-semua").status_code == 302
    assert service.unread_count(ani) == 0
    assert service.unread_count(team.bayu) == 1
    page = client.get("/saya/notifikasi").get_data(as_text=True)
    assert 'class="unread"' not in page
    assert 'data-testid="nav-unread-count"' not in page


def _notification_rows(db: Any) -> list[tuple[int, Any]]:
    return [(n.id, n.read_at) for n in db.session.scalars(select(Notification).order_by(Notification.id))]


def test_opening_a_notification_by_get_writes_nothing(client: FlaskClient, team: Team, db: Any) -> None:
    ani = team.ani
    (note,) = service.notify(
        users=[ani],
        kind=NotificationKind.APPROVAL,
        assessment=team.world.assessment,
        message=_said("Rina"),
        url="/saya/",
    )
    db.session.commit()
    login(client, ani.email)
    before = _notification_rows(db)
    page = client.get("/saya/notifikasi").get_data(as_text=True)
    # The unread notification is a button posting to its own address (no JavaScript needed).
    form = re.search(
        rf'<form method="post" action="/saya/notifikasi/{note.id}">[^<]*(?:<(?!/form)[^<]*)*?'
        r'<button type="submit" class="link" data-testid="open-notification">Jawaban <span lang="id">I1</span> '
        r'disetujui oleh <span lang="id">Rina</span>\.</button>',
        page,
    )
    assert form is not None
    followed = client.get(f"/saya/notifikasi/{note.id}")
    assert (followed.status_code, followed.headers["Location"]) == (302, "/saya/")
    db.session.expire_all()
    assert _notification_rows(db) == before
    assert client.post(f"/saya/notifikasi/{note.id}").headers["Location"] == "/saya/"
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None
    # Once read, it is a plain link: following it again changes nothing.
    read = client.get("/saya/notifikasi").get_data(as_text=True)
    link = f'<a href="/saya/notifikasi/{note.id}" data-testid="open-notification">Jawaban <span lang="id">I1</span>'
    assert link + ' disetujui oleh <span lang="id">Rina</span>.</a>' in read
    after = _notification_rows(db)
    client.get(f"/saya/notifikasi/{note.id}")
    db.session.expire_all()
    assert _notification_rows(db) == after


def test_my_work_sections_and_counts(client: FlaskClient, team: Team, db: Any) -> None:
    a = team.world.assessment
    states = {
        "I1": ("Diskominfo", AnswerState.DRAF),
        "I2": ("Diskominfo", AnswerState.BELUM_DIISI),
        "I3": ("Diskominfo", AnswerState.PERLU_PERBAIKAN),
        "I4": ("Diskominfo", AnswerState.SIAP_DIREVIU),
        "I5": ("Diskominfo", AnswerState.DISETUJUI),
        "I6": ("Bappeda", AnswerState.DRAF),
        "I7": ("Bappeda", AnswerState.SIAP_DIREVIU),
    }
    for code, (unit, state) in states.items():
        answer = _answer(a, code)
        answer.assignee_unit = team.world.units[unit]
        answer.state = state
    # an answer of another unit with one item assigned to Diskominfo would count too (Pemdi); a final
    # assessment counts for nothing
    old = create_assessment(team.world.instansi, year=2025)
    _answer(old, "I1").assignee_unit = team.world.unit
    old.state = AssessmentState.FINAL
    db.session.flush()
    reviewer = team.world.reviewer
    top = comment_service.add_comment(assessment=a, author=reviewer, body="@ani cek", answer=_answer(a, "I1"))
    closed = comment_service.add_comment(assessment=a, author=reviewer, body="@ani x", answer=_answer(a, "I2"))
    comment_service.resolve(comment=closed, actor=reviewer)
    db.session.commit()

    ani = service.work_counts(team.ani)
    assert (ani.assigned, ani.review, ani.sent_back, ani.mentions, ani.unread) == (2, 0, 1, 1, 2)
    assert ani.work == 4
    reviewer = service.work_counts(team.world.reviewer)
    assert (reviewer.assigned, reviewer.review, reviewer.sent_back, reviewer.mentions) == (0, 2, 0, 0)
    # the reviewer who sits in Diskominfo reviews, but fills in nothing
    assert service.work_counts(team.inspektur).assigned == 0
    assert service.work_counts(team.cici).assigned == 1
    assert service.work_counts(team.world.outsider).work == 0

    login(client, team.ani.email)
    page = client.get("/saya/").get_data(as_text=True)
    assert 'data-testid="count-assigned">0<' in page  # assigned to her unit, not to her by name
    assert 'data-testid="count-unit">2<' in page
    assert 'data-testid="count-sent-back">1<' in page
    assert 'data-testid="count-mentions">1<' in page
    assert 'data-testid="nav-work-count">4<' in page
    assert f"/penilaian/{a.id}/indikator/I3" in page
    assert f"#komentar-{top.id}" in page
    assert "/indikator/I5" not in page
    assert "/indikator/I6" not in page


# --------------------------------------------------------------------------- query counts


def test_nav_counts_are_one_query_and_none_for_anonymous(client: FlaskClient, team: Team, db: Any) -> None:
    ani = team.ani
    db.session.refresh(ani)
    with count_queries(db) as queries:
        service.work_counts(ani)
    assert len(queries) == 1
    with count_queries(db) as anonymous:
        assert client.get("/login").status_code == 200
    assert not [q for q in anonymous if "notifications" in q]
    login(client, team.ani.email)
    with count_queries(db) as page:
        assert 'data-testid="nav-my-work"' in client.get("/penilaian/").get_data(as_text=True)
    assert len([q for q in page if "notifications" in q]) == 1
    # kept in the session for a short while: the next pages count nothing
    with count_queries(db) as next_page:
        client.get("/penilaian/")
    assert not [q for q in next_page if "notifications" in q]


def test_nav_badges_refresh(client: FlaskClient, team: Team, db: Any, app: Flask) -> None:
    ani = team.ani
    login(client, ani.email)
    assert 'data-testid="nav-unread-count"' not in client.get("/penilaian/").get_data(as_text=True)
    service.notify(
        users=[ani], kind=NotificationKind.APPROVAL, assessment=team.world.assessment, message=_said("x"), url="/"
    )
    db.session.commit()
    # the badge is kept for NAV_COUNTS_TTL seconds; "Tugas saya" counts again at once
    assert 'data-testid="nav-unread-count"' not in client.get("/penilaian/").get_data(as_text=True)
    assert 'data-testid="nav-unread-count">1<' in client.get("/saya/").get_data(as_text=True)
    client.post("/saya/notifikasi/dibaca-semua")
    assert 'data-testid="nav-unread-count"' not in client.get("/penilaian/").get_data(as_text=True)
    saved = app.config["NAV_COUNTS_TTL"]
    app.config["NAV_COUNTS_TTL"] = 0
    try:
        service.notify(
            users=[ani], kind=NotificationKind.APPROVAL, assessment=team.world.assessment, message=_said("y"), url="/"
        )
        db.session.commit()
        assert 'data-testid="nav-unread-count">1<' in client.get("/penilaian/").get_data(as_text=True)
    finally:
        app.config["NAV_COUNTS_TTL"] = saved


def test_inbox_pages_query_count_is_constant(client: FlaskClient, team: Team, db: Any) -> None:
    a = team.world.assessment
    ani = team.ani

    def grow(n: int) -> None:
        for code in [f"I{i}" for i in range(1, n + 1)]:
            answer = _answer(a, code)
            answer.assignee_unit = team.world.unit
            answer.state = AnswerState.PERLU_PERBAIKAN if code.endswith("3") else AnswerState.DRAF
            top = comment_service.add_comment(assessment=a, author=team.world.reviewer, body="@ani", answer=answer)
            comment_service.add_comment(assessment=a, author=ani, body="ok", parent=top)
        db.session.commit()

    grow(2)
    login(client, ani.email)
    client.get("/saya/")
    with count_queries(db) as few_work:
        client.get("/saya/")
    with count_queries(db) as few_notes:
        client.get("/saya/notifikasi")
    grow(20)
    with count_queries(db) as many_work:
        page = client.get("/saya/").get_data(as_text=True)
    with count_queries(db) as many_notes:
        client.get("/saya/notifikasi")
    assert page.count('data-testid="work-row"') > 20
    assert len(few_work) == len(many_work) <= 8
    assert len(few_notes) == len(many_notes) <= 6


# --------------------------------------------------------------------------- the assessment's name


def test_two_assessments_of_one_year_are_told_apart_by_their_instrument(
    team: Team, db: Any, client: FlaskClient
) -> None:
    """An SPBE 2020 and a Pemdi 2026 assessment of 2026: their names in notifications, the list, the title and the
    heading name the instrument (issue 16)."""
    world = team.world
    pemdi = create_assessment(world.instansi, code="pemdi-2026", year=world.assessment.year)
    db.session.commit()
    assert pemdi.year == world.assessment.year
    answer_service.assign(
        assessment=world.assessment,
        answers=[_answer(world.assessment, "I1")],
        unit=world.units["Bappeda"],
        user=None,
        actor=world.koordinator,
    )
    [note] = _notes(db)
    assert f"{world.instansi.name} {world.assessment.year} · SPBE 2020" in note.message

    login(client, world.koordinator.email)
    listing = client.get("/penilaian/").get_data(as_text=True)
    names = {f"{world.instansi.name} {pemdi.year} · {short}" for short in ("SPBE 2020", "Pemdi 2026")}
    for name in names:
        assert name in listing
    for assessment, short in ((world.assessment, "SPBE 2020"), (pemdi, "Pemdi 2026")):
        page = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
        name = f"{world.instansi.name} {assessment.year} · {short}"
        assert f"<title>{name} · Mandiri</title>" in page
        assert re.search(rf"<h1>.*{re.escape(name)}.*</h1>", page), short
