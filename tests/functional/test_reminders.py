"""Reminders of unfinished work (issue 14) with a frozen day: 7 and 2 days before the deadline, every day after it,
once per person and day, nobody without open work, the e-mail in the recipient's language, the koordinator's digest
of late units, the command line, "Kirim pengingat" on the overview and the stage refusal grouped by unit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Config, Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from assess import mail, texts
from assess.config import ConfigError, load_config
from assess.models import AnswerState, AssessmentState, Notification, ReminderSent, RoleName, User
from assess.services import reminders
from tests.factories import create_member
from tests.functional.helpers import count_queries, login, logout
from tests.worlds import BAPPEDA, DISKOMINFO, World, build_world

TODAY = date(2026, 6, 1)
DAYS = (7, 2)


@pytest.fixture
def team(db: Any) -> World:
    """Diskominfo holds every indicator but I3 and I4 (Bappeda, whose pengisi reads English) and I5 (assigned to the
    reviewer-free pengisi Dodi in person); I1 and I2 are no longer open (siap direviu, disetujui); I6 was sent
    back. The deadline is a week after TODAY."""
    built = build_world(units=(DISKOMINFO, BAPPEDA), members=("koordinator", "pengisi", "reviewer", "pembaca"))
    bappeda = built.units["Bappeda"]
    cici = create_member(built.instansi, RoleName.PENGISI, units=(bappeda,), email="cici@kota.go.id")
    cici.locale = "en"
    dodi = create_member(built.instansi, RoleName.PENGISI, email="dodi@kota.go.id")
    for code in ("I3", "I4"):
        built.answer(code).assignee_unit = bappeda
    built.answer("I5").assignee_unit = None
    built.answer("I5").assignee_user = dodi
    built.answer("I1").state = AnswerState.SIAP_DIREVIU
    built.answer("I2").state = AnswerState.DISETUJUI
    built.answer("I6").state = AnswerState.PERLU_PERBAIKAN
    built.assessment.deadline = TODAY + timedelta(days=7)
    db.session.commit()
    return built


def _user(db: Any, email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _notes(db: Any, user: User) -> list[str]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [texts.render(n.message_text, fallback=n.message) for n in rows]


def _send(db: Any, day: date) -> reminders.Sent:
    sent = reminders.send_due(today=day, days=DAYS)
    db.session.commit()
    return sent


def _open_codes(team: World, *states: AnswerState) -> list[str]:
    return [
        a.indicator.code
        for a in sorted(team.assessment.answers, key=lambda a: a.indicator.position)
        if a.assignee_unit_id == team.unit.id and a.state in states
    ]


def test_seven_and_two_days_before_once_each(team: World, db: Any) -> None:
    pengisi = team.pengisi
    assert _send(db, TODAY) == reminders.Sent(people=3, koordinators=0)
    [note] = _notes(db, pengisi)
    codes = _open_codes(team, AnswerState.BELUM_DIISI, AnswerState.DRAF, AnswerState.PERLU_PERBAIKAN)
    assert len(codes) == 47 - 5
    assert "I6" in codes
    assert "I1" not in codes
    assert "I3" not in codes
    assert note == (
        f"Batas waktu penilaian {team.instansi.name} 2026 · SPBE 2020 tinggal 7 hari lagi (8 Jun 2026). "
        f"{len(codes)} indikator Anda belum selesai: {', '.join(codes)}."
    )
    assert _notes(db, _user(db, "dodi@kota.go.id")) == [
        f"Batas waktu penilaian {team.instansi.name} 2026 · SPBE 2020 tinggal 7 hari lagi (8 Jun 2026). "
        "1 indikator Anda belum selesai: I5."
    ]
    # the same day again: nothing new; the days between: nothing
    assert _send(db, TODAY) == reminders.Sent()
    for later in range(1, 5):
        assert _send(db, TODAY + timedelta(days=later)) == reminders.Sent()
    assert _send(db, TODAY + timedelta(days=5)) == reminders.Sent(people=3, koordinators=0)
    assert len(_notes(db, pengisi)) == 2
    assert "tinggal 2 hari lagi" in _notes(db, pengisi)[1]
    kinds = db.session.execute(
        select(ReminderSent.kind, ReminderSent.on_day, ReminderSent.items).where(ReminderSent.user_id == pengisi.id)
    ).all()
    assert sorted(kinds) == [("before_2", date(2026, 6, 6), 42), ("before_7", TODAY, 42)]


def test_after_the_deadline_every_day_and_the_koordinators_late_units(team: World, db: Any) -> None:
    late = TODAY + timedelta(days=8)
    assert _send(db, late) == reminders.Sent(people=3, koordinators=1)
    [note] = _notes(db, team.pengisi)
    assert note.startswith(
        f"Batas waktu penilaian {team.instansi.name} 2026 · SPBE 2020 (8 Jun 2026) sudah lewat. 42 indikator"
    )
    [digest] = _notes(db, team.koordinator)
    assert digest == (
        f"Batas waktu penilaian {team.instansi.name} 2026 · SPBE 2020 (8 Jun 2026) sudah lewat dan 2 unit belum "
        "menyelesaikan indikatornya: Bappeda (2 indikator); Diskominfo (42 indikator); tanpa unit (1 indikator)."
    )
    note_url = db.session.scalar(select(Notification.url).where(Notification.user_id == team.koordinator.id))
    assert note_url == f"/penilaian/{team.assessment.id}"
    assert _send(db, late) == reminders.Sent()
    assert _send(db, late + timedelta(days=1)) == reminders.Sent(people=3, koordinators=1)
    assert len(_notes(db, team.koordinator)) == 2


def test_nobody_without_open_work(team: World, db: Any) -> None:
    """Not the reviewer, the pembaca, a pengisi whose work is all submitted, a deactivated user; nothing in a
    deactivated instansi or a final assessment."""
    for answer in team.assessment.answers:
        if answer.assignee_unit_id == team.units["Bappeda"].id:
            answer.state = AnswerState.SIAP_DIREVIU
    _user(db, "dodi@kota.go.id").active = False
    db.session.commit()
    assert _send(db, TODAY) == reminders.Sent(people=1, koordinators=0)
    assert {n.user_id for n in db.session.scalars(select(Notification))} == {team.pengisi.id}

    db.session.execute(delete(ReminderSent))
    db.session.execute(delete(Notification))
    team.instansi.active = False
    db.session.commit()
    assert _send(db, TODAY) == reminders.Sent()
    assert _send(db, TODAY + timedelta(days=9)) == reminders.Sent()

    team.instansi.active = True
    team.assessment.state = AssessmentState.FINAL
    db.session.commit()
    assert _send(db, TODAY + timedelta(days=9)) == reminders.Sent()
    assert db.session.scalars(select(Notification)).all() == []


MAIL_KEYS = ("MAIL_SERVER", "MAIL_BASE_URL")


@pytest.fixture
def mail_on(app: Flask) -> Iterator[None]:
    saved = {k: app.config[k] for k in MAIL_KEYS}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_BASE_URL="https://mandiri.test")
    yield
    app.config.update(saved)


def test_email_in_each_recipients_language(team: World, db: Any, mail_on: None) -> None:
    reminders.send_due(today=TODAY, days=DAYS)
    by_address = {m.to: m for m in mail.pending()}
    db.session.rollback()  # nothing leaves: the test reads the outbox
    english = by_address["cici@kota.go.id"]
    assert (
        f"The deadline of the assessment {team.instansi.name} 2026 · SPBE 2020 is 7 days away (Jun 8, 2026). "
        "2 of your indicators are not finished: I3, I4." in english.body
    )
    assert "https://mandiri.test/saya/" in english.body
    assert english.subject.startswith("[Mandiri] Deadline reminder:")
    indonesian = by_address[team.pengisi.email]
    codes = _open_codes(team, AnswerState.BELUM_DIISI, AnswerState.DRAF, AnswerState.PERLU_PERBAIKAN)
    assert f"tinggal 7 hari lagi (8 Jun 2026). 42 indikator Anda belum selesai: {', '.join(codes)}." in indonesian.body
    assert indonesian.subject.startswith("[Mandiri] Pengingat batas waktu:")


def test_the_run_is_bounded_whatever_the_number_of_answers(db: Any) -> None:
    """The open work of everyone is found in a fixed number of queries: 3 open answers or 47 cost the same."""

    def run(open_answers: int) -> int:
        world = build_world(members=("koordinator", "pengisi"), outsider=())
        for answer in sorted(world.assessment.answers, key=lambda a: a.indicator.position)[open_answers:]:
            answer.state = AnswerState.DISETUJUI
        world.assessment.deadline = TODAY + timedelta(days=2)
        db.session.commit()
        with count_queries(db) as statements:
            assert reminders.send_due(today=TODAY, days=DAYS).people == 1
        db.session.rollback()
        world.assessment.deadline = None
        db.session.commit()
        return len(statements)

    assert run(3) == run(47)


def test_command_line_with_a_frozen_day(team: World, db: Any, app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "send", "--today", "2026-06-09"])
    assert result.exit_code == 0, result.output
    assert "Pengingat 2026-06-09: 3 orang dengan pekerjaan terbuka, 1 ringkasan unit terlambat" in result.output
    again = runner.invoke(args=["reminders", "send", "--today", "2026-06-09"])
    assert "0 orang dengan pekerjaan terbuka, 0 ringkasan" in again.output
    assert runner.invoke(args=["reminders", "send", "--today", "9 Juni"]).exit_code != 0


def test_reminder_days_setting(tmp_path: Path) -> None:
    def loaded(value: str) -> Any:
        config = Config(str(tmp_path))
        load_config(config, str(tmp_path / "instance"), None, {"MANDIRI_REMINDER_DAYS": value})
        return config["REMINDER_DAYS"]

    assert loaded("7,2") == (7, 2)
    assert loaded(" 2, 14 ,7,2") == (14, 7, 2)
    assert loaded("3") == (3,)  # an environment value of one number arrives as an int
    assert loaded("") == ()
    for wrong in ("tujuh", "7;2", "400", "-1"):
        with pytest.raises(ConfigError, match="MANDIRI_REMINDER_DAYS"):
            loaded(wrong)


# --------------------------------------------------------------------------- the overview


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(reminders, "local_today", lambda: TODAY)
    return TODAY


def _flash(client: FlaskClient, data: dict[str, Any], team: World) -> str:
    response = client.post(f"/penilaian/{team.assessment.id}/pengingat", data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_kirim_pengingat_to_a_unit_or_a_person_once_a_day(
    client: FlaskClient, team: World, db: Any, frozen: date
) -> None:
    assessment = team.assessment
    login(client, team.koordinator.email)
    page = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    assert page.count('type="hidden" name="unit_id"') == 2  # a button for each unit with unfinished work
    assert 'data-confirm="Kirim pengingat kepada semua orang di unit ini yang masih punya pekerjaan?"' in page

    cici, dodi = _user(db, "cici@kota.go.id"), _user(db, "dodi@kota.go.id")
    assert "Pengingat dikirim kepada 1 orang." in _flash(client, {"unit_id": team.units["Bappeda"].id}, team)
    assert _notes(db, cici) == [
        f"{team.koordinator.name} mengingatkan: 2 indikator Anda pada penilaian {team.instansi.name} 2026 · SPBE 2020 "
        "belum selesai (batas waktu 8 Jun 2026): I3, I4."
    ]
    again = _flash(client, {"unit_id": team.units["Bappeda"].id}, team)
    assert "Tidak ada pengingat baru: yang masih punya pekerjaan terbuka sudah diingatkan hari ini." in again
    assert len(_notes(db, cici)) == 1
    assert "Pengingat dikirim kepada 1 orang." in _flash(client, {"user_id": dodi.id}, team)
    assert "Tidak ada yang perlu diingatkan: tidak ada pekerjaan terbuka." in _flash(
        client, {"user_id": team.reviewer.id}, team
    )
    assert "Pilih satu unit atau satu orang yang akan diingatkan." in _flash(client, {}, team)
    rows = db.session.execute(select(ReminderSent.user_id, ReminderSent.kind, ReminderSent.on_day)).all()
    assert sorted(rows) == sorted([(cici.id, "manual", TODAY), (dodi.id, "manual", TODAY)])
    # the daily run still sends its own digest the same day: a hand-sent one is another kind
    assert reminders.send_due(today=TODAY, days=DAYS).people == 3

    other_unit = build_world(members=(), outsider=()).unit
    db.session.commit()
    assert client.post(f"/penilaian/{assessment.id}/pengingat", data={"unit_id": other_unit.id}).status_code == 404
    assert client.post(f"/penilaian/{assessment.id}/pengingat", data={"user_id": team.outsider.id}).status_code == 404

    logout(client)
    login(client, team.pengisi.email)
    assert "Kirim pengingat" not in client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    assert client.post(f"/penilaian/{assessment.id}/pengingat", data={"user_id": dodi.id}).status_code == 403


def _held_units(page: str) -> dict[str, str]:
    """The refusal panel's groups: the heading's first words → the group's markup."""
    panel = page.split('data-testid="held-back"', 1)[1].split("</section>", 1)[0]
    groups = panel.split('data-testid="held-unit">')[1:]
    return {" ".join(re.sub(r"<[^>]+>", " ", g.split("</h3>", 1)[0]).split()[:1]): g for g in groups}


def test_refused_stage_change_is_grouped_by_unit_with_links_and_people(
    client: FlaskClient, team: World, db: Any
) -> None:
    assessment = team.assessment
    login(client, team.koordinator.email)
    response = client.post(f"/penilaian/{assessment.id}/tahap", data={"target": "reviu"})
    assert response.headers["Location"] == f"/penilaian/{assessment.id}?tertahan=reviu#tertahan"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reviu belum dapat dimulai" in page
    groups = _held_units(page)
    assert list(groups) == ["Bappeda", "Diskominfo", "Tanpa"]
    link = f'href="/penilaian/{assessment.id}/indikator/%s"'
    assert link % "I3" in groups["Bappeda"]
    assert link % "I4" in groups["Bappeda"]
    assert "cici@kota.go.id" in groups["Bappeda"]
    assert team.pengisi.email not in groups["Bappeda"]
    assert link % "I7" in groups["Diskominfo"]
    assert team.pengisi.email in groups["Diskominfo"]
    assert "41 indikator" in groups["Diskominfo"]  # I1 is submitted, I2 approved, I6 sent back: none holds the review
    assert link % "I1" not in page.split('data-testid="held-back"', 1)[1].split("</section>", 1)[0]
    assert link % "I6" not in groups["Diskominfo"]
    assert link % "I5" in groups["Tanpa"]
    assert "dodi@kota.go.id" in groups["Tanpa"]
    assert f'name="user_id" value="{_user(db, "dodi@kota.go.id").id}"' in groups["Tanpa"]

    # finalising is held back by everything not approved, I1 and I6 included
    final = client.post(f"/penilaian/{assessment.id}/tahap", data={"target": "final"})
    assert "tertahan" not in final.headers["Location"]  # not from pengisian: refused for another reason
    logout(client)
    login(client, team.pengisi.email)
    assert 'data-testid="held-back"' not in client.get(f"/penilaian/{assessment.id}?tertahan=reviu").get_data(
        as_text=True
    )
