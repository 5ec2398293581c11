"""Every route of ``app.url_map`` requested with GET by every role, anonymous and another instansi's user.

The answer is always one of ``ANSWERS`` (never a 500); nobody signed out reads a page that is not public; a user of
another instansi never gets a 200 on an object of the first; a route without a GET answers 405 to everyone.
``ROUTES`` classifies every rule of the app: a route added without a row here fails the test, so none escapes.

One app on a database of its own and one seeded world for the module (``world``), also used by
``tests/functional/test_get_is_read_only.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess.database import writing
from assess.extensions import db
from assess.models import InstansiGroup, RoleName
from tests import routes
from tests.conftest import TestDatabases, make_test_app
from tests.factories import create_assessment, create_member
from tests.functional.helpers import login, logout
from tests.worlds import build_world, seed_objects

ANSWERS = frozenset({200, 302, 303, 401, 403, 404, 405})
ROLES_OF_A = {
    "koordinator": (RoleName.KOORDINATOR,),
    "pengisi": (RoleName.PENGISI,),
    "reviewer": (RoleName.REVIEWER,),
    "pembaca": (RoleName.PEMBACA,),
    "admin": (RoleName.ADMIN,),
}
#: Another instansi's user, with every managing role there.
OTHER = "instansi_lain"
#: The deployment's operator, with no role in any instansi: answered as another instansi's user.
OPERATOR_ACTOR = "operator"
#: A user with every role in an instansi deactivated while they were signed in: their roles there count as none.
DEACTIVATED = "instansi_nonaktif"
#: The pembina of a group holding instansi A (and not B), with no role anywhere: reads A as its pembaca does.
PEMBINA = "pembina"
#: The group the pembina oversees.
GROUP_SLUG = "grup-a"

PUBLIC = "public"  # anyone, signed in or not, may read it
ACCOUNT = "account"  # the signed-in user's own pages (lists, forms): no object of an instansi in the URL
TENANT = "tenant"  # names an object of an instansi: another instansi's user never reads it
NO_GET = "no-get"  # POST only: GET answers 405
OPERATOR = "operator"  # the operator's pages: only an operator reads them, everyone else gets a 404

ROUTES: dict[str, str] = {
    "/": ACCOUNT,
    "/bahasa": NO_GET,
    "/change": ACCOUNT,
    "/csrf": PUBLIC,
    "/favicon.ico": PUBLIC,
    "/fs-static/<path:filename>": PUBLIC,
    "/healthz": PUBLIC,
    "/login": PUBLIC,
    "/mulai": ACCOUNT,
    "/logout": NO_GET,
    "/operator/": OPERATOR,
    "/operator/instansi/<int:instansi_id>/aktifkan": OPERATOR,
    "/operator/instansi/<int:instansi_id>/nonaktifkan": OPERATOR,
    "/operator/instansi/baru": OPERATOR,
    "/pembina/": ACCOUNT,
    "/pembina/<group_slug>/": TENANT,
    "/pembina/<group_slug>/perbandingan.xlsx": TENANT,
    "/sesi/tetap-masuk": NO_GET,
    "/static/<path:filename>": PUBLIC,
    "/undangan/<token>": PUBLIC,
    "/verify": ACCOUNT,
    "/tf-setup": ACCOUNT,
    "/tf-setup/<token>": NO_GET,
    "/tf-validate": ACCOUNT,
    "/tf-rescue": PUBLIC,
    "/tf-select": ACCOUNT,
    "/mf-recovery": PUBLIC,
    "/mf-recovery-codes": ACCOUNT,
    "/akun/dua-langkah/qr.svg": ACCOUNT,
    "/admin/": ACCOUNT,
    "/admin/<int:instansi_id>/": TENANT,
    "/admin/<int:instansi_id>/logo": NO_GET,
    "/admin/<int:instansi_id>/logo/hapus": NO_GET,
    "/admin/<int:instansi_id>/pengguna/": TENANT,
    "/admin/<int:instansi_id>/pengguna/<int:user_id>": TENANT,
    "/admin/<int:instansi_id>/pengguna/<int:user_id>/aktifkan": NO_GET,
    "/admin/<int:instansi_id>/pengguna/<int:user_id>/kata-sandi": TENANT,
    "/admin/<int:instansi_id>/pengguna/<int:user_id>/keluarkan": TENANT,
    "/admin/<int:instansi_id>/pengguna/<int:user_id>/nonaktifkan": TENANT,
    "/admin/<int:instansi_id>/pengguna/baru": TENANT,
    "/admin/<int:instansi_id>/pengguna/impor": TENANT,
    "/admin/<int:instansi_id>/pengguna/impor/templat.csv": TENANT,
    "/admin/<int:instansi_id>/pengguna/impor/terapkan": NO_GET,
    "/admin/<int:instansi_id>/unit/": TENANT,
    "/admin/<int:instansi_id>/unit/<int:unit_id>": TENANT,
    "/admin/<int:instansi_id>/unit/<int:unit_id>/aktifkan": NO_GET,
    "/admin/<int:instansi_id>/unit/<int:unit_id>/nonaktifkan": TENANT,
    "/admin/<int:instansi_id>/unit/baru": TENANT,
    "/admin/<int:instansi_id>/unit/impor": TENANT,
    "/admin/<int:instansi_id>/unit/impor/templat.csv": TENANT,
    "/admin/<int:instansi_id>/unit/impor/terapkan": NO_GET,
    "/instansi/<int:instansi_id>/komentar-siap/": TENANT,
    "/instansi/<int:instansi_id>/komentar-siap/<int:canned_id>": TENANT,
    "/instansi/<int:instansi_id>/komentar-siap/<int:canned_id>/aktif": NO_GET,
    "/instansi/<int:instansi_id>/komentar-siap/bawaan": NO_GET,
    "/instansi/<int:instansi_id>/logo": TENANT,
    "/instansi/<int:instansi_id>/tren": TENANT,
    "/penilaian/": ACCOUNT,
    "/penilaian/baru": ACCOUNT,
    "/penilaian/<int:assessment_id>": TENANT,
    "/penilaian/<int:assessment_id>/anggota-unit": TENANT,
    "/penilaian/<int:assessment_id>/audit": TENANT,
    "/penilaian/<int:assessment_id>/audit.csv": TENANT,
    "/penilaian/<int:assessment_id>/batas-waktu": NO_GET,
    "/penilaian/<int:assessment_id>/bundel/": TENANT,
    "/penilaian/<int:assessment_id>/bundel/<int:export_id>/<any(pdf, zip, summary):kind>": TENANT,
    "/penilaian/<int:assessment_id>/bundel/<int:export_id>/indikator/<code>.pdf": TENANT,
    "/penilaian/<int:assessment_id>/bundel/<int:export_id>/per-butir.zip": TENANT,
    "/penilaian/<int:assessment_id>/bundel/<int:export_id>/status": TENANT,
    "/penilaian/<int:assessment_id>/bundel/penandatangan": NO_GET,
    "/penilaian/<int:assessment_id>/crosswalk": TENANT,
    "/penilaian/<int:assessment_id>/dasbor": TENANT,
    "/penilaian/<int:assessment_id>/dicek-ulang": TENANT,
    "/penilaian/<int:assessment_id>/ekspor.xlsx": TENANT,
    "/penilaian/<int:assessment_id>/hasil-resmi": TENANT,
    "/penilaian/<int:assessment_id>/hasil-resmi/terapkan": NO_GET,
    "/penilaian/<int:assessment_id>/hasil-asesor": TENANT,
    "/penilaian/<int:assessment_id>/hasil-asesor/<int:verdict_id>/hapus": TENANT,
    "/penilaian/<int:assessment_id>/hasil-asesor/butir/<int:item_id>": TENANT,
    "/penilaian/<int:assessment_id>/hasil-asesor/templat.csv": TENANT,
    "/penilaian/<int:assessment_id>/hasil-asesor/terapkan": NO_GET,
    "/penilaian/<int:assessment_id>/impor": TENANT,
    "/penilaian/<int:assessment_id>/impor/terapkan": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>": TENANT,
    "/penilaian/<int:assessment_id>/indikator/<code>/ajukan": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/butir/tugaskan": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/nilai": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/nilai-akhir": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/reviu/kembalikan": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/reviu/nilai": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/reviu/setujui": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/riwayat": TENANT,
    "/penilaian/<int:assessment_id>/indikator/<code>/tarik": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/tautan": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/unggah": NO_GET,
    "/penilaian/<int:assessment_id>/indikator/<code>/tautan/<int:link_id>/lepas": NO_GET,
    "/penilaian/<int:assessment_id>/koreksi": TENANT,
    "/penilaian/<int:assessment_id>/koreksi/<int:verdict_id>/buka": NO_GET,
    "/penilaian/<int:assessment_id>/koreksi/<int:verdict_id>/selesai": NO_GET,
    "/penilaian/<int:assessment_id>/komentar/<int:comment_id>/buka": NO_GET,
    "/penilaian/<int:assessment_id>/komentar/<int:comment_id>/selesai": NO_GET,
    "/penilaian/<int:assessment_id>/komentar/<int:comment_id>/ubah": TENANT,
    "/penilaian/<int:assessment_id>/komentar/dokumen/<int:evidence_id>": TENANT,
    "/penilaian/<int:assessment_id>/komentar/jawaban/<int:answer_id>": TENANT,
    "/penilaian/<int:assessment_id>/pengingat": NO_GET,
    "/penilaian/<int:assessment_id>/pustaka/": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/cari": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/ganti": NO_GET,
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/hapus": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/pratinjau": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/riwayat": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/unduh": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/versi/<int:number>/unduh": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/tautan-baru": TENANT,
    "/penilaian/<int:assessment_id>/pustaka/unggah": NO_GET,
    "/penilaian/<int:assessment_id>/selisih": TENANT,
    "/penilaian/<int:assessment_id>/simulasi": TENANT,
    "/penilaian/<int:assessment_id>/simulasi/banding": TENANT,
    "/penilaian/<int:assessment_id>/simulasi/hitung": NO_GET,
    "/penilaian/<int:assessment_id>/simulasi/skenario/<int:scenario_id>/hapus": NO_GET,
    "/penilaian/<int:assessment_id>/tahap": NO_GET,
    "/penilaian/<int:assessment_id>/tahapan": TENANT,
    "/penilaian/<int:assessment_id>/tahun-berikutnya": TENANT,
    "/penilaian/<int:assessment_id>/target": NO_GET,
    "/penilaian/<int:assessment_id>/tindak-lanjut/<int:follow_up_id>/selesai": NO_GET,
    "/penilaian/<int:assessment_id>/tugaskan": NO_GET,
    "/penilaian/<int:assessment_id>/wawancara/<code>.pdf": TENANT,
    "/penilaian/<int:assessment_id>/wawancara/paket": NO_GET,
    "/penilaian/<int:assessment_id>/wawancara/paket-wawancara.zip": TENANT,
    "/penilaian/<int:assessment_id>/wawancara/status": TENANT,
    "/saya/": ACCOUNT,
    "/saya/notifikasi": ACCOUNT,
    "/saya/notifikasi/<int:notification_id>": TENANT,
    "/saya/notifikasi/<int:notification_id>/dibaca": NO_GET,
    "/saya/notifikasi/dibaca-semua": NO_GET,
}
#: Files that exist, for the routes that serve one.
FILENAMES = {"/static/<path:filename>": "app.js", "/fs-static/<path:filename>": "js/webauthn.js"}


@pytest.fixture(scope="module")
def world_app(databases: TestDatabases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database of its own: the module's world stays out of the other tests' rows."""
    from flask_migrate import upgrade

    from assess.services.instruments import sync_instruments

    application = make_test_app(databases.new_url(), tmp_path_factory.mktemp("matrix"))
    with application.app_context(), writing():
        upgrade()
        sync_instruments()
        db.session.commit()
    yield application
    with application.app_context():
        db.engine.dispose()


@dataclass(frozen=True)
class Seeded:
    """What the sweeps need of the module's world, read outside its app context (its rows are detached)."""

    #: A value for each variable of the GET routes, in instansi A.
    ids: dict[str, Any]
    #: The same with instansi B's own instansi and assessment.
    other_ids: dict[str, Any]
    #: By actor: the role names of ``ROLES_OF_A``, ``OTHER``, ``OPERATOR_ACTOR`` and ``DEACTIVATED``.
    emails: dict[str, str]
    notifications: dict[str, int]
    #: The ids of instansi C (one of each object too), whose user ``DEACTIVATED`` holds every role there.
    closed_ids: dict[str, Any]


@pytest.fixture(scope="module")
def world(world_app: Flask) -> Seeded:
    """Instansi A with one of everything a GET route names and a user of each role; instansi B with its user."""
    with world_app.app_context(), writing():
        built = build_world(outsider=(RoleName.KOORDINATOR, RoleName.ADMIN, RoleName.REVIEWER))
        assert built.other is not None
        other_assessment = create_assessment(built.other)
        objects = seed_objects(built, world_app)
        # Another instansi's user asks for the koordinator's notification: an object of instansi A.
        notifications = {**objects.notifications, OTHER: objects.notifications["koordinator"]}
        # Instansi B as its own user first sees it: nothing seeded, nothing visited yet.
        other_ids = {**objects.ids, "instansi_id": built.other.id, "assessment_id": other_assessment.id}
        emails = {OTHER if key == "outsider" else key: user.email for key, user in built.members.items()}
        operator = create_member(None)
        operator.is_operator = True
        # The operator asks for the koordinator's notification too: an object of instansi A.
        notifications[OPERATOR_ACTOR] = objects.notifications["koordinator"]
        closed = build_world(roles={"koordinator": tuple(RoleName)}, outsider=())
        closed_objects = seed_objects(closed, world_app)
        notifications[DEACTIVATED] = closed_objects.notifications["koordinator"]
        emails |= {OPERATOR_ACTOR: operator.email, DEACTIVATED: closed.koordinator.email}
        pembina = create_member(None)
        db.session.add(InstansiGroup(slug=GROUP_SLUG, name="Grup A", members=[built.instansi], pembina=[pembina]))
        # The pembina asks for the koordinator's notification: an object of instansi A, not theirs.
        notifications[PEMBINA] = objects.notifications["koordinator"]
        emails[PEMBINA] = pembina.email
        db.session.commit()
    group = {"group_slug": GROUP_SLUG}
    return Seeded(objects.ids | group, other_ids | group, emails, notifications, closed_objects.ids)


def fill(rule: str, world: Seeded, actor: str, ids: str = "ids") -> str:
    """The rule with the world's ids (``ids`` or ``other_ids``) and the actor's notification; a POST-only route's
    other ids are 1 (its GET answers 405 whatever the id)."""
    values = {**getattr(world, ids), "notification_id": world.notifications[actor]}
    if rule in FILENAMES:
        values["filename"] = FILENAMES[rule]
    return routes.fill(rule, values)


def test_every_route_has_a_row_and_every_row_a_route(world_app: Flask) -> None:
    rules = set(routes.paths(world_app))
    assert sorted(rules - set(ROUTES)) == [], "routes without a row in ROUTES: classify them"
    assert sorted(set(ROUTES) - rules) == [], "rows of ROUTES for routes the app no longer has"


def test_the_table_says_which_routes_have_no_get(world_app: Flask) -> None:
    with_get = set(routes.paths(world_app, {"GET"}))
    wrong = sorted(rule for rule, scope in ROUTES.items() if (scope == NO_GET) == (rule in with_get))
    assert wrong == []


def _walk(
    app: Flask, world: Seeded, actor: str | None, ids: str = "ids", client: FlaskClient | None = None
) -> dict[str, int]:
    """Every route requested with GET by ``actor`` (signed in here, unless a signed-in ``client`` is given)."""
    if client is None:
        client = app.test_client()
        if actor is not None:
            assert login(client, world.emails[actor]).status_code == 302
    statuses = {}
    for rule in routes.paths(app):
        url = fill(rule, world, actor or "koordinator", ids)
        response = client.get(url, buffered=True)  # files are read and closed at once
        statuses[rule] = response.status_code
        response.close()
    if actor is not None:
        logout(client)
    return statuses


@pytest.mark.parametrize("actor", [None, *ROLES_OF_A, OTHER, OPERATOR_ACTOR], ids=lambda a: a or "anonymous")
def test_every_route_answers_every_actor_as_the_table_says(
    world_app: Flask, world: Seeded, actor: str | None
) -> None:
    statuses = _walk(world_app, world, actor)
    wrong = [f"{rule}: {status}" for rule, status in statuses.items() if status not in ANSWERS]
    wrong += [
        f"{rule}: {status} to GET, which it does not take"
        for rule, status in statuses.items()
        if ROUTES.get(rule) == NO_GET and status != 405
    ]
    if actor is None:
        wrong += [
            f"{rule}: {status} before sign-in"
            for rule, status in statuses.items()
            if ROUTES.get(rule) not in (PUBLIC, NO_GET) and status == 200
        ]
    if actor in (OTHER, OPERATOR_ACTOR):
        wrong += [
            f"{rule}: {status} to another instansi's user or the operator"
            for rule, status in statuses.items()
            if ROUTES.get(rule) == TENANT and status == 200
        ]
    wrong += _operator_pages_wrong(statuses, actor)
    assert not wrong, "\n".join(wrong)
    if actor in ("koordinator", "pengisi"):
        readable = [rule for rule, status in statuses.items() if ROUTES.get(rule) == TENANT and status == 200]
        assert len(readable) > 20, statuses


def _operator_pages_wrong(statuses: dict[str, int], actor: str | None) -> list[str]:
    """The operator reads the operator's pages; anyone else signed in gets a 404 (the pages are not revealed)."""
    expected = 200 if actor == OPERATOR_ACTOR else 404
    return [
        f"{rule}: {status} to {actor}, not {expected}"
        for rule, status in statuses.items()
        if ROUTES.get(rule) == OPERATOR and actor is not None and status != expected
    ]


def test_a_deactivated_instansi_answers_its_signed_in_user_as_another_instansi(world_app: Flask, world: Seeded) -> None:
    """Signed in while instansi C was active, with every role there: once it is deactivated nothing of C is read,
    and it answers again once C is reactivated."""
    from assess.models import Instansi

    client = world_app.test_client()
    assert login(client, world.emails[DEACTIVATED]).status_code == 302
    assessment = f"/penilaian/{world.closed_ids['assessment_id']}"
    assert client.get(assessment).status_code == 200

    def set_active(active: bool) -> None:
        with world_app.app_context(), writing():
            db.session.get_one(Instansi, world.closed_ids["instansi_id"]).active = active
            db.session.commit()

    set_active(False)
    try:
        statuses = _walk(world_app, world, DEACTIVATED, "closed_ids", client=client)
        wrong = [f"{rule}: {status}" for rule, status in statuses.items() if status not in ANSWERS]
        wrong += [
            f"{rule}: {status} to the user of a deactivated instansi"
            for rule, status in statuses.items()
            if ROUTES.get(rule) in (TENANT, OPERATOR) and status == 200
        ]
        assert not wrong, "\n".join(wrong)
        assert statuses["/penilaian/"] == 200  # still signed in: an empty list, not an error
    finally:
        set_active(True)
    assert login(client, world.emails[DEACTIVATED]).status_code == 302
    assert client.get(assessment).status_code == 200


#: Where the pembina of A's group is answered otherwise than A's pembaca, and why.
PEMBINA_DIFFERS = {
    "/pembina/<group_slug>/": "their group's comparison: for its pembina only",
    "/pembina/<group_slug>/perbandingan.xlsx": "the same as XLSX",
    "/saya/notifikasi/<int:notification_id>": "the pembaca's own notification; the pembina asks for the koordinator's",
    "/instansi/<int:instansi_id>/tren": "the trend lists the years of the user's own instansi (visible_assessments)",
}


def test_a_pembina_reads_what_a_pembaca_of_a_reads_and_nothing_of_b(world_app: Flask, world: Seeded) -> None:
    pembina = _walk(world_app, world, PEMBINA)
    pembaca = _walk(world_app, world, "pembaca")
    wrong = [f"{rule}: {status}" for rule, status in pembina.items() if status not in ANSWERS]
    wrong += [
        f"{rule}: {status} to the pembina, {pembaca[rule]} to A's pembaca"
        for rule, status in pembina.items()
        if ROUTES.get(rule) == TENANT and rule not in PEMBINA_DIFFERS and status != pembaca[rule]
    ]
    wrong += _operator_pages_wrong(pembina, PEMBINA)
    assert not wrong, "\n".join(wrong)
    assert pembina["/penilaian/<int:assessment_id>"] == pembina["/penilaian/<int:assessment_id>/dasbor"] == 200
    assert (pembina["/pembina/<group_slug>/"], pembaca["/pembina/<group_slug>/"]) == (200, 404)
    assert pembina["/saya/notifikasi/<int:notification_id>"] == 404
    of_b = _walk(world_app, world, PEMBINA, "other_ids")
    seen = [
        f"{rule}: {status} to the pembina in instansi B"
        for rule, status in of_b.items()
        if ROUTES.get(rule) == TENANT and not rule.startswith("/pembina/") and status == 200
    ]
    assert not seen, "\n".join(seen)


def test_a_pembina_writes_nothing_in_a(world_app: Flask, world: Seeded) -> None:
    """Every POST route naming an object of instansi A, posted by the pembina, issues no INSERT, UPDATE or DELETE
    (the sign-in's own bookkeeping aside) and answers none of them with a success."""
    import re

    from sqlalchemy import event

    write = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
    writes: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if write.match(statement) and not re.match(r"^\s*UPDATE\s+login_sessions\b", statement, re.IGNORECASE):
            writes.append(" ".join(statement.split())[:100])

    client = world_app.test_client()
    assert login(client, world.emails[PEMBINA]).status_code == 302
    with world_app.app_context():
        engine = db.engine
    posted = [
        rule
        for rule in routes.paths(world_app, {"POST"})
        if any(f"{name}>" in rule for name in ("instansi_id", "assessment_id", "notification_id"))
    ]
    event.listen(engine, "before_cursor_execute", record)
    try:
        statuses = {rule: client.post(fill(rule, world, PEMBINA), data={}).status_code for rule in posted}
    finally:
        event.remove(engine, "before_cursor_execute", record)
        logout(client)
    assert len(posted) > 30
    assert writes == [], writes
    # A what-if and an import's preview computed from a posted form only read (a pembaca's too); the rest is refused.
    previews = {"/penilaian/<int:assessment_id>/simulasi", "/penilaian/<int:assessment_id>/impor"}
    succeeded = sorted(rule for rule, status in statuses.items() if status < 400 and rule not in previews)
    assert succeeded == [], {rule: statuses[rule] for rule in succeeded}


def test_the_static_files_named_exist() -> None:
    root = Path(__file__).resolve().parents[2] / "assess" / "static"
    assert (root / FILENAMES["/static/<path:filename>"]).is_file()
