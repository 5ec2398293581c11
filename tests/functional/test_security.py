"""R3: CSRF on every state-changing route of ``app.url_map``, security and download headers, the login
rate limit, no open redirects through ``next``, and user text escaped in pages."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.database import writing
from assess.extensions import db as _db
from assess.extensions import limiter
from assess.models import Answer, AnswerEvidence, Assessment, Evidence, RoleName, Unit, User
from assess.services import evidence as evidence_service
from assess.services.users import add_to_unit
from tests import routes
from tests.factories import PASSWORD, create_assessment, create_instansi, create_member, create_unit
from tests.functional.helpers import login, pdf_bytes, upload
from tests.worlds import World, build_world

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_MESSAGE = "Token keamanan formulir tidak sah atau kedaluwarsa"


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no csrf_token in the page"
    return found.group(1)


# --------------------------------------------------------------------------- (a) CSRF on every route


def _prepare_csrf_app(app: Flask) -> dict[str, Any]:
    """Migrate the new database, sync the instruments, and create one of every object a route can name."""
    from flask_migrate import upgrade

    from assess.services.instruments import sync_instruments

    with app.app_context():
        with writing():
            upgrade()
            sync_instruments()
            _db.session.commit()
            world = build_world(
                members=("koordinator", "pengisi"),
                roles={"koordinator": (RoleName.KOORDINATOR, RoleName.ADMIN)},
                outsider=(),
            )
            add_to_unit(world.koordinator, world.unit)
            instansi, unit, assessment, koordinator = world.instansi, world.unit, world.assessment, world.koordinator
            answer = world.answer("I1")
            evidence = evidence_service.upload(
                assessment=assessment,
                stream=io.BytesIO(pdf_bytes(text="Perwali")),
                filename="Perwali 12 Tahun 2024.pdf",
                meta=None,
                user=koordinator,
                storage=current_app.extensions["storage"],
                policy=current_app.extensions["upload_policy"],
            )
            link = evidence_service.link(
                answer=answer, evidence=evidence, level=1, item=None, note="", user=koordinator
            )
            _db.session.commit()
            ids = {
                "instansi_id": instansi.id,
                "unit_id": unit.id,
                "user_id": world.pengisi.id,
                "assessment_id": assessment.id,
                "code": "I1",
                "answer_id": answer.id,
                "evidence_id": evidence.id,
                "link_id": link.id,
                "number": 1,
                "email": koordinator.email,
            }
        _db.session.remove()
    return ids


def _state(app: Flask, ids: dict[str, Any]) -> tuple[Any, ...]:
    """What a POST that slipped through would most likely have changed."""
    with app.app_context():
        answer = _db.session.get_one(Answer, ids["answer_id"])
        evidence = _db.session.get_one(Evidence, ids["evidence_id"])
        assessment = _db.session.get_one(Assessment, ids["assessment_id"])
        user = _db.session.get_one(User, ids["user_id"])
        state = (
            answer.version,
            answer.assignee_unit_id,
            evidence.version,
            evidence.deleted_at,
            evidence.current_version_id,
            assessment.deadline,
            user.active,
            user.fs_uniquifier,
            _db.session.scalar(select(func.count()).select_from(Unit)),
            _db.session.scalar(select(func.count()).select_from(Evidence)),
            _db.session.scalar(select(func.count()).select_from(AnswerEvidence)),
            _db.session.scalar(select(func.count()).select_from(Assessment)),
            _db.session.scalar(select(func.count()).select_from(User)),
        )
        _db.session.remove()
    return state


def _fill(rule: str, ids: dict[str, Any], unknown: set[str]) -> str:
    def missing(converter: str, name: str) -> str:
        unknown.add(name)  # a new route's variable: the token is checked before the view, so any value tests it
        return "1" if converter.startswith(("int", "float")) else "x"

    return routes.fill(rule, ids, missing)


def test_every_state_changing_route_refuses_a_post_without_csrf_token(fresh_app: Any) -> None:
    app = fresh_app(WTF_CSRF_ENABLED=True)
    ids = _prepare_csrf_app(app)
    client = app.test_client()
    logged_in = client.post(
        "/login", data={"email": ids["email"], "password": PASSWORD, "csrf_token": _token(text(client.get("/login")))}
    )
    assert logged_in.status_code == 302
    before = _state(app, ids)

    unsafe = routes.rules(app, UNSAFE_METHODS)
    assert len(unsafe) >= 20, [r.rule for r in unsafe]  # the questionnaire, the library, admin, security
    checked: list[str] = []
    failures: list[str] = []
    unknown: set[str] = set()
    for rule in unsafe:
        url = _fill(rule.rule, ids, unknown)
        for method in sorted((rule.methods or set()) & UNSAFE_METHODS):
            for body in ({"data": {"next": "/"}}, {"json": {"next": "/"}}):
                response = client.open(url, method=method, **body)
                kind = "form" if "data" in body else "json"
                if response.status_code != 400 or CSRF_MESSAGE not in text(response):
                    failures.append(f"{method} {url} ({rule.endpoint}, {kind}): {response.status_code}")
        checked.append(rule.rule)

    print(f"R3: {len(checked)} routes checked, {len(failures)} failures")
    if unknown:
        print(f"R3: variables filled without a real object: {sorted(unknown)}")
    assert not failures, "POST without a CSRF token not refused:\n" + "\n".join(failures)
    assert len(checked) == len(unsafe)
    # Nothing changed, and the logout was refused too: still logged in.
    assert _state(app, ids) == before
    assert client.get("/penilaian/").status_code == 200

    # The same kind of request with the page's token is accepted: the 400s were about the token.
    page = text(client.get(f"/penilaian/{ids['assessment_id']}"))
    accepted = client.post(
        f"/penilaian/{ids['assessment_id']}/batas-waktu", data={"deadline": "2026-12-20", "csrf_token": _token(page)}
    )
    assert accepted.status_code == 302
    assert _state(app, ids) != before


# --------------------------------------------------------------------------- (b) headers


def _assert_page_headers(response: Any, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN"), where
    assert headers.get("Referrer-Policy") in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ), where


def test_security_headers_on_pages(client: FlaskClient, world: World) -> None:
    aid = world.assessment.id
    anonymous = client.get("/login")
    assert anonymous.status_code == 200
    _assert_page_headers(anonymous, "/login")
    login(client, world.pembaca.email)
    for url, status in (
        ("/penilaian/", 200),
        (f"/penilaian/{aid}", 200),
        (f"/penilaian/{aid}/indikator/I1", 200),
        (f"/penilaian/{aid}/pustaka/", 200),
        ("/penilaian/999999", 404),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.mimetype == "text/html", url
        _assert_page_headers(response, url)


def test_download_headers(client: FlaskClient, world: World) -> None:
    aid = world.assessment.id
    login(client, world.pengisi.email)
    status, result = upload(client, aid, "Laporan – Evaluasi.pdf", pdf_bytes())
    assert status == 200, result
    client.post("/logout")
    login(client, world.pembaca.email)
    base = f"/penilaian/{aid}/pustaka/{result['id']}"
    for url in (f"{base}/unduh", f"{base}/versi/1/unduh"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_page_headers(response, url)
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;"), disposition
        assert "filename*=UTF-8''Laporan%20%E2%80%93%20Evaluasi.pdf" in disposition, disposition
        fallback = re.search(r'filename="([^"]*)"', disposition)
        assert fallback, disposition
        assert fallback.group(1).isascii(), disposition
        assert unquote(disposition.split("filename*=UTF-8''", 1)[1].split(";")[0]) == "Laporan – Evaluasi.pdf"
        assert "private" in response.headers["Cache-Control"], response.headers["Cache-Control"]
        assert "public" not in response.headers["Cache-Control"]
    preview = client.get(f"{base}/pratinjau")
    assert preview.status_code == 200
    assert preview.headers["Content-Disposition"].startswith("inline")
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in preview.headers["Cache-Control"]


# --------------------------------------------------------------------------- (c) login rate limit


@pytest.fixture
def limited_app(fresh_app: Any) -> Iterator[Flask]:
    """An app with the login limit on. The limiter is one object shared by every app of the process:
    put its switch back afterwards, so other tests (which log in many times) are not limited."""
    from flask_migrate import upgrade

    was_enabled = limiter.enabled
    try:
        app = fresh_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
        with app.app_context():
            with writing():
                upgrade()
            _db.session.remove()
        yield app
    finally:
        limiter.enabled = was_enabled


def test_login_is_rate_limited_per_address(limited_app: Flask) -> None:
    with limited_app.app_context(), writing():
        email = create_member(create_instansi(), RoleName.PENGISI).email
        _db.session.commit()
        _db.session.remove()
    client = limited_app.test_client()
    here = {"REMOTE_ADDR": "203.0.113.7"}

    def attempt(password: str, environ: dict[str, str] = here) -> Any:
        return client.post("/login", data={"email": email, "password": password}, environ_base=environ)

    for n in range(3):
        refused = attempt("salah-sekali")
        assert refused.status_code == 200, n
        assert "Surel atau kata sandi salah." in text(refused)
    limited = attempt("salah-sekali")
    assert limited.status_code == 429
    page = text(limited)
    assert '<html lang="id">' in page
    assert "Terlalu banyak percobaan masuk. Tunggu sebentar lalu coba lagi." in page
    # Even the right password waits now; the form itself is still shown.
    assert attempt(PASSWORD).status_code == 429
    for _ in range(5):
        assert client.get("/login", environ_base=here).status_code == 200
    # Another address is not limited by this one's attempts.
    assert attempt(PASSWORD, {"REMOTE_ADDR": "203.0.113.8"}).status_code == 302


# --------------------------------------------------------------------------- (d) open redirects

OFF_SITE = (
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "///evil.example",
    "////evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http://localhost@evil.example",
    "javascript:alert(1)",
)
_CONTROLS = "".join(chr(c) for c in range(0x21))


def _stays_on_site(location: str) -> bool:
    """Where a browser goes with this Location, read from http://localhost/penilaian/ (WHATWG URL parsing in
    short): tabs and newlines dropped, spaces and controls trimmed, "\\" read as "/", any number of slashes
    before a host, and a special scheme other than the page's takes a host even without slashes."""
    url = re.sub(r"[\t\n\r]", "", location).strip(_CONTROLS).replace("\\", "/")
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", url, re.DOTALL)
    if scheme:
        name, rest = scheme.group(1).lower(), scheme.group(2)
        if name not in ("http", "https"):
            return False
        if name == "http" and not rest.startswith("/"):
            return True  # "http:x" on an http page is a relative path
        host = urlsplit("//" + rest.lstrip("/")).hostname
    elif url.startswith("//"):
        host = urlsplit("//" + url.lstrip("/")).hostname
    else:
        host = urlsplit(urljoin("http://localhost/penilaian/", url)).hostname
    return host == "localhost"


def test_stays_on_site_judges_like_a_browser() -> None:
    for bad in OFF_SITE:
        assert not _stays_on_site(bad), bad
    for good in (
        "/penilaian/",
        "/penilaian/1?x=//evil.example",
        "http://localhost/penilaian/",
        "/%2F%2Fevil.example",
        "%5C%5Cevil.example",
        "penilaian/1",
    ):
        assert _stays_on_site(good), good


def test_next_never_redirects_off_site(client: FlaskClient, app: Flask, world: World) -> None:
    aid = world.assessment.id
    answer_id = world.assessment.answers[0].id
    email = world.koordinator.email
    assert login(client, email).status_code == 302
    credentials = {"email": email, "password": PASSWORD}
    assign = {"unit_id": str(world.unit.id), "user_id": "0", "answer_ids": [str(answer_id)]}
    tried = 0
    failures = []

    def check(what: str, payload: str, send: Callable[[], Any]) -> None:
        """Send one request; off-site or crashing (a 500 in production) are both failures."""
        nonlocal tried
        tried += 1
        try:
            response = send()
        except Exception as exc:  # the app raised: with TESTING on, what would be a 500
            failures.append(f"{what} next={payload!r}: {type(exc).__name__}: {exc}")
            return
        location = response.headers.get("Location")
        if response.status_code >= 500 or (location is not None and not _stays_on_site(location)):
            failures.append(f"{what} next={payload!r}: {response.status_code}, Location {location!r}")
        if what == "tugaskan" and "/login" in (location or ""):
            failures.append("the koordinator was logged out: the test proves nothing")

    def logout_with(payload: str) -> Any:
        leaving = app.test_client()
        assert login(leaving, email).status_code == 302
        return leaving.post("/logout", query_string={"next": payload})

    for p in OFF_SITE:
        check("bahasa (form)", p, partial(client.post, "/bahasa", data={"lang": "id", "next": p}))
        check("bahasa (query)", p, partial(client.post, "/bahasa", query_string={"next": p}, data={"lang": "id"}))
        check("tugaskan", p, partial(client.post, f"/penilaian/{aid}/tugaskan", data={**assign, "next": p}))
        check("login (query)", p, partial(app.test_client().post, "/login", query_string={"next": p}, data=credentials))
        check("login (form)", p, partial(app.test_client().post, "/login", data={**credentials, "next": p}))
        check("logout", p, partial(logout_with, p))
    assert not failures, f"{len(failures)} of {tried} redirects went wrong:\n" + "\n".join(failures)
    # A path on this site is still followed.
    back = client.post("/bahasa", data={"lang": "id", "next": f"/penilaian/{aid}?mine=1"})
    assert back.headers["Location"] == f"/penilaian/{aid}?mine=1"
    assigned = client.post(f"/penilaian/{aid}/tugaskan", data={**assign, "next": f"/penilaian/{aid}?unit=1"})
    assert assigned.headers["Location"] == f"/penilaian/{aid}?unit=1"


# --------------------------------------------------------------------------- (e) user text is escaped

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_fakta_is_escaped_on_the_answer_and_conflict_pages(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    answer = next(a for a in world.assessment.answers if a.indicator.code == "I1")
    stale = answer.version
    login(client, world.pengisi.email)
    saved = client.post(
        f"/penilaian/{aid}/indikator/I1",
        data={"version": str(stale), "level": "1", "fakta": SCRIPT, "analisis": "<b onmouseover=alert(2)>x</b>"},
    )
    assert saved.status_code == 302
    page = text(client.get(f"/penilaian/{aid}/indikator/I1"))
    assert SCRIPT not in page
    assert SCRIPT_ESCAPED in page
    assert "<b onmouseover" not in page
    client.post("/logout")

    login(client, world.koordinator.email)
    mine = "<script>alert(3)</script>"
    conflict = client.post(
        f"/penilaian/{aid}/indikator/I1", data={"version": str(stale), "level": "2", "fakta": mine, "analisis": ""}
    )
    assert conflict.status_code == 409
    page = text(conflict)
    assert SCRIPT not in page
    assert mine not in page
    assert SCRIPT_ESCAPED in page  # theirs
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page  # mine, kept
    db.session.expire_all()
    assert db.session.get(Answer, answer.id).fakta == SCRIPT


def test_evidence_title_is_escaped(client: FlaskClient, world: World, db: Any) -> None:
    aid = world.assessment.id
    login(client, world.koordinator.email)
    status, result = upload(client, aid, "dokumen.pdf", pdf_bytes())
    assert status == 200, result
    eid = result["id"]
    title = '<img src=x onerror="alert(1)"> Laporan'
    evidence = db.session.get(Evidence, eid)
    edited = client.post(
        f"/penilaian/{aid}/pustaka/{eid}",
        data={"version": str(evidence.version), "title": title, "doc_type": "laporan", "owner_unit_id": "0"},
    )
    assert edited.status_code == 302
    for url in (
        f"/penilaian/{aid}/pustaka/",
        f"/penilaian/{aid}/pustaka/?q=laporan",
        f"/penilaian/{aid}/pustaka/{eid}",
        f"/penilaian/{aid}/pustaka/{eid}/hapus",
        f"/penilaian/{aid}/indikator/I1",  # the document picker
    ):
        page = text(client.get(url))
        assert "<img src=x" not in page, url
        assert "&lt;img src=x onerror=" in page, url


def test_bad_numbers_in_forms_and_urls_are_refused_cleanly(client: FlaskClient, db: Any) -> None:
    """A broken hidden version or an absurd page number is a 400 or an empty page, never a 500."""
    assessment = create_assessment()
    unit = create_unit(assessment.instansi)
    for answer in assessment.answers:
        answer.assignee_unit = unit
    admin = create_member(assessment.instansi, RoleName.ADMIN, RoleName.KOORDINATOR)
    db.session.commit()
    login(client, admin.email)
    base = f"/penilaian/{assessment.id}/indikator/I1"
    assert client.post(f"{base}/ajukan", data={"version": "abc"}).status_code == 400
    assert client.post(f"{base}/tarik", data={"version": "abc"}).status_code in (400, 403)
    save = client.post(base, data={"version": "abc", "level": "2", "fakta": "teks saya", "analisis": ""})
    assert save.status_code == 400
    assert "teks saya" in save.get_data(as_text=True)
    huge = "99999999999999999999999"
    for url in (
        f"/admin/{assessment.instansi_id}/pengguna/?page={huge}",
        f"/penilaian/{assessment.id}/pustaka/?hal={huge}",
        f"/penilaian/{assessment.id}/audit?hal={huge}",
        f"/saya/notifikasi?hal={huge}",
    ):
        assert client.get(url).status_code == 200, url


def test_refreshed_csrf_token_is_accepted(fresh_app: Any) -> None:
    """Pages refresh their token from /csrf while someone types; the refreshed token must work for a save."""
    app = fresh_app(WTF_CSRF_ENABLED=True)
    ids = _prepare_csrf_app(app)
    client = app.test_client()
    client.post(
        "/login", data={"email": ids["email"], "password": PASSWORD, "csrf_token": _token(text(client.get("/login")))}
    )
    fresh = client.get("/csrf", headers={"Accept": "application/json"}).get_json()["token"]
    response = client.post("/bahasa", data={"lang": "en", "next": "/penilaian/", "csrf_token": fresh})
    assert response.status_code == 302
    assert client.post("/bahasa", data={"lang": "id", "csrf_token": "rusak"}).status_code == 400
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 8 * 3600  # long enough for a long penjelasan


def test_a_failed_write_gets_the_error_page_not_a_bare_500(fresh_app: Any) -> None:
    """The error page reads the signed-in user: after a flush failed, the session is started over first."""
    from flask_migrate import upgrade

    from assess.models import Instansi

    app = fresh_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context(), writing():
        upgrade()
        koordinator = create_member(create_instansi(), RoleName.KOORDINATOR)
        email = koordinator.email
        _db.session.commit()

    def failing_write() -> str:
        _db.session.add(Instansi(name=None, slug=None))  # NOT NULL: the flush fails
        _db.session.flush()
        return "tidak sampai"

    app.add_url_rule("/uji-gagal", "uji_gagal", failing_write, methods=["POST"])
    client = app.test_client()
    assert login(client, email).status_code == 302
    response = client.post("/uji-gagal")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Terjadi kesalahan pada server" in body
    assert "Keluar" in body  # the full page, with the signed-in user's header (its logout button)
