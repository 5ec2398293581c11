"""The indicator page's document picker (issue 18): the page offers a few documents and a search, never the whole
library; the search endpoint finds the assessment's own live documents by title, number or file name; linking checks
the chosen id with one query."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from assess.models import Answer, AnswerEvidence, Evidence, EvidenceKind
from assess.queries.library import PICKER_LIMIT
from tests.factories import create_assessment
from tests.functional.helpers import count_queries, login, pdf_bytes, upload
from tests.worlds import World, build_world

OPTION = re.compile(r"<option\b")


@pytest.fixture
def world(db: Any) -> World:
    built = build_world()
    db.session.commit()
    return built


def _answer(world: World, code: str = "I1") -> Answer:
    return next(a for a in world.assessment.answers if a.indicator.code == code)


def _page_url(world: World, code: str = "I1") -> str:
    return f"/penilaian/{world.assessment.id}/indikator/{code}"


def _search(client: FlaskClient, world: World, q: str, assessment_id: int | None = None) -> Any:
    return client.get(f"/penilaian/{assessment_id or world.assessment.id}/pustaka/cari", query_string={"q": q})


def _add_links(db: Any, assessment_id: int, count: int, *, start: int = 0, prefix: str = "Dokumen pustaka") -> None:
    """``count`` link documents in one statement, each older than the one before (the first is the newest)."""
    now = datetime.now(UTC)
    db.session.execute(
        insert(Evidence),
        [
            {
                "assessment_id": assessment_id,
                "kind": EvidenceKind.LINK,
                "title": f"{prefix} {n:04d}",
                "number": f"No. {n}/2026",
                "url": f"https://contoh.go.id/{n}",
                "created_at": now - timedelta(minutes=n),
                "updated_at": now - timedelta(minutes=n),
            }
            for n in range(start, start + count)
        ],
    )
    db.session.commit()


def _document(db: Any, world: World, title: str, *, number: str = "", deleted: bool = False, **kw: Any) -> Evidence:
    evidence = Evidence(
        assessment_id=kw.get("assessment_id", world.assessment.id),
        kind=EvidenceKind.LINK,
        title=title,
        number=number or None,
        url="https://contoh.go.id/x",
        deleted_at=datetime.now(UTC) if deleted else None,
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


# --------------------------------------------------------------------------- the page


def test_the_page_stays_the_same_size_with_a_library_of_thousands(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    _add_links(db, world.assessment.id, 10)
    client.get(_page_url(world))  # warm the instrument cache
    with count_queries(db) as small_queries:
        small = client.get(_page_url(world)).get_data(as_text=True)
    _add_links(db, world.assessment.id, 2990, start=10)
    with count_queries(db) as large_queries:
        large = client.get(_page_url(world)).get_data(as_text=True)
    assert len(large_queries) == len(small_queries) <= 8
    assert len(OPTION.findall(large)) <= len(OPTION.findall(small)) + PICKER_LIMIT
    assert len(OPTION.findall(large)) < 60
    assert len(large) <= 1.2 * len(small), (len(small), len(large))
    # the most recent first; an old document is found by the search only
    assert "Dokumen pustaka 0000" in large
    assert "Dokumen pustaka 2999" not in large
    assert 'data-testid="doc-search"' in large


def _choices(page: str) -> str:
    start = page.index('name="evidence_id"')
    return page[start : page.index("</select>", start)]


def test_the_page_offers_documents_not_yet_linked(
    client: FlaskClient, world: World, pemdi_world: World, db: Any
) -> None:
    """A level answer links a document once: a linked one is no longer offered. A graded (Pemdi) answer links one
    per butir: a document linked to one butir stays among the choices."""
    linked = _document(db, world, "Perwali Arsitektur SPBE")
    _document(db, world, "SOP Layanan Aplikasi")
    db.session.add(AnswerEvidence(answer_id=_answer(world).id, evidence_id=linked.id, level=1, note=""))
    db.session.commit()
    login(client, world.pengisi.email)
    page = client.get(_page_url(world)).get_data(as_text=True)
    select_html = page[page.index('name="evidence_id"') : page.index("</select>", page.index('name="evidence_id"'))]
    assert "SOP Layanan Aplikasi" in select_html
    assert "Perwali Arsitektur SPBE" not in select_html  # already linked: in the table, not among the choices
    # the search finds it still (a document may support another level or butir too)
    found = client.get(_page_url(world), query_string={"cari_dokumen": "arsitektur"}).get_data(as_text=True)
    chosen = found[found.index('name="evidence_id"') : found.index("</select>", found.index('name="evidence_id"'))]
    assert "Perwali Arsitektur SPBE" in chosen
    assert "SOP Layanan Aplikasi" not in chosen
    client.post("/logout")
    answer = _answer(pemdi_world)
    butir = next(item for item in answer.indicator.items if item.kind != "note")
    renstra = _document(db, pemdi_world, "Renstra Diskominfo 2026")
    db.session.add(AnswerEvidence(answer_id=answer.id, evidence_id=renstra.id, item_id=butir.id, level=1, note=""))
    db.session.commit()
    login(client, pemdi_world.pengisi.email)
    assert "Renstra Diskominfo 2026" in _choices(client.get(_page_url(pemdi_world)).get_data(as_text=True))


def test_the_search_without_javascript_lists_the_matches_in_the_choice(
    client: FlaskClient, world: World, db: Any
) -> None:
    _add_links(db, world.assessment.id, 300)
    _document(db, world, "Rencana Induk SPBE Kota", number="Perwali 7/2023")
    login(client, world.pengisi.email)
    page = client.get(_page_url(world), query_string={"cari_dokumen": "rencana induk"}).get_data(as_text=True)
    select_html = page[page.index('name="evidence_id"') : page.index("</select>", page.index('name="evidence_id"'))]
    assert len(OPTION.findall(select_html)) == 1
    assert "Rencana Induk SPBE Kota" in select_html
    assert 'value="rencana induk"' in page  # the box keeps what was typed
    assert "Dokumen yang cocok: 1." in page
    by_number = client.get(_page_url(world), query_string={"cari_dokumen": "No. 299/"}).get_data(as_text=True)
    assert "Dokumen pustaka 0299" in by_number
    none = client.get(_page_url(world), query_string={"cari_dokumen": "tidak ada judul begini"})
    text = none.get_data(as_text=True)
    assert none.status_code == 200
    assert "Tidak ada dokumen yang cocok." in text
    assert re.search(r"<form[^>]*data-link-form hidden", text)  # no empty choice to post
    many = client.get(_page_url(world), query_string={"cari_dokumen": "dokumen pustaka"}).get_data(as_text=True)
    assert f"Menampilkan {PICKER_LIMIT} dokumen pertama yang cocok" in many


# --------------------------------------------------------------------------- the search endpoint


def test_the_search_finds_by_title_number_and_file_name(client: FlaskClient, world: World, db: Any) -> None:
    _add_links(db, world.assessment.id, 50)
    _document(db, world, "Kebijakan Internal Manajemen Data", number="Perbup No. 45 Tahun 2024")
    login(client, world.pengisi.email)
    status, uploaded = upload(client, world.assessment.id, "laporan_audit_tik_2025.pdf", pdf_bytes())
    assert status == 200, uploaded
    by_title = _search(client, world, "MANAJEMEN data").get_json()
    assert [r["title"] for r in by_title["results"]] == ["Kebijakan Internal Manajemen Data"]
    assert by_title["results"][0]["number"] == "Perbup No. 45 Tahun 2024"
    assert by_title["status"] == "Dokumen yang cocok: 1."
    by_number = _search(client, world, "perbup no. 45").get_json()
    assert [r["title"] for r in by_number["results"]] == ["Kebijakan Internal Manajemen Data"]
    by_file = _search(client, world, "audit_tik").get_json()
    assert [r["id"] for r in by_file["results"]] == [uploaded["id"]]
    assert by_file["results"][0]["file_name"] == "laporan_audit_tik_2025.pdf"
    broad = _search(client, world, "dokumen pustaka").get_json()
    assert len(broad["results"]) == PICKER_LIMIT
    assert broad["results"][0]["title"] == "Dokumen pustaka 0000"  # the newest first
    assert _search(client, world, "tidak ada judul begini").get_json() == {
        "q": "tidak ada judul begini",
        "results": [],
        "status": "Tidak ada dokumen yang cocok.",
    }


def test_the_search_never_returns_another_assessments_or_a_deleted_document(
    client: FlaskClient, world: World, db: Any
) -> None:
    other_year = create_assessment(world.instansi, year=2025)
    db.session.commit()
    _document(db, world, "Renstra Diskominfo aktif")
    _document(db, world, "Renstra Diskominfo terhapus", deleted=True)
    _document(db, world, "Renstra Diskominfo tahun lalu", assessment_id=other_year.id)
    assert world.other is not None
    foreign = create_assessment(world.other)
    db.session.commit()
    _document(db, world, "Renstra instansi lain", assessment_id=foreign.id)
    login(client, world.pengisi.email)
    found = _search(client, world, "renstra").get_json()
    assert [r["title"] for r in found["results"]] == ["Renstra Diskominfo aktif"]
    # another instansi's user is answered as the page answers them: the assessment does not exist for them
    client.post("/logout")
    login(client, world.member("outsider").email)
    assert client.get(_page_url(world)).status_code == 404
    assert _search(client, world, "renstra").status_code == 404
    own = _search(client, world, "renstra", assessment_id=foreign.id)
    assert own.status_code == 200
    assert [r["title"] for r in own.get_json()["results"]] == ["Renstra instansi lain"]


@pytest.mark.parametrize(
    "q",
    ["%", "_", "100%_", "\\", "'; DROP TABLE evidence; --", "x" * 5000, "ñandú ß ǅ 🙂 ı İ", "   ", "[a-z]*"],
)
def test_the_search_takes_hostile_text(client: FlaskClient, world: World, db: Any, q: str) -> None:
    _add_links(db, world.assessment.id, 5)
    login(client, world.pengisi.email)
    response = _search(client, world, q)
    assert response.status_code == 200
    body = response.get_json()
    if q.strip():
        assert body["results"] == []  # "%" and "_" are characters, not wildcards
        assert len(body["q"]) <= 200
    else:
        assert len(body["results"]) == 5
    page = client.get(_page_url(world), query_string={"cari_dokumen": q})
    assert page.status_code == 200


def test_a_percent_sign_matches_itself(client: FlaskClient, world: World, db: Any) -> None:
    _document(db, world, "Capaian 100% layanan")
    _document(db, world, "Capaian 1000 layanan")
    login(client, world.pengisi.email)
    assert [r["title"] for r in _search(client, world, "100%").get_json()["results"]] == ["Capaian 100% layanan"]
    assert _search(client, world, "capaian_").get_json()["results"] == []


# --------------------------------------------------------------------------- linking


def test_linking_checks_the_chosen_id(client: FlaskClient, world: World, db: Any) -> None:
    _add_links(db, world.assessment.id, 100)
    old = db.session.scalar(select(Evidence).where(Evidence.title == "Dokumen pustaka 0099"))
    deleted = _document(db, world, "Dokumen terhapus", deleted=True)
    assert world.other is not None
    foreign = _document(db, world, "Dokumen instansi lain", assessment_id=create_assessment(world.other).id)
    answer = _answer(world)
    url = f"{_page_url(world)}/tautan"
    login(client, world.pengisi.email)
    # an old document, never among the page's choices, is linked by its id
    linked = client.post(url, data={"evidence_id": old.id, "level": "2", "note": "hal. 3"})
    assert linked.status_code == 302
    assert linked.headers["Location"].endswith("#data-dukung")
    db.session.expire_all()
    assert [(lk.evidence_id, lk.level) for lk in db.session.get_one(Answer, answer.id).links] == [(old.id, 2)]
    for refused in (foreign.id, deleted.id, 2**31 - 1):
        response = client.post(url, data={"evidence_id": refused, "level": "2"}, follow_redirects=True)
        assert response.status_code == 200
        assert "Dokumen tidak ditemukan di pustaka penilaian ini." in response.get_data(as_text=True)
    garbage = client.post(url, data={"evidence_id": "abc", "level": "2"}, follow_redirects=True)
    assert "Pilih dokumen dari pustaka." in garbage.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get_one(Answer, answer.id).links) == 1
