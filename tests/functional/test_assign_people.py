"""Issue 18, the indicator page's assignment form: its person list holds the people of the answer's unit only (its
length follows the unit, not the instansi); another unit's people come from a read-only JSON route as the koordinator
chooses that unit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import Answer, RoleName, User
from tests.factories import create_instansi, create_member, create_unit
from tests.functional.helpers import count_queries, login
from tests.worlds import BAPPEDA, DISKOMINFO, World, build_world

STAFF = "staf@bappeda.go.id"
PEOPLE = re.compile(r'<select[^>]*name="user_id"[^>]*>(.*?)</select>', re.S)


@pytest.fixture
def world(db: Any) -> World:
    """Every answer assigned to Diskominfo, whose one member is the pengisi; Bappeda has a member of its own."""
    built = build_world(units=(DISKOMINFO, BAPPEDA))
    create_member(built.instansi, RoleName.PENGISI, units=(built.units["Bappeda"],), email=STAFF)
    db.session.commit()
    return built


def _answer(world: World, code: str = "I1") -> Answer:
    return next(a for a in world.assessment.answers if a.indicator.code == code)


def _people(client: FlaskClient, world: World, code: str = "I1") -> list[str]:
    page = client.get(f"/penilaian/{world.assessment.id}/indikator/{code}").get_data(as_text=True)
    found = PEOPLE.search(page)
    assert found is not None
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


def test_the_page_lists_only_the_people_of_the_answers_unit(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.koordinator.email)
    url = f"/penilaian/{world.assessment.id}/indikator/I1"
    client.get(url)  # warm the instrument cache
    with count_queries(db) as few:
        small = client.get(url).get_data(as_text=True)
    others = create_unit(world.instansi, "Dinas Lain", "DL")
    for _ in range(120):
        create_member(world.instansi, RoleName.PENGISI, units=(others,))
    db.session.commit()
    with count_queries(db) as many:
        large = client.get(url).get_data(as_text=True)
    assert len(many) == len(few) <= 8
    assert len(large) - len(small) < 200  # one more unit, no more people
    assert _people(client, world) == ["— siapa saja di unit —", f"{world.pengisi.name} &lt;{world.pengisi.email}&gt;"]
    assert 'data-people-url="/penilaian/' in large
    # an answer of no unit offers nobody yet
    _answer(world, "I2").assignee_unit = None
    db.session.commit()
    assert _people(client, world, "I2") == ["— siapa saja di unit —"]


def test_the_people_of_another_unit_come_from_their_route(client: FlaskClient, world: World, db: Any) -> None:
    url = f"/penilaian/{world.assessment.id}/anggota-unit"
    bappeda = world.units["Bappeda"]
    login(client, world.koordinator.email)
    answered = client.get(url, query_string={"unit": bappeda.id})
    assert answered.status_code == 200
    body = answered.get_json()
    assert body["unit"] == bappeda.id
    staff = db.session.scalar(select(User).where(User.email == STAFF))
    assert body["people"] == [{"id": staff.id, "label": f"{staff.name} <{STAFF}>"}]
    # the person the route offers is accepted by the assignment
    person = staff.id
    assigned = client.post(
        f"/penilaian/{world.assessment.id}/tugaskan",
        data={"unit_id": bappeda.id, "user_id": person, "answer_ids": [_answer(world).id]},
    )
    assert assigned.status_code == 302
    db.session.refresh(_answer(world))
    assert (_answer(world).assignee_unit_id, _answer(world).assignee_user_id) == (bappeda.id, person)
    elsewhere = create_unit(create_instansi(), "Dinas Instansi Lain", "DIL")
    inactive = create_unit(world.instansi, "Dinas Nonaktif", "DN")
    inactive.active = False
    db.session.commit()
    for unit in (elsewhere.id, inactive.id, "", "abc", 2**31, -1, "1%00"):
        assert client.get(url, query_string={"unit": unit}).status_code == 404, unit
    client.post("/logout")
    login(client, world.pengisi.email)  # reads the assessment, assigns nothing
    assert client.get(url, query_string={"unit": bappeda.id}).status_code == 403
    client.post("/logout")
    login(client, world.member("outsider").email)  # a koordinator of another instansi
    assert client.get(url, query_string={"unit": bappeda.id}).status_code == 404
