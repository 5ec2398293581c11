"""Issue 16, the pengisi's path: a file uploaded from the indicator page goes into the library and is linked there in
one step; "Mendukung level" starts at the claimed level; a save comes back to the block it was made from, can mark
the answer ready or go on to the next indicator assigned to the user; "/" leads to the user's landing page; "Tugas
saya" tells personal work from the unit's."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.models import AnswerEvidence, AnswerState, Evidence, RoleName
from tests.factories import PASSWORD, create_assessment, create_member, create_unit
from tests.functional.helpers import jpeg_bytes, login, pdf_bytes, upload
from tests.worlds import BAPPEDA, DISKOMINFO, World, build_world

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(db: Any) -> World:
    """Diskominfo (the pengisi's unit) answers I1, I2, I3, I5 and I29; Bappeda every other indicator."""
    built = build_world(units=(DISKOMINFO, BAPPEDA))
    for answer in built.assessment.answers:
        if answer.indicator.code not in ("I1", "I2", "I3", "I5", "I29"):
            answer.assignee_unit = built.units["Bappeda"]
    db.session.commit()
    return built


def _post_file(
    client: FlaskClient,
    world: World,
    code: str,
    name: str,
    data: bytes,
    *,
    json: bool = True,
    level: str,
    **fields: str,
) -> Any:
    """As the upload control of a level block sends a file (its fields apart from the answer form's)."""
    return client.post(
        f"/penilaian/{world.assessment.id}/indikator/{code}/unggah",
        data={"files": (io.BytesIO(data), name), "unggah-level": level, **fields},
        headers=JSON if json else {},
        content_type="multipart/form-data",
    )


def _count(db: Any, model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def _save(client: FlaskClient, world: World, code: str, **fields: str) -> Any:
    answer = world.answer(code)
    data = {"version": str(answer.version), "level": "0", "fakta": "", "analisis": "", **fields}
    return client.post(f"/penilaian/{world.assessment.id}/indikator/{code}", data=data)


# --------------------------------------------------------------------------- upload and link in one step


def test_a_file_uploaded_at_a_level_is_in_the_library_and_linked_there(
    client: FlaskClient, world: World, db: Any
) -> None:
    answer = world.answer("I1")
    version = answer.version
    login(client, world.pengisi.email)
    page = client.get(f"/penilaian/{world.assessment.id}/indikator/I1").get_data(as_text=True)
    for level in range(1, 6):
        assert f'data-testid="upload-level-{level}"' in page
        assert f'id="upload-level-{level}"' in page
    response = _post_file(client, world, "I1", "Perwali 12 Tahun 2024.pdf", pdf_bytes(), level="3")
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["results"][0]
    assert result["ok"]
    assert result["title"] == "Perwali 12 Tahun 2024"
    assert result["supports"] == "Level 3"
    assert not result["existing"]
    db.session.refresh(answer)
    [link] = answer.links
    assert (link.evidence.title, link.level, link.item_id) == ("Perwali 12 Tahun 2024", 3, None)
    assert link.evidence.owner_unit_id == world.unit.id  # the answer's unit, which is the pengisi's
    assert answer.version == version  # the unsaved form on the page can still be saved
    assert _save(client, world, "I1", level="3", fakta="f", analisis="a").status_code == 302


def test_without_javascript_the_upload_comes_back_to_its_block(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    response = _post_file(
        client, world, "I1", "Notulen rapat.pdf", pdf_bytes(), json=False, level="2", tempat="level-2"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/indikator/I1#level-2")
    assert "Diunggah dan ditautkan: Notulen rapat" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert [(lk.evidence.title, lk.level) for lk in world.answer("I1").links] == [("Notulen rapat", 2)]


@pytest.mark.parametrize(("name", "code"), [("skrip.exe", "bad_extension"), ("besar.pdf", "too_large")])
def test_a_refused_file_says_why_and_leaves_nothing(
    client: FlaskClient, world: World, db: Any, app: Any, monkeypatch: pytest.MonkeyPatch, name: str, code: str
) -> None:
    policy = app.extensions["upload_policy"]
    monkeypatch.setitem(app.extensions, "upload_policy", replace(policy, max_bytes=4096))
    data = pdf_bytes(1, "x") + b"%" * 8192 if code == "too_large" else b"MZ\x90\x00" * 100
    login(client, world.pengisi.email)
    evidence, links = _count(db, Evidence), _count(db, AnswerEvidence)
    response = _post_file(client, world, "I1", name, data, level="3")
    assert response.status_code == 400
    result = response.get_json()["results"][0]
    assert (result["ok"], result["code"]) == (False, code)
    assert result["message"]
    assert "Error" not in result["message"]
    assert (_count(db, Evidence), _count(db, AnswerEvidence)) == (evidence, links)
    without_js = _post_file(client, world, "I1", name, data, json=False, level="3", tempat="level-3")
    assert without_js.headers["Location"].endswith("/indikator/I1#level-3")
    assert result["message"] in client.get(without_js.headers["Location"]).get_data(as_text=True)


def test_a_level_not_of_the_indicator_is_refused(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    response = _post_file(client, world, "I1", "Perwali.pdf", pdf_bytes(), level="9")
    assert response.status_code == 400
    assert response.get_json()["results"][0]["code"] == "invalid"
    assert _count(db, Evidence) == 0


def test_the_same_file_again_links_the_document_already_in_the_library(
    client: FlaskClient, world: World, db: Any
) -> None:
    data = pdf_bytes(1, "SK")
    login(client, world.pengisi.email)
    status, first = upload(client, world.assessment.id, "SK Tim SPBE.pdf", data)
    assert status == 200
    assert first["ok"]
    response = _post_file(client, world, "I2", "salinan SK.pdf", data, level="2")
    assert response.status_code == 200
    result = response.get_json()["results"][0]
    assert (result["id"], result["existing"]) == (first["id"], True)
    assert [(lk.evidence_id, lk.level) for lk in world.answer("I2").links] == [(first["id"], 2)]
    assert _count(db, Evidence) == 1
    again = _post_file(client, world, "I2", "salinan SK.pdf", data, level="2")
    assert again.status_code == 400
    assert "sudah ditautkan" in again.get_json()["results"][0]["message"]


def test_only_the_answers_editors_upload_from_its_page(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.reviewer.email)
    assert _post_file(client, world, "I1", "a.pdf", pdf_bytes(), level="1").status_code == 403
    client.post("/logout")
    login(client, world.pengisi.email)
    assert 'data-testid="upload-level-1"' not in client.get(f"/penilaian/{world.assessment.id}/indikator/I4").get_data(
        as_text=True
    )
    assert _post_file(client, world, "I4", "a.pdf", pdf_bytes(), level="1").status_code == 403  # Bappeda's
    assert _count(db, Evidence) == 0


def test_a_file_uploaded_at_a_pemdi_butir_is_linked_to_it(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    answer = pemdi_world.answer("I13")
    item = next(i for i in answer.indicator.items if i.code == "I13-L1-02")
    login(client, pemdi_world.pengisi.email)
    page = client.get(f"/penilaian/{pemdi_world.assessment.id}/indikator/I13").get_data(as_text=True)
    assert f'data-testid="upload-butir-{item.id}"' in page
    response = client.post(
        f"/penilaian/{pemdi_world.assessment.id}/indikator/I13/unggah",
        data={"files": (io.BytesIO(jpeg_bytes()), "Tangkapan layar.jpg"), "unggah-item_id": str(item.id)},
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"][0]["supports"] == "I13-L1-02"
    db.session.refresh(answer)
    assert [(lk.item_id, lk.level) for lk in answer.links] == [(item.id, item.level)]


def test_a_butir_of_another_unit_cannot_be_uploaded_to(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    assessment = pemdi_world.assessment
    other = create_unit(assessment.instansi, "Badan Kepegawaian", "BKPSDM")
    staff = create_member(assessment.instansi, RoleName.PENGISI, units=(other,))
    answer = pemdi_world.answer("I3")
    answer.assignee_unit = None
    db.session.commit()
    items = {i.code: i.id for i in answer.indicator.items}
    login(client, pemdi_world.koordinator.email)
    for code, unit in (("I3-L1-01", other), ("I3-L1-02", pemdi_world.unit)):
        client.post(
            f"/penilaian/{assessment.id}/indikator/I3/butir/tugaskan",
            data={"item_ids": [items[code]], "unit_id": unit.id},
        )
    client.post("/logout")
    login(client, staff.email)
    page = client.get(f"/penilaian/{assessment.id}/indikator/I3").get_data(as_text=True)
    assert f'data-testid="upload-butir-{items["I3-L1-01"]}"' in page
    assert f'data-testid="upload-butir-{items["I3-L1-02"]}"' not in page

    def post(code: str) -> int:
        return client.post(
            f"/penilaian/{assessment.id}/indikator/I3/unggah",
            data={"files": (io.BytesIO(pdf_bytes(1, code)), f"{code}.pdf"), "unggah-item_id": str(items[code])},
            headers=JSON,
            content_type="multipart/form-data",
        ).status_code

    assert post("I3-L1-02") == 403
    assert post("I3-L1-01") == 200
    assert [lk.item_id for lk in pemdi_world.answer("I3").links] == [items["I3-L1-01"]]


# --------------------------------------------------------------------------- the claimed level by default


def test_mendukung_level_starts_at_the_claimed_level(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    upload(client, world.assessment.id, "Perwali.pdf", pdf_bytes())
    _save(client, world, "I1", level="4", fakta="f", analisis="a")
    page = client.get(f"/penilaian/{world.assessment.id}/indikator/I1").get_data(as_text=True)
    link_form = page[page.index('class="form link-form"') :]
    level_select = link_form[link_form.index('name="level"') :]
    level_select = level_select[: level_select.index("</select>")]
    selected = re.findall(r'<option[^>]*\bselected\b[^>]*value="(\d)"', level_select)
    assert selected == ["4"], level_select


# --------------------------------------------------------------------------- saves keep the user's place


@pytest.mark.parametrize(
    ("place", "fragment"),
    [("penjelasan", "#penjelasan"), ("level-3", "#level-3"), ("", "#answer-form"), ("<x>", "#answer-form")],
)
def test_a_save_comes_back_to_the_block_it_was_made_from(
    client: FlaskClient, world: World, place: str, fragment: str
) -> None:
    login(client, world.pengisi.email)
    response = _save(client, world, "I1", level="3", fakta="f", analisis="a", tempat=place)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/penilaian/{world.assessment.id}/indikator/I1{fragment}"


def test_linking_and_unlinking_come_back_to_the_documents(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    _status, doc = upload(client, world.assessment.id, "Perwali.pdf", pdf_bytes())
    base = f"/penilaian/{world.assessment.id}/indikator/I1"
    linked = client.post(f"{base}/tautan", data={"evidence_id": doc["id"], "level": "3"})
    assert linked.headers["Location"] == f"{base}#data-dukung"
    link_id = world.answer("I1").links[0].id
    assert client.post(f"{base}/tautan/{link_id}/lepas").headers["Location"] == f"{base}#data-dukung"


# --------------------------------------------------------------------------- save, then ready / next


def test_siap_direviu_saves_and_submits_in_one_step(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    _post_file(client, world, "I1", "Perwali.pdf", pdf_bytes(), level="3")
    response = _save(client, world, "I1", level="3", fakta="Perwali 12/2024", analisis="Kriteria L3", lanjut="ajukan")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/penilaian/{world.assessment.id}/indikator/I1"
    answer = world.answer("I1")
    db.session.refresh(answer)
    assert (answer.state, answer.fakta, int(answer.claimed_value or 0)) == (
        AnswerState.SIAP_DIREVIU,
        "Perwali 12/2024",
        3,
    )
    assert "Jawaban diajukan untuk direviu." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_a_blocked_siap_direviu_still_saves_the_text_and_says_why(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    response = _save(client, world, "I1", level="0", fakta="teks yang diketik", analisis="", lanjut="ajukan")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/indikator/I1#ajukan")
    answer = world.answer("I1")
    db.session.refresh(answer)
    assert (answer.state, answer.fakta) == (AnswerState.DRAF, "teks yang diketik")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jawaban belum dapat diajukan untuk direviu." in page
    assert "flash-error" in page


def _state(world: World, db: Any, code: str, state: AnswerState) -> None:
    world.answer(code).state = state
    db.session.commit()


def test_next_assigned_skips_others_work_and_answers_out_of_the_users_hands(
    client: FlaskClient, world: World, db: Any
) -> None:
    _state(world, db, "I2", AnswerState.DISETUJUI)
    _state(world, db, "I3", AnswerState.SIAP_DIREVIU)
    login(client, world.pengisi.email)
    base = f"/penilaian/{world.assessment.id}/indikator"

    def next_link(code: str) -> str | None:
        page = client.get(f"{base}/{code}").get_data(as_text=True)
        found = re.search(r'href="[^"]*/indikator/(\w+)" data-testid="next-assigned"', page)
        return found.group(1) if found else None

    assert next_link("I1") == "I5"  # I2 approved, I3 waiting for its reviewer, I4 Bappeda's
    assert next_link("I5") == "I29"
    assert next_link("I29") == "I1"  # round to the first
    response = _save(client, world, "I1", level="2", fakta="f", analisis="a", lanjut="berikutnya")
    assert response.headers["Location"] == f"{base}/I5"
    assert world.answer("I1").fakta == "f"


def test_with_nothing_else_assigned_there_is_no_next(client: FlaskClient, world: World, db: Any) -> None:
    for code in ("I2", "I3", "I5", "I29"):
        world.answer(code).state = AnswerState.DISETUJUI
    db.session.commit()
    login(client, world.pengisi.email)
    page = client.get(f"/penilaian/{world.assessment.id}/indikator/I1").get_data(as_text=True)
    assert 'data-testid="next-assigned"' not in page
    assert 'data-testid="save-next"' not in page
    response = _save(client, world, "I1", level="2", lanjut="berikutnya", tempat="level-2")
    assert response.headers["Location"].endswith("/indikator/I1#level-2")


def test_the_sticky_bar_shows_the_value_save_and_ready(client: FlaskClient, world: World) -> None:
    login(client, world.pengisi.email)
    _save(client, world, "I1", level="3", fakta="f", analisis="a")
    page = client.get(f"/penilaian/{world.assessment.id}/indikator/I1").get_data(as_text=True)
    bar = page[page.index('class="answer-bar"') :]
    bar = bar[: bar.index("</div>")]
    assert "3 · Terdefinisi" in bar
    for testid in ("save-answer", "bar-submit", "save-next", "next-assigned"):
        assert f'data-testid="{testid}"' in bar
    assert 'form="answer-form"' in bar
    assert "Jawaban disimpan." in bar  # what the save said, where the user is


# --------------------------------------------------------------------------- landing and "Tugas saya"


@pytest.mark.parametrize(("role", "where"), [("pengisi", "/saya/"), ("reviewer", "/saya/"), ("koordinator", None)])
def test_the_home_page_is_the_users_landing_page(
    client: FlaskClient, world: World, role: str, where: str | None
) -> None:
    login(client, world.member(role).email)
    home = client.get("/")
    assert home.status_code == 302
    landed = client.get(home.headers["Location"]).headers["Location"]
    assert landed == (where or f"/penilaian/{world.assessment.id}")


def test_signing_in_from_the_home_page_lands_on_tugas_saya(client: FlaskClient, world: World) -> None:
    """Before: "/" sent everyone to the assessment list, and the sign-in it asked for came back there."""
    to_landing = client.get("/").headers["Location"]
    to_login = client.get(to_landing).headers["Location"]
    assert "/login" in to_login
    signed = client.post(to_login, data={"email": world.pengisi.email, "password": PASSWORD})
    assert signed.status_code == 302
    assert client.get(signed.headers["Location"]).headers["Location"] == "/saya/"


def test_tugas_saya_tells_personal_work_from_the_units(client: FlaskClient, world: World, db: Any) -> None:
    colleague = create_member(world.instansi, RoleName.PENGISI, units=(world.unit,))
    world.answer("I2").assignee_user = world.pengisi
    world.answer("I3").assignee_user = colleague
    db.session.commit()
    login(client, world.pengisi.email)
    page = client.get("/saya/").get_data(as_text=True)
    mine = page[page.index('data-testid="section-assigned"') : page.index('id="unit-saya"')]
    unit = page[page.index('data-testid="section-unit"') : page.index('id="direviu"')]
    assert "/indikator/I2" in mine
    assert "/indikator/I1" not in mine
    for code in ("I1", "I3", "I5", "I29"):
        assert f'/indikator/{code}"' in unit
    assert '/indikator/I2"' not in unit
    assert 'data-testid="count-assigned">1<' in page
    assert 'data-testid="count-unit">4<' in page


def test_tugas_saya_names_a_single_assessment_once(client: FlaskClient, world: World, db: Any) -> None:
    """Work of one assessment names it above its table, not on every row (on a phone the repeated name made each
    row five lines tall); work of two assessments names each row's."""
    login(client, world.pengisi.email)
    page = client.get("/saya/").get_data(as_text=True)
    unit = page[page.index('data-testid="section-unit"') : page.index('id="direviu"')]
    above = page[page.index('id="unit-saya"') : page.index('data-testid="section-unit"')]
    assert world.assessment.display_name in above
    assert world.assessment.display_name not in unit
    assert ">Penilaian<" not in unit

    other = create_assessment(world.instansi, year=world.assessment.year - 1)
    other.answers[0].assignee_unit = world.unit
    db.session.commit()
    page = client.get("/saya/").get_data(as_text=True)
    unit = page[page.index('data-testid="section-unit"') : page.index('id="direviu"')]
    assert ">Penilaian<" in unit
    assert unit.count(world.assessment.display_name) == unit.count('data-testid="work-row"') - 1
    assert other.display_name in unit
