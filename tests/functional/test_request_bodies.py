"""Request bodies: only the upload routes spool to disk, after sign-in and CSRF; small limits elsewhere; 413 and
507 answers the uploader can show; a full disk or a broken body leaves nothing behind (issue 12: 1, 2, 3, 17, 18)."""

from __future__ import annotations

import errno
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.models import Answer, Evidence
from tests import routes
from tests.diskfull import tiny_disk  # noqa: F401 - a fixture
from tests.functional.helpers import login, pdf_bytes, post_file
from tests.worlds import World
from uploads import LocalStorage
from uploads.staging import HashingSpool

MiB = 1024 * 1024


@pytest.fixture
def spools() -> Iterator[list[Any]]:
    """Every :class:`HashingSpool` created while the test runs (a spool is a file on the evidence disk)."""
    created: list[Any] = []
    real_init = HashingSpool.__init__

    def init(self: HashingSpool, directory: Path) -> None:
        created.append(self)
        real_init(self, directory)

    with mock.patch.object(HashingSpool, "__init__", init):
        yield created


@pytest.fixture
def csrf_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Turns CSRF protection on as in production (the test app has it off, and signs in without a token)."""
    return lambda: monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _staging(app: Flask) -> list[Path]:
    root = Path(app.config["STORAGE_ROOT"]) / "staging"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _objects(app: Flask) -> list[Path]:
    root = Path(app.config["STORAGE_ROOT"]) / "objects"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _evidence_count(db: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(Evidence)))


def _token(client: FlaskClient) -> str:
    return str(client.get("/csrf").get_json()["token"])


def _file_part(size: int = 1000, name: str = "dokumen.pdf") -> dict[str, Any]:
    return {"files": (io.BytesIO(b"%PDF-1.4\n" + b"x" * size), name)}


# ------------------------------------------------------------------------- where a body may be spooled


def test_a_file_part_to_login_is_refused_without_touching_the_disk(
    client: FlaskClient, app: Flask, spools: list[Any]
) -> None:
    response = client.post(
        "/login",
        data={"email": "siapa@contoh.go.id", "password": "x", "berkas": (io.BytesIO(b"z" * 300_000), "isi.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Permintaan tidak sah" in response.get_data(as_text=True)
    assert spools == []
    assert _staging(app) == []


def test_a_file_part_to_a_route_that_takes_no_files_is_refused(
    client: FlaskClient, app: Flask, world: World, spools: list[Any]
) -> None:
    login(client, world.pengisi.email)
    aid = world.assessment.id
    for url in (f"/penilaian/{aid}/indikator/I1", f"/penilaian/{aid}/simulasi", "/bahasa"):
        response = client.post(url, data={"fakta": "x", **_file_part()}, content_type="multipart/form-data")
        assert response.status_code == 400, url
    assert spools == []
    assert _staging(app) == []


def test_an_unauthenticated_upload_is_refused_before_the_body_is_read(
    client: FlaskClient, app: Flask, world: World, spools: list[Any], csrf_on: Callable[[], None]
) -> None:
    csrf_on()
    url = f"/penilaian/{world.assessment.id}/pustaka/unggah"
    page = client.post(url, data=_file_part(), content_type="multipart/form-data")
    assert page.status_code == 302
    assert "/login" in page.headers["Location"]
    as_json = client.post(
        url, data=_file_part(), content_type="multipart/form-data", headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 401
    assert spools == []
    assert _staging(app) == []


def test_an_upload_without_a_csrf_token_in_header_or_query_is_refused_before_the_body_is_read(
    client: FlaskClient, app: Flask, world: World, db: Any, spools: list[Any], csrf_on: Callable[[], None]
) -> None:
    login(client, world.pengisi.email)
    csrf_on()
    token = _token(client)
    url = f"/penilaian/{world.assessment.id}/pustaka/unggah"
    # A token in the body alone is not enough: reading the body to find it would spool the file first.
    for headers, query in (({}, ""), ({}, "?csrf_token=palsu"), ({"X-CSRFToken": "palsu"}, "")):
        response = client.post(
            url + query,
            data={"csrf_token": token, **_file_part()},
            content_type="multipart/form-data",
            headers={"Accept": "application/json", **headers},
        )
        assert response.status_code == 400, (headers, query)
        # The uploader shows the reason, not "Gagal mengunggah (400)".
        assert response.get_json()["code"] == "csrf", (headers, query)
        assert "Token keamanan formulir" in response.get_json()["message"]
    assert spools == []
    assert _staging(app) == []
    assert _evidence_count(db) == 0


def test_an_upload_with_the_token_in_the_header_or_the_query_is_accepted(
    client: FlaskClient, app: Flask, world: World, db: Any, csrf_on: Callable[[], None]
) -> None:
    login(client, world.pengisi.email)
    csrf_on()
    token = _token(client)
    url = f"/penilaian/{world.assessment.id}/pustaka/unggah"
    by_header = client.post(
        url,
        data={"files": (io.BytesIO(pdf_bytes(text="satu")), "satu.pdf")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    assert by_header.status_code == 200, by_header.get_data(as_text=True)
    by_query = client.post(
        f"{url}?csrf_token={token}",
        data={"csrf_token": token, "files": (io.BytesIO(pdf_bytes(text="dua")), "dua.pdf")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert by_query.status_code == 200, by_query.get_data(as_text=True)
    assert _evidence_count(db) == 2
    assert _staging(app) == []


def _form_of(html: str, marker: str) -> tuple[str, str]:
    """The action and the hidden CSRF token of the multipart form that contains ``marker``."""
    for form in re.findall(r"<form\b[^>]*multipart/form-data[^>]*>.*?</form>", html, flags=re.S):
        if marker in form:
            action = re.search(r'action="([^"]*)"', form)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', form)
            assert action, form
            assert token, form
            return action.group(1).replace("&amp;", "&"), token.group(1)
    raise AssertionError(f"no multipart form with {marker!r}")


def test_every_upload_form_posts_as_a_browser_without_javascript_would(
    client: FlaskClient, app: Flask, world: World, db: Any, csrf_on: Callable[[], None]
) -> None:
    """Each upload form's action carries the token, so the form as rendered is accepted (no 400)."""
    aid = world.assessment.id
    login(client, world.koordinator.email)
    csrf_on()
    token = _token(client)
    client.post(
        f"/penilaian/{aid}/pustaka/unggah",
        data={"files": (io.BytesIO(pdf_bytes(text="asli")), "asli.pdf")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    evidence_id = db.session.scalar(select(Evidence.id))
    pages = {
        f"/penilaian/{aid}/pustaka/": ('name="files"', "files", pdf_bytes(text="baru"), "baru.pdf"),
        f"/penilaian/{aid}/pustaka/{evidence_id}": ('name="file"', "file", pdf_bytes(text="ganti"), "ganti.pdf"),
        f"/penilaian/{aid}/impor": ('name="file"', "file", b"bukan xlsx", "isian.xlsx"),
        f"/penilaian/{aid}/hasil-resmi": ('name="file"', "file", b"kode;nilai\n", "hasil.csv"),
    }
    for page, (marker, field, data, name) in pages.items():
        action, hidden = _form_of(client.get(page).get_data(as_text=True), marker)
        response = client.post(
            action, data={"csrf_token": hidden, field: (io.BytesIO(data), name)}, content_type="multipart/form-data"
        )
        assert response.status_code in (200, 302, 400), (page, response.status_code)  # 400: a form error
        assert "Token keamanan formulir" not in response.get_data(as_text=True), page
    assert _staging(app) == []


def test_the_logo_form_posts_as_a_browser_without_javascript_would(
    client: FlaskClient, app: Flask, world: World, csrf_on: Callable[[], None]
) -> None:
    login(client, world.admin.email)
    csrf_on()
    profile = f"/admin/{world.instansi.id}/"
    action, hidden = _form_of(client.get(profile).get_data(as_text=True), 'name="logo"')
    response = client.post(
        action, data={"csrf_token": hidden, "logo": (io.BytesIO(b"x"), "logo.png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert _staging(app) == []


def test_every_multipart_form_in_the_templates_posts_to_an_upload_endpoint(app: Flask) -> None:
    from assess import UPLOAD_ENDPOINTS

    endpoints = {rule.endpoint for rule in routes.rules(app)}
    assert endpoints >= UPLOAD_ENDPOINTS
    templates = Path(app.root_path) / "templates"
    found = set()
    for path in templates.rglob("*.html"):
        for tag in re.findall(r"\{\{[^}]*multipart/form-data[^}]*\}\}|<form\b[^>]*multipart[^>]*>", path.read_text()):
            found.update(re.findall(r"url_for\('([\w.]+)'", tag))
    assert found == UPLOAD_ENDPOINTS


# ------------------------------------------------------------------------------------------ body limits


def test_json_over_the_small_limit_to_the_simulation_is_413_json(
    client: FlaskClient, world: World, app: Flask
) -> None:
    aid = world.assessment.id
    big = json.dumps({"values": {"I1": "3"}, "pad": "x" * (app.config["BODY_MAX_KB"] * 1024)})
    for signed_in in (False, True):
        if signed_in:
            login(client, world.pengisi.email)
        response = client.post(
            f"/penilaian/{aid}/simulasi/hitung",
            data=big,
            content_type="application/json",
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 413, signed_in
        body = response.get_json()
        assert body["ok"] is False
        assert body["code"] == "too_large"
        assert "melebihi batas" in body["message"]


def test_413_for_the_uploader_is_json_with_the_limit_and_html_for_a_page(
    client: FlaskClient, world: World, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, world.pengisi.email)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    url = f"/penilaian/{world.assessment.id}/pustaka/unggah"
    response = client.post(
        url,
        data=_file_part(200_000),
        content_type="multipart/form-data",
        headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 413
    body = response.get_json()
    assert body["code"] == "too_large"
    assert "100 MB" in body["message"]
    page = client.post(url, data=_file_part(200_000), content_type="multipart/form-data")
    assert page.status_code == 413
    assert "text/html" in page.content_type
    assert "100 MB" in page.get_data(as_text=True)
    assert _staging(app) == []


def test_a_chunked_upload_over_the_limit_stops_at_the_limit_and_leaves_nothing(
    client: FlaskClient, world: World, app: Flask, monkeypatch: pytest.MonkeyPatch, spools: list[Any]
) -> None:
    login(client, world.pengisi.email)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    boundary = "grenzeXY"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="besar.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + b"%PDF-1.4\n"
        + b"x" * MiB
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/penilaian/{world.assessment.id}/pustaka/unggah",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Accept": "application/json", "Transfer-Encoding": "chunked"},  # no length known in advance
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "too_large"
    assert len(spools) == 1
    assert spools[0].closed
    assert _staging(app) == []


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/login", "application/x-www-form-urlencoded"), ("/penilaian/{id}/simulasi/hitung", "application/json")],
)
def test_a_chunked_body_over_the_small_limit_is_413_not_cut_short(
    client: FlaskClient, world: World, path: str, content_type: str, csrf_on: Callable[[], None]
) -> None:
    """Without a Content-Length, a form or JSON body read whole must not stop quietly at the limit: the request
    would go on with a truncated form (a missing token, a cut text) or broken JSON."""
    login(client, world.koordinator.email)
    csrf_on()
    token = _token(client)
    limit = client.application.config["BODY_MAX_KB"] * 1024
    body = b"catatan=" + b"a" * (limit + 4096) if "urlencoded" in content_type else b'{"x": "' + b"a" * limit + b'"}'
    response = client.post(
        path.format(id=world.assessment.id),
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={"Accept": "application/json", "Transfer-Encoding": "chunked", "X-CSRFToken": token},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "too_large"


def test_a_chunked_body_just_within_the_limit_is_read_whole(client: FlaskClient, world: World) -> None:
    login(client, world.koordinator.email)
    limit = client.application.config["BODY_MAX_KB"] * 1024
    body = b"bahasa=en&x=" + b"a" * (limit - 12)
    assert len(body) == limit
    response = client.post(
        "/bahasa",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code in (302, 303)


def test_a_body_broken_mid_file_leaves_nothing(
    client: FlaskClient, world: World, app: Flask, db: Any, spools: list[Any]
) -> None:
    login(client, world.pengisi.email)
    boundary = "grenzeXY"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="putus.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + b"%PDF-1.4\n"
        + os.urandom(300_000)
    )  # no closing boundary: the client went away in the middle of the file
    response = client.post(
        f"/penilaian/{world.assessment.id}/pustaka/unggah",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert len(spools) == 1
    assert spools[0].closed
    assert _staging(app) == []
    assert _evidence_count(db) == 0


def test_the_longest_penjelasan_fits_the_small_limit_and_a_longer_one_is_refused_in_indonesian(
    client: FlaskClient, world: World, db: Any
) -> None:
    from forms.assessment import PENJELASAN_MAX

    login(client, world.pengisi.email)
    aid = world.assessment.id
    answer = db.session.scalar(select(Answer).where(Answer.assessment_id == aid, Answer.indicator.has(code="I1")))
    widest = "𝔸" * PENJELASAN_MAX  # four bytes in UTF-8, twelve once form-encoded
    data = {"version": str(answer.version), "level": "0", "fakta": widest, "analisis": widest}
    saved = client.post(f"/penilaian/{aid}/indikator/I1", data=data)
    assert saved.status_code == 302, saved.status_code
    db.session.refresh(answer)
    assert answer.fakta == widest
    data = {"version": str(answer.version), "level": "0", "fakta": "a" * (PENJELASAN_MAX + 1), "analisis": ""}
    html = client.post(f"/penilaian/{aid}/indikator/I1", data=data).get_data(as_text=True)
    assert f"Paling banyak {PENJELASAN_MAX} karakter." in html
    assert "cannot be longer" not in html


# ------------------------------------------------------------------------------------------- full disk


def _full_disk_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``os.write`` fails once with ENOSPC (a full evidence disk), then works again."""
    real_write = os.write
    failed = [False]

    def write(fd: int, data: bytes) -> int:
        if not failed[0]:
            failed[0] = True
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


def test_a_full_disk_answers_507_frees_the_upload_and_the_next_upload_works(
    client: FlaskClient, world: World, app: Flask, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, world.pengisi.email)
    aid = world.assessment.id
    before = len(_objects(app))
    _full_disk_once(monkeypatch)
    status, result = post_file(client, aid, "penuh.pdf", pdf_bytes(text="penuh"))
    assert status == 507
    assert result["ok"] is False
    assert result["code"] == "disk_full"
    assert "penuh" in result["message"]
    assert _staging(app) == []
    assert len(_objects(app)) == before
    assert _evidence_count(db) == 0
    _full_disk_once(monkeypatch)
    page = client.post(
        f"/penilaian/{aid}/pustaka/unggah",
        data={"files": (io.BytesIO(pdf_bytes(text="penuh")), "penuh.pdf")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 507
    assert "Ruang penyimpanan" in page.get_data(as_text=True)
    status, result = post_file(client, aid, "sesudahnya.pdf", pdf_bytes(text="sesudahnya"))
    assert status == 200, result
    assert _evidence_count(db) == 1
    assert _staging(app) == []


def test_a_really_full_disk_through_the_web(
    client: FlaskClient,
    world: World,
    app: Flask,
    db: Any,
    monkeypatch: pytest.MonkeyPatch,
    tiny_disk: Path,  # noqa: F811 - the fixture imported above
) -> None:
    storage = LocalStorage(tiny_disk)
    monkeypatch.setitem(app.extensions, "storage", storage)
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tiny_disk))  # the background PDF check reads it there
    login(client, world.pengisi.email)
    aid = world.assessment.id
    status, result = post_file(client, aid, "besar.pdf", pdf_bytes(text="besar") + b"%" * 3 * MiB)
    assert (status, result["code"]) == (507, "disk_full")
    assert list(storage.staging_dir().iterdir()) == []
    status, result = post_file(client, aid, "kecil.pdf", pdf_bytes(text="kecil"))
    assert status == 200, result
    assert list(storage.staging_dir().iterdir()) == []


# --------------------------------------------------------------------------------------------- healthz


def test_healthz_reports_free_space_and_warns_when_low(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ok = client.get("/healthz")
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["disk"] == "ok"
    assert set(body["free_mb"]) == {"storage", "staging"}
    assert all(isinstance(n, int) and n > 0 for n in body["free_mb"].values())
    monkeypatch.setitem(app.config, "DISK_MIN_FREE_MB", 10**9)
    with caplog.at_level("WARNING"):
        low = client.get("/healthz")
    assert low.status_code == 200
    assert low.get_json()["disk"] == "low"
    assert any("ruang disk" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


# ------------------------------------------------------------------------------------------ the sweep


def test_the_staging_sweep_runs_every_quarter_hour_in_the_worker_and_removes_only_leftovers(app: Flask) -> None:
    import time
    from datetime import datetime

    from assess import jobs

    assert "sweep_staging" in {task.name for task in jobs.huey.read_periodic(datetime(2026, 3, 2, 9, 45))}
    assert "sweep_staging" not in {task.name for task in jobs.huey.read_periodic(datetime(2026, 3, 2, 9, 46))}
    assert jobs.consumer(app).periodic
    staging = app.extensions["storage"].staging_dir()
    left, fresh = staging / "upload-tertinggal.part", staging / "upload-baru.part"
    left.write_bytes(b"x" * 1000)
    fresh.write_bytes(b"y")
    long_ago = time.time() - jobs.STAGING_MAX_AGE_S - 60
    os.utime(left, (long_ago, long_ago))
    with app.app_context():
        jobs.sweep_staging()
    assert not left.exists()
    assert fresh.exists()
    fresh.unlink()
