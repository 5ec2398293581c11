"""Review: reviewer and final values, approve and send back, the assessment state machine, side-by-side indices."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import Answer, AnswerState, AssessmentState, AuditEntry, Comment, RoleName
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import count_queries, login
from tests.worlds import World, build_world


def _answer(assessment: Any, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


@pytest.fixture
def world(db: Any) -> World:
    """Every role, an outsider who is a reviewer in another instansi, and I1 answered (3) and ready for review."""
    built = build_world(outsider=(RoleName.REVIEWER,))
    first = built.answer("I1")
    first.claimed_value = Decimal(3)
    first.fakta, first.analisis = "Perwali 12/2024", "Kriteria level 3"
    first.state = AnswerState.SIAP_DIREVIU
    db.session.commit()
    return built


def _comment(db: Any, answer: Answer, author: Any, body: str = "Dokumen belum ditetapkan.") -> Comment:
    comment = Comment(assessment_id=answer.assessment_id, answer_id=answer.id, author_id=author.id, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment


def _post(client: FlaskClient, url: str, **data: Any) -> Any:
    return client.post(url, data=data)


ACTIONS = {
    "reviewer_value": ("/indikator/I1/reviu/nilai", {"reviewer_value": "2", "reviewer_note": "Belum lengkap"}),
    "send_back": ("/indikator/I1/reviu/kembalikan", {}),
    "approve": ("/indikator/I2/reviu/setujui", {}),
    "final_value": ("/indikator/I1/nilai-akhir", {"final_value": "3", "final_reason": "Sesuai bukti"}),
    "state": ("/tahap", {"target": "pengisian"}),
}
#: Who may do what (anything else in the instansi: 403; another instansi: 404).
ALLOWED = {
    "reviewer_value": {"reviewer"},
    "approve": {"reviewer"},
    "send_back": {"reviewer"},
    "final_value": {"koordinator"},
    "state": {"koordinator"},
}


def _effect(db: Any, assessment: Any, action: str) -> bool:
    """Whether the action's change is in the database."""
    db.session.expire_all()
    i1, i2 = _answer(assessment, "I1"), _answer(assessment, "I2")
    return {
        "reviewer_value": i1.reviewer_value == Decimal(2),
        "send_back": i1.state == AnswerState.PERLU_PERBAIKAN,
        "approve": i2.state == AnswerState.DISETUJUI,
        "final_value": i1.final_value == Decimal(3),
        "state": db.session.get(type(assessment), assessment.id).state == AssessmentState.PENGISIAN,
    }[action]


@pytest.mark.parametrize("actor", ["koordinator", "pengisi", "reviewer", "pembaca", "admin", "outsider"])
def test_review_actions_role_matrix(client: FlaskClient, world: World, db: Any, actor: str) -> None:
    """Status codes AND effects: an allowed action changes the data, a refused one leaves it alone."""
    assessment = world.assessment
    _comment(db, _answer(assessment, "I1"), world.reviewer)
    i2 = _answer(assessment, "I2")
    i2.state, i2.reviewer_value, i2.reviewer_note = AnswerState.SIAP_DIREVIU, Decimal(3), "Lengkap"
    _answer(assessment, "I1").reviewer_value = Decimal(3)  # so a final value of 3 needs no reason
    assessment.state = AssessmentState.REVIU
    db.session.commit()
    login(client, world.member(actor).email)
    mismatches = []
    for action, (path, data) in ACTIONS.items():
        response = _post(client, f"/penilaian/{assessment.id}{path}", **data)
        allowed = actor in ALLOWED[action]
        expected = 404 if actor == "outsider" else (302 if allowed else 403)
        if response.status_code != expected or _effect(db, assessment, action) != allowed:
            mismatches.append((actor, action, response.status_code, expected, _effect(db, assessment, action)))
    assert not mismatches, mismatches


def test_reviewer_cannot_change_the_answer_and_pengisi_cannot_review(
    client: FlaskClient, world: World, db: Any
) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I2")
    login(client, world.reviewer.email)
    save = client.post(
        f"/penilaian/{assessment.id}/indikator/I2",
        data={"version": answer.version, "level": "4", "fakta": "x", "analisis": "y"},
    )
    assert save.status_code == 403
    page = client.get(f"/penilaian/{assessment.id}/indikator/I1").get_data(as_text=True)
    assert 'data-testid="save-reviewer-value"' in page
    assert 'data-testid="save-answer"' not in page
    client.post("/logout")
    login(client, world.pengisi.email)
    page = client.get(f"/penilaian/{assessment.id}/indikator/I1").get_data(as_text=True)
    assert 'data-testid="save-reviewer-value"' not in page
    assert (
        client.post(
            f"/penilaian/{assessment.id}/indikator/I1/reviu/nilai", data={"reviewer_value": "5", "reviewer_note": "x"}
        ).status_code
        == 403
    )


def test_review_flow_send_back_fix_approve_final(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I1")
    base = f"/penilaian/{assessment.id}/indikator/I1"
    login(client, world.reviewer.email)
    missing_note = client.post(
        f"{base}/reviu/nilai", data={"reviewer_value": "2", "reviewer_note": ""}, follow_redirects=True
    )
    assert "justifikasi" in missing_note.get_data(as_text=True)
    client.post(f"{base}/reviu/nilai", data={"reviewer_value": "2", "reviewer_note": "Ruang lingkup belum lengkap"})
    db.session.refresh(answer)
    assert answer.reviewer_value == Decimal(2)
    assert answer.claimed_value == Decimal(3)
    refused = client.post(f"{base}/reviu/kembalikan", follow_redirects=True)
    assert "paling sedikit satu komentar terbuka" in refused.get_data(as_text=True)
    db.session.refresh(answer)
    assert answer.state == AnswerState.SIAP_DIREVIU
    _comment(db, answer, world.reviewer, "Lampirkan Perwali yang sudah ditandatangani.")
    assert client.post(f"{base}/reviu/kembalikan").status_code == 302
    db.session.refresh(answer)
    assert answer.state == AnswerState.PERLU_PERBAIKAN
    client.post("/logout")

    login(client, world.pengisi.email)
    fix = client.post(
        base,
        data={
            "version": answer.version,
            "level": "3",
            "fakta": "Perwali 12/2024 (bertanda tangan)",
            "analisis": "Kriteria level 3",
        },
    )
    assert fix.status_code == 302
    # resubmission is blocked without evidence (spbe-2020 blocks), so attach one through the model directly
    db.session.refresh(answer)
    answer.state = AnswerState.SIAP_DIREVIU
    db.session.commit()
    client.post("/logout")

    login(client, world.reviewer.email)
    assert client.post(f"{base}/reviu/setujui").status_code == 302
    db.session.refresh(answer)
    assert answer.state == AnswerState.DISETUJUI
    client.post("/logout")

    login(client, world.koordinator.email)
    no_reason = client.post(f"{base}/nilai-akhir", data={"final_value": "3", "final_reason": ""}, follow_redirects=True)
    assert "tuliskan alasannya" in no_reason.get_data(as_text=True)
    client.post(f"{base}/nilai-akhir", data={"final_value": "3", "final_reason": "Perwali sudah diunggah ulang"})
    db.session.refresh(answer)
    assert answer.final_value == Decimal(3)
    assert answer.final_reason == "Perwali sudah diunggah ulang"
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_id == answer.id, AuditEntry.object_type == "review")
            .order_by(AuditEntry.id)
        )
    ]
    assert actions == ["review.value", "review.send_back", "review.approve", "review.final"]


def _all(assessment: Any, db: Any, state: AnswerState, reviewer_value: int | None = 3) -> None:
    for answer in assessment.answers:
        answer.state = state
        answer.claimed_value = Decimal(3)
        answer.reviewer_value = None if reviewer_value is None else Decimal(reviewer_value)
    db.session.commit()


def _change(client: FlaskClient, assessment: Any, target: str, reason: str = "") -> str:
    response = client.post(
        f"/penilaian/{assessment.id}/tahap", data={"target": target, "reason": reason}, follow_redirects=True
    )
    return response.get_data(as_text=True)


def test_state_machine_every_transition(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    login(client, world.koordinator.email)

    def state() -> AssessmentState:
        db.session.refresh(assessment)
        return assessment.state

    # pengisian: not to final, not to itself; to reviu only when every answer was submitted
    assert "tidak dapat diubah dari pengisian ke final" in _change(client, assessment, "final")
    assert "tidak dapat diubah dari pengisian ke pengisian" in _change(client, assessment, "pengisian")
    text = _change(client, assessment, "reviu")
    assert "Reviu belum dapat dimulai" in text
    held = text.split('data-testid="held-back"', 1)[1].split("</section>", 1)[0]  # by unit, each with its link
    assert f'href="/penilaian/{assessment.id}/indikator/I2"' in held
    assert state() == AssessmentState.PENGISIAN
    _all(assessment, db, AnswerState.SIAP_DIREVIU)
    _change(client, assessment, "reviu")
    assert state() == AssessmentState.REVIU
    # reviu: to final only when all approved (listed otherwise); back to pengisian is allowed
    text = _change(client, assessment, "final")
    assert "belum disetujui" in text
    held = text.split('data-testid="held-back"', 1)[1].split("</section>", 1)[0]
    assert f'href="/penilaian/{assessment.id}/indikator/I47">I47</a> <span class="chip state-siap_direviu">' in held
    assert state() == AssessmentState.REVIU
    assert "tidak dapat diubah dari reviu ke reviu" in _change(client, assessment, "reviu")
    _change(client, assessment, "pengisian")
    assert state() == AssessmentState.PENGISIAN
    _change(client, assessment, "reviu")
    _all(assessment, db, AnswerState.DISETUJUI, reviewer_value=2)
    _change(client, assessment, "final")
    assert state() == AssessmentState.FINAL
    assert {a.final_value for a in assessment.answers} == {Decimal(2)}  # defaulted to the reviewer's
    # final: only back to reviu, with a reason
    assert "tidak dapat diubah dari final ke pengisian" in _change(client, assessment, "pengisian")
    assert "tidak dapat diubah dari final ke final" in _change(client, assessment, "final")
    assert "alasan" in _change(client, assessment, "reviu")
    assert state() == AssessmentState.FINAL
    _change(client, assessment, "reviu", reason="Koreksi nilai I5 atas permintaan Inspektorat")
    assert state() == AssessmentState.REVIU
    reopened = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.reopen"))
    assert reopened is not None
    assert reopened.summary == "Koreksi nilai I5 atas permintaan Inspektorat"
    assert reopened.actor_id == world.koordinator.id


def test_final_assessment_refuses_every_edit(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    _all(assessment, db, AnswerState.DISETUJUI)
    assessment.state = AssessmentState.FINAL
    db.session.commit()
    answer = _answer(assessment, "I1")
    for who in ("pengisi", "koordinator", "reviewer"):
        login(client, world.member(who).email)
        page = client.get(f"/penilaian/{assessment.id}/indikator/I1").get_data(as_text=True)
        for control in ("save-answer", "submit-review", "save-reviewer-value", "save-final-value", "link-evidence"):
            assert f'data-testid="{control}"' not in page, (who, control)
        refused = [
            client.post(
                f"/penilaian/{assessment.id}/indikator/I1",
                data={"version": answer.version, "level": "1", "fakta": "x", "analisis": "y"},
            ),
            client.post(
                f"/penilaian/{assessment.id}/indikator/I1/reviu/nilai",
                data={"reviewer_value": "1", "reviewer_note": "x"},
            ),
            client.post(f"/penilaian/{assessment.id}/indikator/I1/nilai-akhir", data={"final_value": "1"}),
            client.post(f"/penilaian/{assessment.id}/pustaka/unggah", headers={"Accept": "application/json"}),
            client.post(
                f"/penilaian/{assessment.id}/tugaskan", data={"unit_id": world.unit.id, "answer_ids": [answer.id]}
            ),
        ]
        assert [r.status_code for r in refused] == [403] * 5, who
        client.post("/logout")
    db.session.refresh(answer)
    assert answer.claimed_value == Decimal(3)


def test_side_by_side_indices_and_discrepancies(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    for answer in assessment.answers:
        answer.claimed_value = Decimal(3)
    _answer(assessment, "I42").reviewer_value = Decimal(1)  # weight 3.00: effect −0.06
    _answer(assessment, "I1").reviewer_value = Decimal(2)  # weight 1.30: effect −0.013
    _answer(assessment, "I32").reviewer_value = Decimal(4)  # weight 2.75: effect +0.0275
    _answer(assessment, "I2").reviewer_value = Decimal(3)  # no difference
    db.session.commit()
    login(client, world.pembaca.email)
    overview = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    for box in ("index-claimed", "index-reviewer", "index-final"):
        assert f'data-testid="{box}"' in overview
    assert re.search(
        r'data-testid="index-claimed">\s*<div class="index-label">[^<]*</div>\s*<div class="index-value">3[.,]00',
        overview,
    )
    page = client.get(f"/penilaian/{assessment.id}/selisih").get_data(as_text=True)
    order = re.findall(r'<tr data-indicator="(I\d+)">', page)
    assert order == ["I42", "I32", "I1"]
    assert "-0,0600" in page
    assert "+0,0275" in page
    assert re.search(r'<tr data-indicator="I42">.*?<td class="num">3</td>\s*<td class="num">1</td>', page, re.S)


def test_review_pages_constant_queries(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    login(client, world.reviewer.email)

    def measure() -> dict[str, int]:
        counts = {}
        for name, url in (
            ("answer", f"/penilaian/{assessment.id}/indikator/I1"),
            ("overview", f"/penilaian/{assessment.id}"),
            ("selisih", f"/penilaian/{assessment.id}/selisih"),
        ):
            client.get(url)
            with count_queries(db) as statements:
                assert client.get(url).status_code == 200
            counts[name] = len(statements)
        return counts

    before = measure()
    for i, answer in enumerate(assessment.answers):
        answer.reviewer_value = Decimal(1 + i % 5)
        answer.reviewer_note = "catatan " * 20
    for _ in range(25):
        _comment(db, _answer(assessment, "I1"), world.reviewer)
    after = measure()
    assert before == after, (before, after)


def _flashed(client: FlaskClient, response: Any) -> str:
    """The messages a redirecting POST left for the next page (read without rendering that page)."""
    assert response.status_code == 302
    with client.session_transaction() as session:
        return " ".join(message for _category, message in session.pop("_flashes", []))


def test_discrepancies_show_graded_values_rounded_half_up(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi, code="pemdi-2026")
    first = sorted(assessment.answers, key=lambda a: a.indicator.position)[0]
    first.reviewer_value = Decimal("1.125")  # 9/8
    reader = create_member(instansi, RoleName.PEMBACA)
    db.session.commit()
    login(client, reader.email)
    page = client.get(f"/penilaian/{assessment.id}/selisih").get_data(as_text=True)
    row = re.search(rf'<tr data-indicator="{first.indicator.code}">.*?</tr>', page, re.S)
    assert row is not None
    assert '<td class="num">1,13</td>' in row.group(0)
    assert '<td class="num">–</td>' in row.group(0)  # nothing claimed yet
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    english = client.get(f"/penilaian/{assessment.id}/selisih").get_data(as_text=True)
    assert '<td class="num">1.13</td>' in english


def test_values_typed_with_a_comma_or_a_point(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi, code="pemdi-2026")
    answer = sorted(assessment.answers, key=lambda a: a.indicator.position)[0]
    answer.state = AnswerState.SIAP_DIREVIU
    reviewer = create_member(instansi, RoleName.REVIEWER)
    db.session.commit()
    login(client, reviewer.email)
    url = f"/penilaian/{assessment.id}/indikator/{answer.indicator.code}/reviu/nilai"
    for typed, stored in (("1,13", Decimal("1.13")), ("2.5", Decimal("2.5"))):
        saved = client.post(url, data={"reviewer_value": typed, "reviewer_note": "Bukti sebagian"})
        assert _flashed(client, saved) == "Nilai reviewer disimpan."
        db.session.refresh(answer)
        assert answer.reviewer_value == stored
    for typed in ("dua", "1e999999999", "1,2,3"):
        refused = client.post(url, data={"reviewer_value": typed, "reviewer_note": "x"})
        assert _flashed(client, refused) == "Nilai harus berupa angka.", typed
        db.session.refresh(answer)
        assert answer.reviewer_value == Decimal("2.5")


def test_value_out_of_range_refused_with_a_translatable_message(
    client: FlaskClient, world: World, db: Any
) -> None:
    assessment = world.assessment
    base = f"/penilaian/{assessment.id}/indikator/I1"
    login(client, world.reviewer.email)
    for typed in ("2,5", "7"):
        refused = client.post(f"{base}/reviu/nilai", data={"reviewer_value": typed, "reviewer_note": "x"})
        assert _flashed(client, refused) == "Level harus bilangan bulat 0–5."  # not the engine's "I1: … tertulis 7"
    db.session.refresh(assessment)
    assert _answer(assessment, "I1").reviewer_value is None


def test_refused_stage_change_names_states_in_the_users_language(
    client: FlaskClient, world: World, db: Any
) -> None:
    assessment = world.assessment
    login(client, world.koordinator.email)
    client.post("/bahasa", data={"lang": "en", "next": "/"})

    def change(target: str) -> str:
        return _flashed(client, client.post(f"/penilaian/{assessment.id}/tahap", data={"target": target}))

    assert "The review cannot start yet" in change("reviu")
    page = client.get(f"/penilaian/{assessment.id}?tertahan=reviu").get_data(as_text=True)
    refused = page.split('data-testid="held-back"', 1)[1].split("</section>", 1)[0]
    assert "not yet answered" in refused
    assert "/indikator/I2" in refused
    assert '/indikator/I1"' not in refused  # ready for review: it does not hold the review back
    assert ">belum diisi<" not in refused
    assert "filling in" in change("final")
    assert "pengisian" not in change("final")
    _all(assessment, db, AnswerState.SIAP_DIREVIU)
    assert "reviu." not in change("reviu")
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.REVIU


def test_send_back_notification_is_written_in_the_deployments_language(
    client: FlaskClient, world: World, db: Any
) -> None:
    from assess.models import Notification

    assessment = world.assessment
    answer = _answer(assessment, "I1")
    _comment(db, answer, world.reviewer)
    login(client, world.reviewer.email)
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    assert client.post(f"/penilaian/{assessment.id}/indikator/I1/reviu/kembalikan").status_code == 302
    note = db.session.scalar(select(Notification).where(Notification.user_id == world.pengisi.id))
    assert note is not None
    assert note.message == f"Jawaban I1 dikembalikan oleh {world.reviewer.name}: perlu perbaikan. Lihat komentarnya."
    assert note.url == f"/penilaian/{assessment.id}/indikator/I1"
