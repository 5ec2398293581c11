"""Shared helpers for the functional tests: logging in, counting queries, building small real files."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pikepdf
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import event
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import PASSWORD


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=False)


def logout(client: FlaskClient) -> None:
    client.post("/logout")


@contextmanager
def count_queries(db: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def pdf_bytes(pages: int = 1, text: str = "Dokumen uji") -> bytes:
    pdf = pikepdf.new()
    for n in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        content = f"BT /F1 12 Tf 72 770 Td ({text} {n + 1}) Tj ET".encode()
        page.obj["/Contents"] = pdf.make_stream(content)
        page.obj["/Resources"] = pikepdf.Dictionary(
            Font=pikepdf.Dictionary(
                F1=pikepdf.Dictionary(
                    Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
                )
            )
        )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (320, 240), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", quality=85)
    return out.getvalue()


def upload(client: FlaskClient, assessment_id: int, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    response = client.post(
        f"/penilaian/{assessment_id}/pustaka/unggah",
        data={"files": (io.BytesIO(data), name)},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    body = response.get_json(silent=True) or {}
    results = body.get("results") or [{}]
    return response.status_code, results[0]


def exported_file(export: Any, kind: str, into: Path) -> Path | None:
    """A finished export's ``pdf``, ``zip`` or ``summary`` file as a local file (copied into ``into`` when the export
    store is remote), or ``None`` when it is not there; inside the app's context."""
    from assess.services import exports

    name = exports.file_name(export, kind)
    if name is None:
        return None
    local = exports.folders().local_path(name)
    if local is not None:
        return local
    into.mkdir(parents=True, exist_ok=True)
    copy = into / f"{export.id}-{name.rsplit('/', 1)[-1]}"
    with exports.folders().open(name) as src, open(copy, "wb") as out:
        shutil.copyfileobj(src, out)
    return copy


def published_exports(assessment_id: int) -> list[str]:
    """The folder names of the assessment's exports in the export store (no work folders), sorted."""
    from assess.services import exports

    files = exports.folders().files(str(assessment_id))
    return sorted({path.split("/", 1)[0] for path in files if not path.startswith(".tmp-")})


def post_file(client: FlaskClient, assessment_id: int, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    """As the uploader sends a file; the answer's JSON (an error answer has no per-file ``results``)."""
    boundary, body_bytes = encode_multipart({"files": FileStorage(io.BytesIO(data), name)})
    response = client.post(  # encoded here: the test client would spool a large body to a file it never closes
        f"/penilaian/{assessment_id}/pustaka/unggah",
        data=body_bytes,
        headers={"Accept": "application/json"},
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    body = response.get_json()
    return response.status_code, body["results"][0] if "results" in body else body


def preview_token(html: str) -> str:
    """The signed ``token`` of an import's preview page (what "Terapkan" sends back)."""
    start = html.index('name="token"')
    value = html.index('value="', start) + len('value="')
    return html[value : html.index('"', value)]
