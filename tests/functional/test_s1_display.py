"""The questionnaire shows every value as assess.display does: half up, the decimal mark of the page's language.

Pemdi I14 with one level-1 item ticked is exactly 9/8 = 1.125: float formatting showed 1.12 on the answer page
and the overview while the live preview showed 1.13.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from assess.models import Answer, RoleName
from tests.factories import create_assessment, create_instansi, create_member, create_unit
from tests.functional.helpers import jpeg_bytes, login, upload
from tests.worlds import World


def _answer(assessment: Any, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


def _i14_form(answer: Answer) -> dict[str, str]:
    """The I14 form with I14-L1-01, one of its four level-1 items, ticked: exactly 9/8."""
    data = {"version": str(answer.version), "fakta": "", "analisis": ""}
    for item in answer.indicator.items:
        if item.kind == "note":
            continue
        data[f"item-{item.id}-present"] = "1"
        data[f"item-{item.id}-note"] = ""
        if item.code == "I14-L1-01":
            data[f"item-{item.id}-fulfilled"] = "1"
    return data


def _set_language(client: FlaskClient, lang: str) -> None:
    assert client.post("/bahasa", data={"lang": lang}).status_code == 302


@pytest.mark.parametrize(("lang", "shown", "wrong"), [("id", "1,13", "1,12"), ("en", "1.13", "1.12")])
def test_a_value_of_9_8_shows_1_13_everywhere(
    client: FlaskClient, pemdi_world: World, db: Any, lang: str, shown: str, wrong: str
) -> None:
    assessment = pemdi_world.assessment
    answer = _answer(assessment, "I14")
    login(client, pemdi_world.pengisi.email)
    _set_language(client, lang)
    data = _i14_form(answer)

    preview = client.post(f"/penilaian/{assessment.id}/indikator/I14/nilai", data=data)
    assert preview.status_code == 200
    assert preview.get_json() == {"display": shown}

    assert client.post(f"/penilaian/{assessment.id}/indikator/I14", data=data).status_code == 302
    page = client.get(f"/penilaian/{assessment.id}/indikator/I14").get_data(as_text=True)
    assert re.search(rf'data-testid="graded-value" id="graded-value">\s*{re.escape(shown)}\s*<', page)
    assert re.search(rf"<strong>[^<]*</strong><br>\s*{re.escape(shown)}\s*</div>", page)  # the claimed value

    overview = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    row = re.search(r'<tr data-indicator="I14".*?</tr>', overview, re.S)
    assert row is not None
    assert f'<td class="num">{shown}' in row.group(0)
    assert wrong not in row.group(0)


def test_a_source_value_out_of_range_is_refused_in_the_users_words(client: FlaskClient, pemdi_world: World) -> None:
    assessment = pemdi_world.assessment
    answer = _answer(assessment, "I5")
    login(client, pemdi_world.pengisi.email)
    data = {"version": str(answer.version), "source_value": "250", "fakta": "", "analisis": ""}

    preview = client.post(f"/penilaian/{assessment.id}/indikator/I5/nilai", data=data)
    assert preview.status_code == 400
    assert preview.get_json()["error"] == (
        "Nilai Indeks Satu Data Indonesia (SDI), Bappenas harus di antara 0,00 dan 100,00."
    )

    page = client.post(f"/penilaian/{assessment.id}/indikator/I5", data=data)
    assert page.status_code == 400
    assert "harus di antara 0,00 dan 100,00" in page.get_data(as_text=True)
    assert "I5: nilai" not in page.get_data(as_text=True)  # not the engine's own message

    not_a_number = client.post(
        f"/penilaian/{assessment.id}/indikator/I5/nilai", data={**data, "source_value": "enam puluh"}
    )
    assert not_a_number.status_code == 400
    assert not_a_number.get_json()["error"] == "Nilai indeks sumber harus berupa angka, mis. 68,75."


def test_a_saved_source_value_is_shown_with_the_pages_decimal_mark(
    client: FlaskClient, pemdi_world: World, db: Any
) -> None:
    assessment = pemdi_world.assessment
    answer = _answer(assessment, "I5")
    login(client, pemdi_world.pengisi.email)
    data = {"version": str(answer.version), "source_value": "68.755", "fakta": "", "analisis": ""}
    assert client.post(f"/penilaian/{assessment.id}/indikator/I5", data=data).status_code == 302
    page = client.get(f"/penilaian/{assessment.id}/indikator/I5").get_data(as_text=True)
    assert 'value="68,755"' in page
    _set_language(client, "en")
    page = client.get(f"/penilaian/{assessment.id}/indikator/I5").get_data(as_text=True)
    assert 'value="68.755"' in page


def test_the_admin_link_is_shown_to_admins_only(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    admin = create_member(instansi, RoleName.ADMIN)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    db.session.commit()
    admin_link = 'href="/admin/"'
    login(client, admin.email)
    assert admin_link in client.get("/penilaian/").get_data(as_text=True)
    client.post("/logout")
    login(client, koordinator.email)
    assert admin_link not in client.get("/penilaian/").get_data(as_text=True)


def test_the_overview_names_the_users_roles_in_their_language(client: FlaskClient, pemdi_world: World) -> None:
    assessment = pemdi_world.assessment
    login(client, pemdi_world.pengisi.email)
    page = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    assert re.search(r"peran Anda\s*:\s*Pengisi\b", page)


def test_a_level_instrument_has_no_live_preview(client: FlaskClient, db: Any) -> None:
    assessment = create_assessment()
    koordinator = create_member(assessment.instansi, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, koordinator.email)
    data = {"version": str(_answer(assessment, "I1").version), "fakta": "", "analisis": ""}
    assert client.post(f"/penilaian/{assessment.id}/indikator/I1/nilai", data=data).status_code == 404


def test_item_marks_are_read_by_the_form(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    """Only the items that were on the page change; a note loses control characters and is cut at 2,000."""
    assessment = pemdi_world.assessment
    answer = _answer(assessment, "I14")
    login(client, pemdi_world.pengisi.email)
    data = _i14_form(answer)
    ids = {item.code: item.id for item in answer.indicator.items}
    data[f"item-{ids['I14-L1-01']}-note"] = "SK\x00 " + "x" * 2100
    del data[f"item-{ids['I14-L1-02']}-present"]
    data[f"item-{ids['I14-L1-02']}-fulfilled"] = "1"  # not on the page: ignored
    assert client.post(f"/penilaian/{assessment.id}/indikator/I14", data=data).status_code == 302
    db.session.refresh(answer)
    marks = {m.item.code: m for m in answer.items}
    assert marks["I14-L1-01"].fulfilled
    assert marks["I14-L1-01"].note == ("SK " + "x" * 2100)[:2000]
    assert "I14-L1-02" not in marks
    assert not marks["I14-L1-03"].fulfilled


def test_items_of_another_indicator_are_not_assigned(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    assessment = pemdi_world.assessment
    other = create_unit(assessment.instansi, "Badan Kepegawaian", "BKPSDM")
    koordinator = create_member(assessment.instansi, RoleName.KOORDINATOR)
    db.session.commit()
    foreign = next(item.id for item in _answer(assessment, "I14").indicator.items if item.kind != "note")
    login(client, koordinator.email)
    url = f"/penilaian/{assessment.id}/indikator/I3/butir/tugaskan"
    response = client.post(url, data={"item_ids": [foreign], "unit_id": other.id}, follow_redirects=True)
    assert "Pilih paling sedikit satu butir." in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(mark.assignee_unit_id != other.id for mark in _answer(assessment, "I14").items)
    assert not _answer(assessment, "I3").items


def test_only_a_document_of_the_assessments_library_is_linked(client: FlaskClient, db: Any) -> None:
    assessment = create_assessment()
    other = create_assessment(create_instansi())
    koordinator = create_member(assessment.instansi, RoleName.KOORDINATOR)
    other_koordinator = create_member(other.instansi, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, other_koordinator.email)
    _status, foreign = upload(client, other.id, "lain.jpg", jpeg_bytes())
    client.post("/logout")
    login(client, koordinator.email)
    _status, own = upload(client, assessment.id, "sendiri.jpg", jpeg_bytes(color=(200, 10, 10)))
    url = f"/penilaian/{assessment.id}/indikator/I1/tautan"

    refused = client.post(url, data={"evidence_id": foreign["id"], "level": "2"}, follow_redirects=True)
    assert "Dokumen tidak ditemukan di pustaka penilaian ini." in refused.get_data(as_text=True)
    too_long = client.post(url, data={"evidence_id": own["id"], "level": "2", "note": "x" * 501}, follow_redirects=True)
    assert "Paling banyak 500 karakter." in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert not _answer(assessment, "I1").links

    assert client.post(url, data={"evidence_id": own["id"], "level": "2", "note": "hal. 3"}).status_code == 302
    db.session.expire_all()
    links = _answer(assessment, "I1").links
    assert [(link.evidence_id, link.level, link.note) for link in links] == [(own["id"], 2, "hal. 3")]


def test_the_instrument_choice_names_a_provisional_version(client: FlaskClient, db: Any) -> None:
    from tests.factories import instrument

    instansi = create_instansi()
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    pemdi = instrument("pemdi-2026")
    db.session.commit()
    login(client, koordinator.email)
    page = client.get("/penilaian/baru").get_data(as_text=True)
    assert pemdi.provisional
    option = rf'<option[^>]* value="{pemdi.id}"[^>]*>{re.escape(pemdi.title)} — v{pemdi.version} \(sementara\)</option>'
    assert re.search(option, page), option
