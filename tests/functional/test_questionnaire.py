"""Answering: saving with versions, the conflict page, review checks, assignment, Pemdi items, query counts."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from assess.models import Answer, AnswerState, Evidence, RoleName
from tests.factories import create_instansi, create_member, create_unit
from tests.functional.helpers import count_queries, jpeg_bytes, login, pdf_bytes, upload
from tests.worlds import BAPPEDA, DISKOMINFO, World, build_world


def _answer(assessment: Any, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


@pytest.fixture
def world(db: Any) -> World:
    """Two units: Diskominfo (the pengisi's) answers I1, I2 and I29, Bappeda every other indicator."""
    built = build_world(units=(DISKOMINFO, BAPPEDA))
    for answer in built.assessment.answers:
        if answer.indicator.code not in ("I1", "I2", "I29"):
            answer.assignee_unit = built.units["Bappeda"]
    db.session.commit()
    return built


def _save(client: FlaskClient, assessment_id: int, code: str, version: int, **fields: Any) -> Any:
    data = {"version": str(version), "level": "0", "fakta": "", "analisis": "", **fields}
    return client.post(f"/penilaian/{assessment_id}/indikator/{code}", data=data)


def test_answer_page_shows_level_cards_and_hints(client: FlaskClient, world: World) -> None:
    login(client, world.pengisi.email)
    page = client.get(f"/penilaian/{world.assessment.id}/indikator/I1").get_data(as_text=True)
    for name in ("Rintisan", "Terkelola", "Terdefinisi", "Terpadu dan Terukur", "Optimum"):
        assert name in page
    assert "Bukti yang diharapkan" in page
    assert 'id="fakta-hint"' in page
    assert 'id="analisis-hint"' in page
    assert 'data-testid="save-answer"' in page


def test_save_answer_updates_value_state_and_projection(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    login(client, world.pengisi.email)
    answer = _answer(assessment, "I1")
    response = _save(
        client,
        assessment.id,
        "I1",
        answer.version,
        level="3",
        fakta="Perwali 12/2024 pasal 3",
        analisis="Memenuhi kriteria level 3",
    )
    assert response.status_code == 302
    db.session.refresh(answer)
    assert answer.claimed_value == Decimal(3)
    assert answer.state == AnswerState.DRAF
    assert answer.fakta == "Perwali 12/2024 pasal 3"
    overview = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    assert re.search(r'data-testid="projected-index">\s*0,04\s*<', overview)  # 1.3 × 3 / 100 = 0.039


def test_bad_level_keeps_the_text(client: FlaskClient, world: World) -> None:
    assessment = world.assessment
    login(client, world.pengisi.email)
    answer = _answer(assessment, "I1")
    response = _save(client, assessment.id, "I1", answer.version, level="9", fakta="teks panjang saya")
    assert response.status_code == 400
    assert "teks panjang saya" in response.get_data(as_text=True)


def test_conflict_page_keeps_both_texts(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I1")
    stale_version = answer.version
    login(client, world.koordinator.email)
    assert (
        _save(
            client, assessment.id, "I1", stale_version, level="2", fakta="versi koordinator", analisis="a"
        ).status_code
        == 302
    )
    client.post("/logout")
    login(client, world.pengisi.email)
    response = _save(
        client, assessment.id, "I1", stale_version, level="3", fakta="teks pengisi yang panjang", analisis="b"
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "versi koordinator" in page
    assert "teks pengisi yang panjang" in page
    db.session.refresh(answer)
    assert answer.fakta == "versi koordinator"
    new_version = re.search(r'name="version" value="(\d+)"', page)
    assert new_version is not None
    assert int(new_version.group(1)) == answer.version
    # saving again from the conflict page, on top of the newest version, works
    again = _save(client, assessment.id, "I1", answer.version, level="3", fakta="gabungan", analisis="b")
    assert again.status_code == 302
    db.session.refresh(answer)
    assert answer.fakta == "gabungan"


def test_conflict_page_names_the_same_user_in_another_tab(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    stale_version = _answer(assessment, "I1").version
    login(client, world.pengisi.email)
    first = _save(client, assessment.id, "I1", stale_version, level="2", fakta="dari tab pertama", analisis="a")
    assert first.status_code == 302
    response = _save(client, assessment.id, "I1", stale_version, level="3", fakta="dari tab kedua", analisis="b")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "oleh Anda di tab/jendela lain" in page
    assert "orang lain" not in page


def test_conflict_page_says_someone_else_for_another_user(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    stale_version = _answer(assessment, "I1").version
    login(client, world.koordinator.email)
    assert _save(client, assessment.id, "I1", stale_version, level="2", fakta="x", analisis="a").status_code == 302
    client.post("/logout")
    login(client, world.pengisi.email)
    page = _save(client, assessment.id, "I1", stale_version, level="3", fakta="y", analisis="b").get_data(as_text=True)
    assert "disimpan oleh orang lain" in page
    assert "oleh Anda" not in page


def test_pengisi_edits_only_their_units_answers(client: FlaskClient, world: World) -> None:
    assessment = world.assessment
    login(client, world.pengisi.email)
    other = _answer(assessment, "I11")  # assigned to Bappeda
    assert _save(client, assessment.id, "I11", other.version, level="2").status_code == 403
    page = client.get(f"/penilaian/{assessment.id}/indikator/I11").get_data(as_text=True)
    assert "tidak mengubahnya" in page
    assert 'data-testid="save-answer"' not in page


def test_submit_is_blocked_without_evidence_then_allowed(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I1")
    login(client, world.pengisi.email)
    _save(client, assessment.id, "I1", answer.version, level="3", fakta="", analisis="")
    db.session.refresh(answer)
    blocked = client.post(
        f"/penilaian/{assessment.id}/indikator/I1/ajukan", data={"version": answer.version}, follow_redirects=True
    )
    text = blocked.get_data(as_text=True)
    assert "tanpa data dukung" in text
    assert "FAKTA dan ANALISIS masih kosong" in text
    db.session.refresh(answer)
    assert answer.state == AnswerState.DRAF

    _save(client, assessment.id, "I1", answer.version, level="3", fakta="Perwali", analisis="Kriteria L3")
    status, result = upload(client, assessment.id, "Perwali 12 Tahun 2024.pdf", pdf_bytes())
    assert status == 200, result
    assert result["ok"], result
    evidence_id = result["id"]
    linked = client.post(
        f"/penilaian/{assessment.id}/indikator/I1/tautan",
        data={"evidence_id": evidence_id, "level": "3", "note": "hal. 4"},
    )
    assert linked.status_code == 302
    db.session.refresh(answer)
    done = client.post(
        f"/penilaian/{assessment.id}/indikator/I1/ajukan", data={"version": answer.version}, follow_redirects=True
    )
    assert "diajukan untuk direviu" in done.get_data(as_text=True)
    db.session.refresh(answer)
    assert answer.state == AnswerState.SIAP_DIREVIU
    # now locked for editing, and can be pulled back
    assert _save(client, assessment.id, "I1", answer.version, level="2").status_code == 403
    back = client.post(f"/penilaian/{assessment.id}/indikator/I1/tarik", data={"version": answer.version})
    assert back.status_code == 302
    db.session.refresh(answer)
    assert answer.state == AnswerState.DRAF


def test_stale_review_document_warns(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I29")  # audit: levels 3+ need documents younger than two years
    login(client, world.pengisi.email)
    _save(client, assessment.id, "I29", answer.version, level="3", fakta="Laporan audit", analisis="L3")
    _status, result = upload(client, assessment.id, "Laporan Audit 2021.pdf", pdf_bytes(text="audit"))
    evidence = db.session.get(Evidence, result["id"])
    evidence.doc_date = date(2021, 3, 1)
    db.session.commit()
    client.post(f"/penilaian/{assessment.id}/indikator/I29/tautan", data={"evidence_id": evidence.id, "level": "3"})
    db.session.refresh(answer)
    response = client.post(
        f"/penilaian/{assessment.id}/indikator/I29/ajukan", data={"version": answer.version}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "kurang dari 2 tahun" in text
    assert "Laporan Audit 2021" in text
    db.session.refresh(answer)
    assert answer.state == AnswerState.SIAP_DIREVIU  # a warning, not a block, for SPBE


def test_bulk_assignment_and_filters(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    login(client, world.koordinator.email)
    ids = [a.id for a in assessment.answers if a.indicator.code in ("I3", "I4", "I5")]
    response = client.post(
        f"/penilaian/{assessment.id}/tugaskan",
        data={"unit_id": world.units['Diskominfo'].id, "user_id": "0", "answer_ids": ids},
    )
    assert response.status_code == 302
    for answer_id in ids:
        assert db.session.get(Answer, answer_id).assignee_unit_id == world.units['Diskominfo'].id
    client.post("/logout")
    login(client, world.pengisi.email)
    page = client.get(f"/penilaian/{assessment.id}?mine=1").get_data(as_text=True)
    shown = set(re.findall(r'data-indicator="(I\d+)"', page))
    assert shown == {"I1", "I2", "I3", "I4", "I5", "I29"}
    by_state = client.get(f"/penilaian/{assessment.id}?state=disetujui").get_data(as_text=True)
    assert "Tidak ada indikator yang cocok" in by_state
    # a pengisi cannot assign
    assert (
        client.post(
            f"/penilaian/{assessment.id}/tugaskan", data={"unit_id": world.units['Bappeda'].id, "answer_ids": ids}
        ).status_code
        == 403
    )


def test_assigning_to_a_unit_of_another_instansi_is_refused(
    client: FlaskClient, world: World, db: Any
) -> None:
    assessment = world.assessment
    foreign = create_unit(create_instansi())
    db.session.commit()
    login(client, world.koordinator.email)
    response = client.post(
        f"/penilaian/{assessment.id}/tugaskan",
        data={"unit_id": foreign.id, "answer_ids": [assessment.answers[0].id]},
        follow_redirects=True,
    )
    assert "tidak dapat disimpan" in response.get_data(as_text=True) or "tidak ditemukan" in response.get_data(
        as_text=True
    )


def test_open_assessment(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.koordinator.email)
    page = client.get("/penilaian/baru").get_data(as_text=True)
    assert "pemdi-2026" in page or "Pemerintah Digital" in page
    from tests.factories import instrument

    pemdi = instrument("pemdi-2026")
    response = client.post(
        "/penilaian/baru", data={"instrument_id": pemdi.id, "year": "2026", "deadline": "2026-12-20"}
    )
    assert response.status_code == 302
    duplicate = client.post("/penilaian/baru", data={"instrument_id": pemdi.id, "year": "2026"})
    assert duplicate.status_code == 200
    assert "sudah ada" in duplicate.get_data(as_text=True)
    client.post("/logout")
    login(client, world.pengisi.email)
    assert client.get("/penilaian/baru").status_code == 404


class _Early2025(date):
    @classmethod
    def today(cls) -> date:
        return date(2025, 3, 1)


def test_open_assessment_offers_pemdi_from_its_first_year(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("forms.assessment.date", _Early2025)
    login(client, world.koordinator.email)
    page = client.get("/penilaian/baru").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>[^<]*</option>", page)
    assert "Pemerintah Digital" in options[0]
    assert 'data-first-year="2026"' in options[0]
    assert re.search(r'<input[^>]*name="year"[^>]*value="2026"', page)
    assert 'data-year-floor="year"' in page


# --------------------------------------------------------------------------- Pemdi


def test_answer_page_shows_the_pemdi_description_and_no_block_for_spbe(
    client: FlaskClient, world: World, pemdi_world: World
) -> None:
    login(client, pemdi_world.pengisi.email)
    page = client.get(f"/penilaian/{pemdi_world.assessment.id}/indikator/I5").get_data(as_text=True)
    start = page.index('data-testid="indicator-description"')
    block = page[start : page.index("</details>", start)]
    assert page.index('class="question"') < start < page.index('id="answer-form"')
    assert "Deskripsi indikator" in block
    assert "sementara" in block
    assert "Indeks Satu Data Indonesia (SDI) hasil evaluasi Bappenas" in block
    client.post("/logout")
    login(client, world.pengisi.email)
    spbe = client.get(f"/penilaian/{world.assessment.id}/indikator/I1").get_data(as_text=True)
    assert 'class="question"' in spbe
    assert "indicator-description" not in spbe
    assert "Deskripsi indikator" not in spbe


def _item_ids(answer: Answer, *codes: str) -> dict[str, int]:
    return {item.code: item.id for item in answer.indicator.items if item.code in codes}


def test_pemdi_items_give_the_graded_value(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    assessment = pemdi_world.assessment
    answer = _answer(assessment, "I13")
    ids = _item_ids(answer, "I13-L1-01", "I13-L1-02", "I13-L1-03")
    login(client, pemdi_world.pengisi.email)
    page = client.get(f"/penilaian/{assessment.id}/indikator/I13").get_data(as_text=True)
    assert "I13-L1-01" in page
    assert "Merintis" in page
    data = {"version": str(answer.version), "fakta": "", "analisis": ""}
    for item_id in ids.values():
        data[f"item-{item_id}-present"] = "1"
        data[f"item-{item_id}-note"] = ""
    data[f"item-{ids['I13-L1-01']}-fulfilled"] = "1"
    data[f"item-{ids['I13-L1-01']}-note"] = "SK pengembangan aplikasi, hal. 2"
    preview = client.post(f"/penilaian/{assessment.id}/indikator/I13/nilai", data=data)
    assert preview.get_json() == {"display": "1,17"}
    assert client.post(f"/penilaian/{assessment.id}/indikator/I13", data=data).status_code == 302
    db.session.refresh(answer)
    assert answer.claimed_value == Decimal("1.1667")
    marks = {m.item.code: m for m in answer.items}
    assert marks["I13-L1-01"].fulfilled
    assert marks["I13-L1-01"].note == "SK pengembangan aplikasi, hal. 2"
    overview = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    assert "1,17" in overview


def test_pemdi_external_indicator_converts(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    assessment = pemdi_world.assessment
    answer = _answer(assessment, "I5")
    login(client, pemdi_world.pengisi.email)
    data = {"version": str(answer.version), "source_value": "68,75", "fakta": "", "analisis": ""}
    assert client.post(f"/penilaian/{assessment.id}/indikator/I5/nilai", data=data).get_json() == {"display": "3,75"}
    assert client.post(f"/penilaian/{assessment.id}/indikator/I5", data=data).status_code == 302
    db.session.refresh(answer)
    assert answer.source_value == Decimal("68.75")
    assert answer.claimed_value == Decimal("3.75")
    bad = client.post(
        f"/penilaian/{assessment.id}/indikator/I5", data={**data, "version": str(answer.version), "source_value": "250"}
    )
    assert bad.status_code == 400
    assert "di antara" in bad.get_data(as_text=True)


# --------------------------------------------------------------------------- queries per page


def _measure(client: FlaskClient, db: Any, assessment_id: int) -> dict[str, int]:
    counts = {}
    for name, url in (
        ("overview", f"/penilaian/{assessment_id}"),
        ("answer", f"/penilaian/{assessment_id}/indikator/I1"),
        ("library", f"/penilaian/{assessment_id}/pustaka/"),
    ):
        client.get(url)  # warm the instrument cache
        with count_queries(db) as statements:
            assert client.get(url).status_code == 200
        counts[name] = len(statements)
    return counts


def _fill(client: FlaskClient, assessment: Any, codes: list[str], docs: range) -> None:
    doc_ids = []
    for i in docs:
        _status, result = upload(client, assessment.id, f"dok{i}.jpg", jpeg_bytes(color=(i * 37 % 255, 10, 10)))
        doc_ids.append(result["id"])
    for code in codes:
        answer = _answer(assessment, code)
        _save(client, assessment.id, code, answer.version, level="2", fakta="f", analisis="a")
        for doc_id in doc_ids:
            client.post(
                f"/penilaian/{assessment.id}/indikator/{code}/tautan", data={"evidence_id": doc_id, "level": "2"}
            )


def test_pages_issue_a_constant_number_of_queries(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    login(client, world.koordinator.email)
    _fill(client, assessment, ["I1"], range(1))
    small = _measure(client, db, assessment.id)
    _fill(client, assessment, [f"I{n}" for n in range(1, 48)], range(1, 7))
    large = _measure(client, db, assessment.id)
    assert small == large, (small, large)
    assert all(c <= 8 for c in large.values()), large  # QUALITY.md B8


def test_pemdi_items_assigned_to_another_unit(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    assessment = pemdi_world.assessment
    other = create_unit(assessment.instansi, "Badan Kepegawaian", "BKPSDM")
    koordinator = create_member(assessment.instansi, RoleName.KOORDINATOR)
    staff = create_member(assessment.instansi, RoleName.PENGISI, units=(other,))
    answer = _answer(assessment, "I3")
    answer.assignee_unit = None
    db.session.commit()
    ids = _item_ids(answer, "I3-L1-01", "I3-L1-02")
    login(client, koordinator.email)
    page = client.get(f"/penilaian/{assessment.id}/indikator/I3").get_data(as_text=True)
    assert "Tugaskan butir" in page
    response = client.post(
        f"/penilaian/{assessment.id}/indikator/I3/butir/tugaskan",
        data={"item_ids": list(ids.values()), "unit_id": other.id},
    )
    assert response.status_code == 302
    client.post("/logout")
    login(client, staff.email)
    data = {"version": str(answer.version), "fakta": "", "analisis": ""}
    for code, item_id in ids.items():
        data[f"item-{item_id}-present"] = "1"
        data[f"item-{item_id}-note"] = f"catatan {code}"
        data[f"item-{item_id}-fulfilled"] = "1"
    assert client.post(f"/penilaian/{assessment.id}/indikator/I3", data=data).status_code == 302
    db.session.refresh(answer)
    assert {m.item.code for m in answer.items if m.fulfilled} == {"I3-L1-01", "I3-L1-02"}
    # the unit's "my work" filter lists the indicator through its items
    mine = client.get(f"/penilaian/{assessment.id}?mine=1").get_data(as_text=True)
    assert 'data-indicator="I3"' in mine


def test_assign_one_indicator_from_its_page(client: FlaskClient, world: World, db: Any) -> None:
    assessment = world.assessment
    answer = _answer(assessment, "I20")
    login(client, world.koordinator.email)
    page = client.get(f"/penilaian/{assessment.id}/indikator/I20").get_data(as_text=True)
    assert "Penanggung jawab indikator" in page
    response = client.post(
        f"/penilaian/{assessment.id}/tugaskan",
        data={
            "unit_id": world.units['Diskominfo'].id,
            "user_id": world.pengisi.id,
            "answer_ids": [answer.id],
            "next": f"/penilaian/{assessment.id}/indikator/I20",
        },
    )
    assert response.headers["Location"].endswith("/indikator/I20")
    db.session.refresh(answer)
    assert (answer.assignee_unit_id, answer.assignee_user_id) == (world.units['Diskominfo'].id, world.pengisi.id)
    # a person who is not in the chosen unit is refused
    refused = client.post(
        f"/penilaian/{assessment.id}/tugaskan",
        data={"unit_id": world.units['Bappeda'].id, "user_id": world.pengisi.id, "answer_ids": [answer.id]},
        follow_redirects=True,
    )
    assert "bukan anggota unit" in refused.get_data(as_text=True)


def test_pemdi_pages_issue_a_constant_number_of_queries(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    assessment = pemdi_world.assessment
    koordinator = create_member(assessment.instansi, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, koordinator.email)
    before = _measure_pemdi(client, db, assessment.id)
    units = [create_unit(assessment.instansi, short_name=f"U{i}") for i in range(4)]
    db.session.commit()
    for answer in assessment.answers:
        items = [item for item in answer.indicator.items if item.kind != "note"]
        for i, item in enumerate(items):
            client.post(
                f"/penilaian/{assessment.id}/indikator/{answer.indicator.code}/butir/tugaskan",
                data={"item_ids": [item.id], "unit_id": units[i % 4].id},
            )
        data = {"version": str(db.session.get(Answer, answer.id).version), "fakta": "f", "analisis": "a"}
        for item in items:
            data.update(
                {f"item-{item.id}-present": "1", f"item-{item.id}-fulfilled": "1", f"item-{item.id}-note": "catatan"}
            )
        client.post(f"/penilaian/{assessment.id}/indikator/{answer.indicator.code}", data=data)
    after = _measure_pemdi(client, db, assessment.id)
    assert before == after, (before, after)


def _measure_pemdi(client: FlaskClient, db: Any, assessment_id: int) -> dict[str, int]:
    counts = {}
    for name, url in (
        ("overview", f"/penilaian/{assessment_id}"),
        ("answer", f"/penilaian/{assessment_id}/indikator/I20"),
    ):
        client.get(url)
        with count_queries(db) as statements:
            assert client.get(url).status_code == 200
        counts[name] = len(statements)
    return counts


def test_pemdi_projection_uses_the_exact_item_values(client: FlaskClient, pemdi_world: World, db: Any) -> None:
    """The projection derives graded values again from the marks: I13 is 7/6, not the stored 1.1667."""
    from fractions import Fraction

    from assess.queries import claimed_values, load_assessment
    from assess.queries.engine import engine_instrument

    assessment = pemdi_world.assessment
    login(client, pemdi_world.pengisi.email)
    answer = _answer(assessment, "I13")
    ids = {item.code: item.id for item in answer.indicator.items}
    data = {"version": str(answer.version), "fakta": "", "analisis": ""}
    for item_code, item_id in ids.items():
        data[f"item-{item_id}-present"] = "1"
        if item_code == "I13-L1-01":
            data[f"item-{item_id}-fulfilled"] = "1"
    assert client.post(f"/penilaian/{assessment.id}/indikator/I13", data=data).status_code == 302
    loaded = load_assessment(assessment.id)
    assert loaded is not None
    values = claimed_values(engine_instrument(loaded.instrument), loaded)
    assert values["I13"] == Fraction(7, 6)
    assert str(_answer(loaded, "I13").claimed_value) == "1.1667"


def test_indicator_page_stays_within_eight_queries_for_every_role(
    client: FlaskClient, world: World, pemdi_world: World, db: Any
) -> None:
    """QUALITY.md B8, the login's own query included; a Pemdi page marks evidence items, a koordinator's page
    carries the assignment form, a reviewer's the canned comments."""
    create_unit(pemdi_world.instansi, "Badan Perencanaan Pembangunan Daerah").short_name = ""  # the full name
    db.session.commit()
    counts: dict[str, int] = {}
    for name, fixture in (("spbe", world), ("pemdi", pemdi_world)):
        url = f"/penilaian/{fixture.assessment.id}/indikator/I1"
        for role in ("koordinator", "reviewer", "pengisi"):
            login(client, fixture.member(role).email)
            client.get(url)  # warm the instrument cache
            with count_queries(db) as statements:
                page = client.get(url)
            assert page.status_code == 200
            counts[f"{name} {role}"] = len(statements)
            if role == "koordinator" and name == "pemdi":
                text = page.get_data(as_text=True)
                assert "Badan Perencanaan Pembangunan Daerah" in text  # unit choices from the one query
                assert f"&lt;{fixture.pengisi.email}&gt;" in text  # and the members
            client.post("/logout")
    assert all(n <= 8 for n in counts.values()), counts
