"""The minimal web face: login, the list of visible assessments, one assessment with its live index."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess.instruments import load_instrument
from assess.models import RoleName
from assess.scoring import score
from assess.services.assessments import set_claimed_value
from tests.factories import create_assessment, create_instansi, create_member, create_unit
from tests.functional.helpers import count_queries, login


def test_login_page_is_indonesian(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Masuk ke Mandiri" in page
    assert "Kata sandi" in page


def test_pages_need_login(client: FlaskClient) -> None:
    response = client.get("/penilaian/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused(client: FlaskClient, db: Any) -> None:
    user = create_member(create_instansi(), RoleName.PENGISI)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "salah-sekali"})
    assert response.status_code == 200
    assert "Surel atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/penilaian/").status_code == 302


def test_list_shows_only_own_instansi(client: FlaskClient, db: Any) -> None:
    mine = create_assessment(create_instansi("Pemerintah Kota Milik Saya"))
    create_assessment(create_instansi("Pemerintah Kabupaten Tetangga"))
    user = create_member(mine.instansi, RoleName.PEMBACA)
    db.session.commit()
    assert login(client, user.email).status_code == 302
    page = client.get("/penilaian/").get_data(as_text=True)
    assert "Pemerintah Kota Milik Saya" in page
    assert "Pemerintah Kabupaten Tetangga" not in page


def test_empty_state(client: FlaskClient, db: Any) -> None:
    user = create_member(create_instansi(), RoleName.PENGISI)
    db.session.commit()
    login(client, user.email)
    assert "Belum ada penilaian yang dapat Anda lihat." in client.get("/penilaian/").get_data(as_text=True)


def test_other_instansi_assessment_answers_404(client: FlaskClient, db: Any) -> None:
    other = create_assessment()
    user = create_member(create_instansi(), RoleName.KOORDINATOR)
    db.session.commit()
    login(client, user.email)
    assert client.get(f"/penilaian/{other.id}").status_code == 404
    assert client.get("/penilaian/999999").status_code == 404


def _fill(assessment: Any, values: dict[str, int]) -> None:
    for answer in assessment.answers:
        if answer.indicator.code in values:
            set_claimed_value(answer, values[answer.indicator.code])


def test_detail_shows_the_engine_index_grouped_by_domain_and_aspect(client: FlaskClient, db: Any) -> None:
    from tests.unit.test_scoring_cases import ACEH_TENGAH_2025

    assessment = create_assessment(year=2025)
    _fill(assessment, ACEH_TENGAH_2025)
    user = create_member(assessment.instansi, RoleName.REVIEWER)
    db.session.commit()
    login(client, user.email)
    page = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    expected = score(load_instrument("spbe-2020"), ACEH_TENGAH_2025)
    assert re.search(r'data-testid="projected-index">\s*2,59\s*<', page)
    assert expected.predikat in page
    for code in ("D1", "D4", "A1", "A8"):
        assert code in page
    positions = [page.index(f'data-indicator="I{n}"') for n in range(1, 48)]
    assert positions == sorted(positions)
    assert "Terdefinisi" in page  # level names beside claimed values


def test_pemdi_assessment_is_marked_provisional(client: FlaskClient, db: Any) -> None:
    assessment = create_assessment(code="pemdi-2026")
    user = create_member(assessment.instansi, RoleName.PEMBACA)
    db.session.commit()
    login(client, user.email)
    page = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    assert "Instrumen sementara." in page
    assert "(1.1)" in page
    assert "(7.2)" in page
    listing = client.get("/penilaian/").get_data(as_text=True)
    assert "sementara" in listing


def test_band_warning_is_shown(client: FlaskClient, db: Any) -> None:
    from tests.unit.test_scoring_cases import _spbe_with_sums

    assessment = create_assessment(year=2024)
    _fill(assessment, _spbe_with_sums(25950))  # exact 2.595: shown 2.60, Cukup on the exact basis
    user = create_member(assessment.instansi, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, user.email)
    page = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    assert 'data-testid="band-warning"' in page
    assert "Cukup" in page


@pytest.mark.parametrize("filled", [0, 47])
def test_detail_query_count_is_constant(client: FlaskClient, db: Any, app: Flask, filled: int) -> None:
    assessment = create_assessment()
    unit = create_unit(assessment.instansi)
    _fill(assessment, {f"I{n}": 3 for n in range(1, filled + 1)})
    for answer in assessment.answers[:filled]:
        answer.assignee_unit = unit
    user = create_member(assessment.instansi, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, user.email)
    client.get(f"/penilaian/{assessment.id}")  # warm caches (instrument parse)
    with count_queries(db) as statements:
        assert client.get(f"/penilaian/{assessment.id}").status_code == 200
    app.config.setdefault("_QUERY_COUNTS", {})[filled] = len(statements)
    assert len(statements) <= 8, statements
    counts = app.config["_QUERY_COUNTS"]
    if len(counts) == 2:
        assert counts[0] == counts[47]


def test_language_switch_to_english(client: FlaskClient, db: Any) -> None:
    user = create_member(create_instansi(), RoleName.PEMBACA)
    db.session.commit()
    login(client, user.email)
    response = client.post("/bahasa", data={"lang": "en", "next": "/penilaian/"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/penilaian/")
    page = client.get("/penilaian/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Assessments" in page
    # never an open redirect
    assert client.post("/bahasa", data={"lang": "id", "next": "//evil.example"}).headers["Location"] == "/"


def test_security_headers_and_health(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.json is not None
    assert response.json["status"] == "ok"
    assert response.json["disk"] in ("ok", "low")
    assert set(response.json["free_mb"]) == {"storage", "staging"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
