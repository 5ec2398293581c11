"""Upload refusals and the stored check problems of blobs are shown in the reader's language (issue 13)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from assess.models import Evidence, RoleName
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login, pdf_bytes, upload
from uploads.validation import FULL_CHECK_PROBLEM


def _koordinator(client: FlaskClient, db: Any) -> int:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, koordinator.email)
    return assessment.id


def test_an_upload_refusal_is_indonesian_on_the_indonesian_page_and_english_on_the_english_one(
    client: FlaskClient, db: Any
) -> None:
    aid = _koordinator(client, db)
    _status, indonesian = upload(client, aid, "foto.png", pdf_bytes(pages=1))
    assert indonesian["code"] == "mismatch"
    assert indonesian["message"].startswith("Isi berkas bukan gambar PNG seperti yang ditunjukkan ekstensinya (.png)")
    _status, name = upload(client, aid, "laporan.rar", b"Rar!\x1a\x07\x00")
    assert name["code"] == "bad_extension"
    assert name["message"].startswith("Jenis berkas .rar tidak diterima.")

    client.post("/bahasa", data={"lang": "en", "next": "/"})
    _status, english = upload(client, aid, "foto.png", pdf_bytes(pages=1))
    assert english["code"] == "mismatch"
    assert english["message"] == (
        "The file's content is not what its extension (.png) says, PNG image (detected: PDF). Make sure the file "
        "was not just renamed; save it again in the right format (PNG image), then upload it again."
    )
    _status, name = upload(client, aid, "laporan.rar", b"Rar!\x1a\x07\x00")
    assert name["code"] == "bad_extension"
    assert name["message"].startswith(".rar files are not accepted. Accepted types: DOCX, JPEG, JPG, MP4, ODS, ODT")


def test_a_stored_check_problem_is_shown_in_the_readers_language_and_an_old_sentence_as_it_is(
    client: FlaskClient, db: Any
) -> None:
    aid = _koordinator(client, db)
    _status, stored = upload(client, aid, "laporan.pdf", pdf_bytes(pages=2))
    blob = db.session.get_one(Evidence, stored["id"]).current_version.blob
    blob.check_problem = f"{FULL_CHECK_PROBLEM}object 7 0: stream decoding error"
    db.session.commit()
    detail, library = f"/penilaian/{aid}/pustaka/{stored['id']}", f"/penilaian/{aid}/pustaka/"

    page = client.get(detail).get_data(as_text=True)
    assert "PDF tidak dapat dibaca utuh oleh pemeriksa qpdf: object 7 0: stream decoding error" in page
    assert FULL_CHECK_PROBLEM not in page
    assert 'title="PDF tidak dapat dibaca utuh oleh pemeriksa qpdf: object 7 0' in client.get(library).get_data(
        as_text=True
    )
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    page = client.get(detail).get_data(as_text=True)
    assert "The qpdf checker could not read the whole PDF: object 7 0: stream decoding error" in page
    assert 'title="The qpdf checker could not read the whole PDF: object 7 0' in client.get(library).get_data(
        as_text=True
    )

    blob.check_problem = "PDF tidak dapat dibaca utuh oleh pemeriksa qpdf: xref not found"  # stored before the codes
    db.session.commit()
    assert "PDF tidak dapat dibaca utuh oleh pemeriksa qpdf: xref not found" in client.get(detail).get_data(
        as_text=True
    )
