"""The reviewer's short path (issue 16): Setujui with the claimed value pre-filled in one step, a justification only
when the value differs (and the form says so before it is sent), what was typed kept after a refusal, and the
reviewer's queue ("Berikutnya di antrean saya") after each decision."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from assess.models import AnswerState, AuditEntry, RoleName
from tests.factories import create_assessment
from tests.functional.helpers import login
from tests.worlds import World, build_world

READY = ("I1", "I2", "I3")


@pytest.fixture
def world(db: Any) -> World:
    """I1–I3 claimed at level 3 and ready for review; nothing reviewed yet."""
    built = build_world(outsider=(RoleName.REVIEWER,))
    for code in READY:
        answer = built.answer(code)
        answer.claimed_value = Decimal(3)
        answer.fakta, answer.analisis = "Perwali 12/2024", "Kriteria level 3"
        answer.state = AnswerState.SIAP_DIREVIU
    db.session.commit()
    return built


def _url(world: World, code: str, action: str = "") -> str:
    return f"/penilaian/{world.assessment.id}/indikator/{code}{action}"


def _flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_agreeing_approval_is_one_post_without_justification(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.reviewer.email)
    page = client.get(_url(world, "I1")).get_data(as_text=True)
    form = page.split('data-testid="decide-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<option value="3" selected', form)  # the claimed level, pre-filled
    assert 'data-testid="approve"' in form  # Setujui sends the same form: value and note in one request
    assert "Justifikasi wajib hanya bila nilai reviewer berbeda dari nilai klaim" in form  # said before submit
    assert "required" not in form.split("<textarea", 1)[1].split(">", 1)[0]

    answer = world.answer("I1")
    response = client.post(
        _url(world, "I1", "/reviu/setujui"),
        data={"version": answer.version, "reviewer_value": "3", "reviewer_note": ""},
    )
    assert response.status_code == 302
    db.session.refresh(answer)
    assert answer.state == AnswerState.DISETUJUI
    assert answer.reviewer_value == Decimal(3)
    assert answer.reviewer_id == world.reviewer.id
    actions = [e.action for e in db.session.query(AuditEntry).filter_by(object_id=answer.id)]
    assert {"review.value", "review.approve"} <= set(actions)


def test_a_differing_value_needs_a_justification_and_keeps_the_choice(
    client: FlaskClient, world: World, db: Any
) -> None:
    login(client, world.reviewer.email)
    answer = world.answer("I1")
    refused = client.post(
        _url(world, "I1", "/reviu/setujui"),
        data={"version": answer.version, "reviewer_value": "2", "reviewer_note": "  "},
    )
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(_url(world, "I1") + "#reviu")  # back to the form, not onwards
    assert _flashes(client) == ["Nilai reviewer berbeda dari nilai klaim: tuliskan justifikasinya."]
    db.session.refresh(answer)
    assert answer.state == AnswerState.SIAP_DIREVIU
    assert answer.reviewer_value is None

    page = client.get(_url(world, "I1")).get_data(as_text=True)
    form = page.split('data-testid="decide-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<option value="2" selected', form)  # the reviewer's choice, not the claimed level again
    assert 'data-testid="review-kept"' in form
    assert re.search(r"<textarea[^>]*required", form)  # and the justification is now marked as required

    note = "Kebijakan hanya berlaku di Diskominfo."
    client.post(
        _url(world, "I1", "/reviu/setujui"),
        data={"version": answer.version, "reviewer_value": "2", "reviewer_note": note},
    )
    db.session.refresh(answer)
    assert (answer.state, answer.reviewer_value, answer.reviewer_note) == (AnswerState.DISETUJUI, Decimal(2), note)


def test_typed_justification_survives_a_refused_approval(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.reviewer.email)
    answer = world.answer("I1")
    note = "Dokumen ditandatangani sebelum periode penilaian; level 2 lebih tepat."
    stale = client.post(
        _url(world, "I1", "/reviu/setujui"),
        data={"version": answer.version + 7, "reviewer_value": "2", "reviewer_note": note},
    )
    assert stale.status_code == 302
    assert "sudah diubah orang lain" in " ".join(_flashes(client))
    page = client.get(_url(world, "I1")).get_data(as_text=True)
    assert note in page
    again = client.get(_url(world, "I1")).get_data(as_text=True)  # kept once: a later visit shows the stored note
    assert note not in again
    db.session.refresh(answer)
    assert answer.state == AnswerState.SIAP_DIREVIU


def test_save_value_equal_to_claim_needs_no_justification(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.reviewer.email)
    answer = world.answer("I2")
    client.post(_url(world, "I2", "/reviu/nilai"), data={"reviewer_value": "3", "reviewer_note": ""})
    db.session.refresh(answer)
    assert answer.reviewer_value == Decimal(3)
    client.post(_url(world, "I2", "/reviu/nilai"), data={"reviewer_value": "4", "reviewer_note": ""})
    assert _flashes(client)[-1] == "Nilai reviewer berbeda dari nilai klaim: tuliskan justifikasinya."
    db.session.refresh(answer)
    assert answer.reviewer_value == Decimal(3)


def test_after_a_decision_the_next_answer_in_my_queue(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.reviewer.email)
    page = client.get(_url(world, "I2")).get_data(as_text=True)
    queue = page.split('data-testid="review-queue"', 1)[1].split("</p>", 1)[0]
    assert "Indikator ini ke-2 dari 3 di antrean reviu Anda." in queue
    assert f'href="{_url(world, "I3")}#reviu"' in queue

    for code, following in (("I1", "I2"), ("I2", "I3")):
        answer = world.answer(code)
        done = client.post(_url(world, code, "/reviu/setujui"), data={"version": answer.version, "reviewer_value": "3"})
        assert done.headers["Location"].endswith(_url(world, following) + "#reviu")
        assert _flashes(client) == [f"Jawaban {code} disetujui.", f"Berikutnya di antrean Anda: {following}."]
        client.get(done.headers["Location"])
    page = client.get(_url(world, "I3")).get_data(as_text=True)
    assert "Indikator ini ke-1 dari 1 di antrean reviu Anda." in page

    last = world.answer("I3")
    done = client.post(_url(world, "I3", "/reviu/setujui"), data={"version": last.version, "reviewer_value": "3"})
    assert done.headers["Location"].endswith(_url(world, "I3") + "#reviu")  # nothing left: stay
    assert _flashes(client)[-1] == "Antrean reviu Anda kosong: tidak ada lagi jawaban yang menunggu."
    page = client.get(_url(world, "I3")).get_data(as_text=True)
    assert "Antrean reviu Anda kosong: tidak ada jawaban yang menunggu." in page
    assert 'data-testid="queue-next"' not in page


def test_queue_is_the_reviewers_own_scope(client: FlaskClient, world: World, db: Any) -> None:
    """Another instansi's ready answers are not in this reviewer's queue; a final assessment's neither."""
    other = create_assessment(world.other)
    for answer in other.answers[:2]:
        answer.state = AnswerState.SIAP_DIREVIU
    db.session.commit()
    login(client, world.reviewer.email)
    page = client.get(_url(world, "I1")).get_data(as_text=True)
    assert "ke-1 dari 3" in page
    client.post("/logout")
    login(client, world.outsider.email)
    code = sorted(other.answers, key=lambda a: a.indicator.position)[0].indicator.code
    page = client.get(f"/penilaian/{other.id}/indikator/{code}").get_data(as_text=True)
    assert "dari 2 di antrean reviu Anda" in page


def test_queue_from_wraps_and_never_offers_the_same_answer() -> None:
    from assess.services.notifications import QueueEntry
    from assess.views.review import queue_from

    entries = [QueueEntry(1, "I1"), QueueEntry(1, "I4"), QueueEntry(2, "I1")]
    assert queue_from(entries, 1, "I4").next == QueueEntry(2, "I1")
    assert queue_from(entries, 2, "I1").next == QueueEntry(1, "I1")  # from the start again
    assert queue_from(entries, 1, "I9").position is None
    assert queue_from(entries, 1, "I9").next == QueueEntry(1, "I1")
    assert queue_from([QueueEntry(1, "I1")], 1, "I1").next is None
    assert queue_from([], 1, "I1").total == 0


def test_a_long_justification_does_not_overflow_the_session_cookie(
    client: FlaskClient, world: World, db: Any
) -> None:
    """The session is a cookie (at most ~4 kB in a browser): a refused decision keeps only the start of a long
    justification there (the page's script gives back the rest), and the reviewer stays signed in."""
    login(client, world.reviewer.email)
    answer = world.answer("I1")
    note = " ".join(hashlib.sha256(str(n).encode()).hexdigest() for n in range(120))  # little to compress
    assert len(note) > 7000
    client.post(
        _url(world, "I1", "/reviu/setujui"),
        data={"version": answer.version + 7, "reviewer_value": "2", "reviewer_note": note},
    )
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert len(cookie.value) < 3500
    page = client.get(_url(world, "I1"))
    assert page.status_code == 200
    assert note[:1000] in page.get_data(as_text=True)


def test_the_sticky_bar_approves_for_a_reviewer_and_is_absent_for_a_reader(client: FlaskClient, world: World) -> None:
    """A reviewer sees Setujui in the answer page's sticky bar, sending the decision form (the claimed value already
    in it); a reader, who can do nothing on the page, gets no bar."""
    login(client, world.reviewer.email)
    page = client.get(_url(world, "I1")).get_data(as_text=True)
    bar = page.split('data-testid="answer-bar"', 1)[1].split("</div>", 1)[0]
    approve = re.search(r'<button[^>]*data-testid="bar-approve"[^>]*>', bar)
    assert approve is not None
    assert 'form="review-decide"' in approve.group(0)
    assert f'formaction="{_url(world, "I1", "/reviu/setujui")}"' in approve.group(0)
    assert 'id="review-decide"' in page

    client.post("/logout")
    login(client, world.pembaca.email)
    assert 'data-testid="answer-bar"' not in client.get(_url(world, "I1")).get_data(as_text=True)
