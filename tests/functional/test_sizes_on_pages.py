"""The library and a document's page show sizes with the ``ukuran`` filter: ``12 KB``, never ``0.0 MB`` or Jinja's
``12.3 kB`` (issue 16), in the page's language."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from tests.functional.helpers import login, pdf_bytes, post_file
from tests.worlds import World

TEMPLATES = Path(__file__).resolve().parents[2] / "assess" / "templates"


def test_sizes_on_the_library_and_the_document_page_in_both_languages(client: FlaskClient, world: World) -> None:
    login(client, world.pengisi.email)
    aid = world.assessment.id
    data = pdf_bytes(pages=40)
    assert 2048 < len(data) < 1024 * 1024  # small: shown in KB (Jinja's filter said "12.3 kB")
    status, result = post_file(client, aid, "Perwali 12.pdf", data)
    assert status == 200, result
    expected = f"{int(len(data) / 1024 + 0.5)} KB"
    for lang in ("id", "en"):
        client.post("/bahasa", data={"lang": lang})
        library = client.get(f"/penilaian/{aid}/pustaka/").get_data(as_text=True)
        detail = client.get(result["url"]).get_data(as_text=True)
        for page in (library, detail):
            assert f"PDF · {expected}" in page, lang
            assert not re.search(r"\d[.,]\d kB|0[.,]0 MB", page), lang


def test_no_template_formats_a_size_by_itself() -> None:
    for path in TEMPLATES.rglob("*.html"):
        assert "filesizeformat" not in path.read_text(encoding="utf-8"), path
