"""Issue 14, accounts: where a user lands after signing in. A pengisi or reviewer on "Tugas saya", a koordinator
on the overview of their instansi's one open assessment (the list when there are none or several), anyone else on
the list; a ``next`` parameter of the sign-in goes first."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from assess.models import AssessmentState
from tests.factories import PASSWORD, create_assessment
from tests.functional.helpers import login
from tests.worlds import World


def landed(client: FlaskClient, email: str, next_path: str | None = None) -> str:
    """Sign in and follow Flask-Security's redirect through the landing route: the path the user ends on."""
    query = f"?next={next_path}" if next_path else ""
    signed = client.post(f"/login{query}", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 302, signed.get_data(as_text=True)
    location = signed.headers["Location"]
    if location != "/mulai":
        return location
    onward = client.get("/mulai")
    assert onward.status_code == 302
    return str(onward.headers["Location"])


LANDINGS = [("pengisi", "/saya/"), ("reviewer", "/saya/"), ("pembaca", "/penilaian/"), ("admin", "/penilaian/")]


@pytest.mark.parametrize(("role", "where"), LANDINGS)
def test_each_role_lands_on_its_page(client: FlaskClient, world: World, role: str, where: str) -> None:
    assert landed(client, world.member(role).email) == where


def test_a_koordinator_lands_on_the_one_open_assessment(client: FlaskClient, world: World) -> None:
    assert landed(client, world.koordinator.email) == f"/penilaian/{world.assessment.id}"
    page = client.get(f"/penilaian/{world.assessment.id}")
    assert page.status_code == 200


def test_a_koordinator_with_several_or_no_open_assessments_lands_on_the_list(
    client: FlaskClient, world: World, db: Any
) -> None:
    second = create_assessment(world.instansi, year=2027)
    db.session.commit()
    assert landed(client, world.koordinator.email) == "/penilaian/"
    client.post("/logout")

    world.assessment.state = AssessmentState.FINAL
    second.state = AssessmentState.FINAL
    db.session.commit()
    assert landed(client, world.koordinator.email) == "/penilaian/"


def test_a_final_assessment_beside_the_open_one_does_not_count(client: FlaskClient, world: World, db: Any) -> None:
    older = create_assessment(world.instansi, year=2025)
    older.state = AssessmentState.FINAL
    db.session.commit()
    assert landed(client, world.koordinator.email) == f"/penilaian/{world.assessment.id}"


def test_another_instansis_open_assessment_does_not_count(client: FlaskClient, world: World, db: Any) -> None:
    assert world.other is not None
    create_assessment(world.other, year=2026)
    db.session.commit()
    assert landed(client, world.koordinator.email) == f"/penilaian/{world.assessment.id}"


@pytest.mark.parametrize("role", ["pengisi", "koordinator"])
def test_next_goes_first(client: FlaskClient, world: World, role: str) -> None:
    audit = f"/penilaian/{world.assessment.id}/audit"
    assert landed(client, world.member(role).email, next_path=audit) == audit


def test_the_landing_route_only_reads_and_needs_a_sign_in(client: FlaskClient, world: World) -> None:
    anonymous = client.get("/mulai")
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
    login(client, world.pengisi.email)
    assert client.get("/mulai").headers["Location"] == "/saya/"
