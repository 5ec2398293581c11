"""Assigning people (issue 16), on the overview's bulk assignment and on an indicator's page: each person's units
written on their option, for the page's script to offer only the chosen unit's people (an indicator's page lists
only its unit's people to begin with); the server refuses a person outside the chosen unit."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from assess.models import RoleName
from tests.factories import create_assessment, create_member, create_unit
from tests.functional.helpers import login


def people_units(html: str) -> dict[int, str]:
    """The person list's options bound to the unit field: person id → their units as written on the option."""
    people = re.search(r'<select[^>]*data-units-of="unit_id"[^>]*name="user_id".*?</select>', html, re.S)
    assert people is not None
    return {int(v): u for u, v in re.findall(r'<option data-units="([\d ]*)"[^>]*value="(\d+)"', people.group(0))}


def test_people_carry_their_units_and_a_person_outside_the_unit_is_refused(db: Any, client: FlaskClient) -> None:
    assessment = create_assessment()
    instansi = assessment.instansi
    setda, kominfo = create_unit(instansi), create_unit(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR, units=(setda,))
    both = create_member(instansi, RoleName.PENGISI, units=(setda, kominfo))
    loose = create_member(instansi, RoleName.PENGISI)
    db.session.commit()
    login(client, koordinator.email)

    expected = {
        koordinator.id: str(setda.id),
        both.id: f"{min(setda.id, kominfo.id)} {max(setda.id, kominfo.id)}",
        loose.id: "",
    }
    assert people_units(client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)) == expected
    # An indicator's page offers the people of the answer's unit only (issue 18): none while it has no unit.
    answer = assessment.answers[0]
    indicator = f"/penilaian/{assessment.id}/indikator/{answer.indicator.code}"
    assert people_units(client.get(indicator).get_data(as_text=True)) == {}
    answer.assignee_unit = setda
    db.session.commit()
    assert people_units(client.get(indicator).get_data(as_text=True)) == {
        koordinator.id: expected[koordinator.id],
        both.id: expected[both.id],
    }
    answer.assignee_unit = None
    db.session.commit()

    refused = client.post(
        f"/penilaian/{assessment.id}/tugaskan",
        data={"unit_id": kominfo.id, "user_id": koordinator.id, "answer_ids": [answer.id]},
        follow_redirects=True,
    )
    assert "bukan anggota unit yang dipilih" in refused.get_data(as_text=True)
    db.session.refresh(answer)
    assert (answer.assignee_unit_id, answer.assignee_user_id) == (None, None)

    client.post(
        f"/penilaian/{assessment.id}/tugaskan",
        data={"unit_id": kominfo.id, "user_id": both.id, "answer_ids": [answer.id]},
    )
    db.session.refresh(answer)
    assert (answer.assignee_unit_id, answer.assignee_user_id) == (kominfo.id, both.id)
