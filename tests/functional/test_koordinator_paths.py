"""The koordinator's short path (issue 16): progress by state instead of "0/47", indices mid-review that say how
many indicators are not reviewed yet and count as 0, the signatory before "Buat bundel sekarang", and a reminder
sent from the stage refusal in the audit trail."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import AnswerState, AuditEntry
from tests.factories import create_assessment
from tests.functional.helpers import count_queries, login
from tests.worlds import World

STATES = {
    AnswerState.DRAF: ("I1", "I2", "I3"),
    AnswerState.SIAP_DIREVIU: ("I4", "I5"),
    AnswerState.DISETUJUI: ("I6",),
    AnswerState.PERLU_PERBAIKAN: ("I7",),
}


@pytest.fixture
def mixed(world: World, db: Any) -> World:
    """Three drafts, two submitted, one approved, one sent back, forty unanswered; I6 reviewed (3) and I4 given a
    final value (2)."""
    for state, codes in STATES.items():
        for code in codes:
            answer = world.answer(code)
            answer.state, answer.claimed_value = state, Decimal(3)
    world.answer("I6").reviewer_value = Decimal(3)
    world.answer("I4").final_value = Decimal(2)
    db.session.commit()
    return world


def _states(page: str, testid: str) -> dict[str, str]:
    """A progress list's numbers by state."""
    box = page.split(f'data-testid="{testid}"', 1)[1].split("</ul>", 1)[0]
    return dict(re.findall(r'data-state="(\w+)"><strong>(\d+)</strong>', box))


EXPECTED = {"draf": "3", "siap_direviu": "2", "disetujui": "1", "perlu_perbaikan": "1", "belum_diisi": "40"}


def test_progress_by_state_on_overview_dashboard_and_list(client: FlaskClient, mixed: World) -> None:
    login(client, mixed.koordinator.email)
    aid = mixed.assessment.id
    overview = client.get(f"/penilaian/{aid}").get_data(as_text=True)
    assert _states(overview, "progress-overall") == EXPECTED
    assert "3 draf" in re.sub(r"<[^>]+>", "", overview.split('data-testid="progress-overall"', 1)[1])[:400]
    assert "diajukan (siap direviu)" in overview
    assert "dari 47 indikator" in overview
    assert ">2/47<" not in overview  # not the bare "done/total" any more
    dashboard = client.get(f"/penilaian/{aid}/dasbor").get_data(as_text=True)
    assert _states(dashboard, "progress-overall") == EXPECTED
    listing = client.get("/penilaian/").get_data(as_text=True)
    assert _states(listing, f"progress-{aid}") == EXPECTED


def test_list_progress_is_one_query_whatever_the_assessments(
    client: FlaskClient, mixed: World, db: Any
) -> None:
    login(client, mixed.koordinator.email)
    client.get("/penilaian/")

    def measure() -> int:
        with count_queries(db) as statements:
            assert client.get("/penilaian/").status_code == 200
        return len(statements)

    few = measure()
    for year in (2027, 2028):
        create_assessment(mixed.instansi, year=year)
    db.session.commit()
    assert measure() == few
    listing = client.get("/penilaian/").get_data(as_text=True)
    assert listing.count('data-state="belum_diisi"><strong>47</strong>') == 2


def test_mid_review_indices_say_how_many_are_not_reviewed(client: FlaskClient, mixed: World, db: Any) -> None:
    login(client, mixed.koordinator.email)
    aid = mixed.assessment.id
    for url in (f"/penilaian/{aid}", f"/penilaian/{aid}/dasbor"):
        page = client.get(url).get_data(as_text=True)
        reviewer = page.split('data-testid="index-reviewer-pending"', 1)[1].split("</div>", 1)[0]
        assert "46 dari 47 indikator belum direviu, dihitung 0" in reviewer
        final = page.split('data-testid="index-final-pending"', 1)[1].split("</div>", 1)[0]
        assert "46 dari 47 indikator belum bernilai akhir, dihitung 0" in final
        claimed = page.split('data-testid="index-claimed-pending"', 1)[1].split("</div>", 1)[0]
        assert "40 dari 47 indikator belum diisi, dihitung 0" in claimed
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    english = client.get(f"/penilaian/{aid}").get_data(as_text=True)
    assert "46 of 47 indicators not yet reviewed, counted as 0" in english

    for answer in mixed.assessment.answers:  # everything reviewed: nothing left to say
        answer.reviewer_value = Decimal(2)
    db.session.commit()
    page = client.get(f"/penilaian/{aid}").get_data(as_text=True)
    assert "index-reviewer-pending" not in page
    assert "index-final-pending" in page


def test_signatory_form_comes_before_the_export_button(client: FlaskClient, world: World) -> None:
    login(client, world.koordinator.email)
    page = client.get(f"/penilaian/{world.assessment.id}/bundel/").get_data(as_text=True)
    assert page.index('data-testid="signatory-form"') < page.index('data-testid="export-start"')
    assert 'data-testid="signatory-missing"' in page  # and, while nobody signs, the button's form says so


def test_a_reminder_from_the_refusal_is_in_the_audit_trail(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.koordinator.email)
    refused = client.post(f"/penilaian/{aid}/tahap", data={"target": "reviu"})
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    held = page.split('data-testid="held-back"', 1)[1].split("</section>", 1)[0]
    assert f'name="unit_id" value="{world.unit.id}"' in held  # "Kirim pengingat" for the unit
    client.post(f"/penilaian/{aid}/pengingat", data={"unit_id": world.unit.id})
    client.post(f"/penilaian/{aid}/pengingat", data={"unit_id": world.unit.id})  # already reminded today
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reminder.manual")).all()
    assert [(e.assessment_id, e.actor_id, e.summary) for e in entries] == [
        (aid, world.koordinator.id, world.pengisi.name)
    ]
    trail = client.get(f"/penilaian/{aid}/audit").get_data(as_text=True)
    assert "Pengingat dikirim" in trail
