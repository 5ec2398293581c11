"""``mandiri backup`` and ``mandiri restore`` between real databases (SQLite files and PostgreSQL databases of their
own) and real stores: every row, every download's SHA-256, the projected index and the pages come back the same."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import JSON, column, func, inspect, select, table

from assess import backup
from assess.database import writing
from assess.extensions import db
from assess.models import (
    Assessment,
    Base,
    Blob,
    Comment,
    Evidence,
    EvidenceVersion,
    Export,
    ExportState,
    Instansi,
    User,
)
from assess.models.base import utcnow
from assess.queries import project_all
from assess.services import admin as admin_service
from assess.services import comments as comment_service
from assess.services import evidence as evidence_service
from assess.services.answers import save_level_answer
from assess.services.instruments import sync_instruments
from tests import routes
from tests.conftest import TestDatabases, make_test_app
from tests.functional.helpers import jpeg_bytes, login, pdf_bytes
from tests.s3 import MotoServer
from tests.worlds import build_world, seed_objects
from uploads import stage

#: PostgreSQL is always there for these tests, also in the default (SQLite) run: each test makes its own databases.
PG_BASE = os.environ.get("MANDIRI_TEST_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Places:
    """Apps on new, empty databases of either engine, each with its own store; removed at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg = TestDatabases(PG_BASE, tmp)
        self.apps: list[Flask] = []

    def app(self, engine: str, **extra: Any) -> Flask:
        url = self.pg.new_url() if engine == "postgresql" else f"sqlite:///{self.tmp / f'{uuid.uuid4().hex[:8]}.db'}"
        made = make_test_app(url, self.tmp / f"instance{len(self.apps)}", **extra)
        self.apps.append(made)
        return made

    def close(self) -> None:
        for made in self.apps:
            with made.app_context():
                db.engine.dispose()
        self.pg.drop_all()


@pytest.fixture
def places(tmp_path: Path) -> Iterator[Places]:
    made = Places(tmp_path)
    yield made
    made.close()


@dataclass(frozen=True)
class Facts:
    """Who reads which assessment, and the ids the checks need."""

    readers: dict[int, str]
    instansi_id: int
    #: The SPBE assessment and its koordinator, who writes more.
    spbe_id: int
    writer_id: int
    #: A value for each variable of the GET routes (``tests.routes.fill``), in the SPBE assessment.
    ids: dict[str, Any]

    def writer(self) -> User:
        return db.session.get_one(User, self.writer_id)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def fill(app: Flask) -> Facts:
    """A migrated database with two instansi: an SPBE assessment (a PDF linked to I1, comments, notifications, a
    running and a finished export, a saved answer, a logo) and a Pemdi one (a PDF of three pages and a JPEG scan)."""
    with app.app_context(), writing():
        upgrade()
        sync_instruments()
        spbe = build_world()
        pemdi = build_world("pemdi-2026", units=((None, "Kominfo"),), outsider=())
        seeded = seed_objects(spbe, app)
        storage, policy = app.extensions["storage"], app.extensions["upload_policy"]
        for name, data in (("Laporan 2025.pdf", pdf_bytes(pages=3, text="Laporan")), ("Foto rapat.jpg", jpeg_bytes())):
            uploaded = evidence_service.upload(
                assessment=pemdi.assessment,
                stream=io.BytesIO(data),
                filename=name,
                meta=None,
                user=pemdi.koordinator,
                storage=storage,
                policy=policy,
            )
            comment_service.add_comment(
                assessment=pemdi.assessment,
                author=pemdi.reviewer,
                body=f"Cek {name} 💾\nbaris kedua",
                evidence=uploaded,
            )
        answer = spbe.answer("I1")
        save_level_answer(
            answer=answer,
            expected_version=answer.version,
            level=3,
            fakta="Perwali «SPBE» sudah ditetapkan",
            analisis="Baris satu\nbaris dua",
            actor=spbe.pengisi,
        )
        admin_service.set_logo(instansi=spbe.instansi, stream=io.BytesIO(_png()), filename="logo.png", storage=storage)
        db.session.add(
            Export(
                assessment_id=spbe.assessment.id,
                state=ExportState.DONE,
                started_at=utcnow(),
                finished_at=utcnow(),
                directory="selesai",
                step_text=JSON.NULL,
                pdf_sha256="0" * 64,
                pdf_pages=1,
                evidence_files=0,
            )
        )
        db.session.commit()
        readers = {spbe.assessment.id: spbe.koordinator.email, pemdi.assessment.id: pemdi.koordinator.email}
        ids = {**seeded.ids, "notification_id": seeded.notifications["koordinator"]}
        return Facts(readers, spbe.instansi.id, spbe.assessment.id, spbe.koordinator.id, ids)


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


#: Exports come back without their files: these columns say so (see test_exports_come_back_without_their_files).
SETTLED = {"state", "finished_at", "error", "error_text"}


def rows_of(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as stored (times in UTC), by primary key."""
    found = {}
    with app.app_context(), db.engine.connect() as conn:
        for tbl in Base.metadata.sorted_tables:
            names = [c.name for c in tbl.columns if not (tbl.name == "exports" and c.name in SETTLED)]
            plain = table(tbl.name, *(column(c.name, backup.stored_type(c.type)) for c in tbl.columns))
            query = select(*(plain.c[n] for n in names)).order_by(*(plain.c[c.name] for c in tbl.primary_key))
            found[tbl.name] = [tuple(_utc(v) for v in row) for row in conn.execute(query)]
    return found


def downloads(app: Flask, facts: Facts) -> dict[tuple[int, int, int], str]:
    """The SHA-256 of every version of every document, downloaded by a reader of its assessment, and of the logo."""
    with app.app_context():
        versions = db.session.execute(
            select(Evidence.assessment_id, EvidenceVersion.evidence_id, EvidenceVersion.number, Blob.sha256)
            .join(Evidence, Evidence.id == EvidenceVersion.evidence_id)
            .join(Blob, Blob.id == EvidenceVersion.blob_id)
            .order_by(EvidenceVersion.id)
        ).all()
    hashes = {}
    for assessment_id, email in facts.readers.items():
        client = app.test_client()
        login(client, email)
        for aid, eid, number, sha256 in versions:
            if aid != assessment_id:
                continue
            response = client.get(f"/penilaian/{aid}/pustaka/{eid}/versi/{number}/unduh")
            assert response.status_code == 200
            hashes[(aid, eid, number)] = hashlib.sha256(response.data).hexdigest()
            assert hashes[(aid, eid, number)] == sha256
    client = app.test_client()
    login(client, facts.readers[facts.spbe_id])
    logo = client.get(f"/instansi/{facts.instansi_id}/logo")
    assert logo.status_code == 200
    hashes[(0, facts.instansi_id, 0)] = hashlib.sha256(logo.data).hexdigest()
    return hashes


def projections(app: Flask, facts: Facts) -> dict[int, tuple[Any, ...]]:
    with app.app_context():
        found = {}
        for aid in facts.readers:
            projected = project_all(db.session.get_one(Assessment, aid))
            found[aid] = (projected.claimed, projected.reviewer, projected.final)
        db.session.remove()
    return found


#: What differs between two renderings of the same page: the CSP nonce, the CSRF tokens of the session (a form with
#: a prefix, such as the indicator page's uploads, names its token ``<prefix>-csrf_token``) and the seconds the
#: sign-in has left.
_VOLATILE = re.compile(
    r'(nonce="|nonce-|name="(?:[\w-]+-)?csrf_token" value="|csrf-token" content="|csrf_token='
    r'|session-expires-in" content=")[^"\'&]+'
)


def pages(app: Flask, facts: Facts) -> dict[str, tuple[int, str]]:
    """Every GET route of the app with the SPBE assessment's ids, as its koordinator (status and page; a file's
    bytes may carry the time it was made, so for a download its type), and the main pages of the Pemdi one."""
    shown = {}
    client = app.test_client()
    login(client, facts.readers[facts.spbe_id])
    for rule in routes.rules(app, ["GET"], static=False):
        if rule.endpoint.startswith("exports."):
            continue  # exports come back without their files, by design (test_exports_come_back_without_their_files)
        url = routes.fill(rule.rule, facts.ids)
        response = client.get(url)
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else response.mimetype
        shown[url] = (response.status_code, _VOLATILE.sub(r"\1…", page))
    pemdi_id = next(aid for aid in facts.readers if aid != facts.spbe_id)
    client = app.test_client()
    login(client, facts.readers[pemdi_id])
    for path in (f"/penilaian/{pemdi_id}", f"/penilaian/{pemdi_id}/dasbor", f"/penilaian/{pemdi_id}/pustaka/"):
        response = client.get(path)
        assert response.status_code == 200, path
        shown[path] = (200, _VOLATILE.sub(r"\1…", response.get_data(as_text=True)))
    assert sum(1 for status, _ in shown.values() if status == 200) > 40  # the crawl reached the pages
    return shown


def assert_same_pages(restored: dict[str, tuple[int, str]], original: dict[str, tuple[int, str]]) -> None:
    """Every page the same; a difference is shown as a diff of the page."""
    assert restored.keys() == original.keys()
    for url, (status, page) in original.items():
        again, shown = restored[url]
        assert again == status, url
        if shown != page:
            diff = difflib.unified_diff(page.splitlines(), shown.splitlines(), "original", "restored", lineterm="", n=1)
            pytest.fail(f"{url} differs after the restore:\n" + "\n".join(list(diff)[:40]))


def manifest_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def is_empty(app: Flask, keys: list[str]) -> bool:
    """No table of the app's database has a row, and the store has none of the objects."""
    with app.app_context():
        storage = app.extensions["storage"]
        with db.engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
            counts = [conn.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names]
        return not any(counts) and not any(storage.exists(key) for key in keys)


@pytest.mark.parametrize(
    ("source", "target"), [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "sqlite")]
)
def test_restore_gives_back_every_row_file_index_and_page(places: Places, source: str, target: str) -> None:
    src = places.app(source)
    facts = fill(src)
    folder = places.tmp / "cadangan"
    made = run(src, "backup", "--out", str(folder))
    assert made.exit_code == 0, made.output
    manifest = manifest_of(folder)
    assert manifest["objects"]
    assert not manifest["unavailable"]
    assert "objek disalin 4" in made.output  # the PDF of seed_objects, the Pemdi PDF and JPEG, the logo

    dst = places.app(target)
    restored = run(dst, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    assert "Pemulihan selesai" in restored.output
    assert "4 objek" in restored.output

    assert rows_of(dst) == rows_of(src)
    assert downloads(dst, facts) == downloads(src, facts)
    assert projections(dst, facts) == projections(src, facts)
    assert_same_pages(pages(dst, facts), pages(src, facts))
    with dst.app_context(), writing():  # the restored database takes new rows (PostgreSQL's sequences continue)
        spbe = db.session.get_one(Assessment, facts.spbe_id)
        comment_service.add_comment(
            assessment=spbe, author=facts.writer(), body="Setelah pemulihan", answer=spbe.answers[0]
        )
        db.session.add(Instansi(slug="baru", name="Kabupaten Baru", kind="kabupaten"))
        db.session.commit()
        null_steps = db.session.scalar(select(func.count()).select_from(Export).where(Export.step_text.is_(None)))
        assert null_steps == 1  # the running export's SQL NULL stays NULL, the finished one's JSON null stays JSON


def test_a_backup_from_local_disk_restores_into_s3(places: Places, moto_s3: MotoServer) -> None:
    """The way from the embedded default to a server: SQLite and local files, restored into PostgreSQL and a
    bucket."""
    src = places.app("sqlite", STORAGE_BACKEND="local")
    facts = fill(src)
    folder = places.tmp / "cadangan"
    assert run(src, "backup", "--out", str(folder)).exit_code == 0
    dst = places.app("postgresql", **moto_s3.settings(moto_s3.new_bucket()))
    restored = run(dst, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    with dst.app_context():
        storage = dst.extensions["storage"]
        keys = [entry["key"] for entry in manifest_of(folder)["objects"]]
        assert sorted(storage.stored_keys()) == sorted(keys)
        assert all(storage.local_path(key) is None for key in keys)  # in the bucket, not on disk
    assert rows_of(dst) == rows_of(src)
    assert downloads(dst, facts) == downloads(src, facts)
    assert projections(dst, facts) == projections(src, facts)


def test_a_store_holding_other_objects_is_refused(places: Places) -> None:
    src = places.app("sqlite")
    fill(src)
    folder = places.tmp / "cadangan"
    assert run(src, "backup", "--out", str(folder)).exit_code == 0
    dst = places.app("sqlite")
    with dst.app_context():
        storage = dst.extensions["storage"]
        other = storage.put(stage(io.BytesIO(b"berkas instalasi lain"), storage.staging_dir(), max_bytes=1024))
    refused = run(dst, "restore", str(folder))
    assert refused.exit_code != 0
    assert "penyimpanan tujuan tidak kosong" in refused.output
    assert other in refused.output
    with dst.app_context():
        assert list(dst.extensions["storage"].stored_keys()) == [other]


def test_exports_come_back_without_their_files(places: Places) -> None:
    src = places.app("sqlite")
    fill(src)
    folder = places.tmp / "cadangan"
    assert run(src, "backup", "--out", str(folder)).exit_code == 0
    dst = places.app("sqlite")
    assert run(dst, "restore", str(folder)).exit_code == 0
    with dst.app_context():
        states = db.session.scalars(select(Export.state).order_by(Export.id)).all()
        stopped = db.session.scalars(select(Export).where(Export.state == ExportState.FAILED)).one()
        assert stopped.error
        assert stopped.error_text
        assert stopped.finished_at is not None
    assert states == [ExportState.FAILED, ExportState.PRUNED]  # was running, was finished


def test_second_backup_into_the_same_folder_copies_only_new_objects(places: Places) -> None:
    src = places.app("sqlite")
    facts = fill(src)
    folder = places.tmp / "cadangan"
    first = run(src, "backup", "--out", str(folder))
    assert first.exit_code == 0, first.output
    assert "objek disalin 4 (0.0 MiB), dipakai ulang 0" in first.output
    rows_dir = manifest_of(folder)["rows_dir"]

    again = run(src, "backup", "--out", str(folder))
    assert again.exit_code == 0, again.output
    assert "objek disalin 0 (0.0 MiB), dipakai ulang 4" in again.output

    with src.app_context(), writing():
        assessment = db.session.get_one(Assessment, facts.spbe_id)
        evidence_service.upload(
            assessment=assessment,
            stream=io.BytesIO(pdf_bytes(pages=2, text="Baru")),
            filename="SK baru.pdf",
            meta=None,
            user=facts.writer(),
            storage=src.extensions["storage"],
            policy=src.extensions["upload_policy"],
        )
        db.session.commit()
    third = run(src, "backup", "--out", str(folder))
    assert third.exit_code == 0, third.output
    assert "objek disalin 1 (0.0 MiB), dipakai ulang 4" in third.output
    manifest = manifest_of(folder)
    assert len(manifest["objects"]) == 5
    assert [p.name for p in folder.glob("rows-*")] == [manifest["rows_dir"]] != [rows_dir]

    dst = places.app("sqlite")
    assert run(dst, "restore", str(folder)).exit_code == 0
    assert rows_of(dst) == rows_of(src)


def test_a_corrupted_object_stops_the_restore_naming_it(places: Places) -> None:
    src = places.app("sqlite")
    fill(src)
    folder = places.tmp / "cadangan"
    assert run(src, "backup", "--out", str(folder)).exit_code == 0
    manifest = manifest_of(folder)
    damaged = next(o for o in manifest["objects"] if o["rows"][0].startswith("blobs#"))
    path = folder / "objects" / damaged["key"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    dst = places.app("postgresql")
    refused = run(dst, "restore", str(folder))
    assert isinstance(refused.exception, SystemExit)
    assert refused.exit_code != 0
    assert f"objek {damaged['key']} rusak" in refused.output
    assert damaged["rows"][0] in refused.output
    assert is_empty(dst, [o["key"] for o in manifest["objects"]])
    with dst.app_context(), db.engine.connect() as conn:
        assert inspect(conn).get_table_names() == []  # checked before anything was written, the schema too


def test_a_target_with_rows_or_objects_is_refused(places: Places) -> None:
    src = places.app("sqlite")
    fill(src)
    folder = places.tmp / "cadangan"
    assert run(src, "backup", "--out", str(folder)).exit_code == 0
    keys = [o["key"] for o in manifest_of(folder)["objects"]]

    used = places.app("sqlite")
    with used.app_context(), writing():
        upgrade()
        sync_instruments()
        db.session.commit()
    refused = run(used, "restore", str(folder))
    assert refused.exit_code != 0
    assert "basis data tujuan tidak kosong" in refused.output
    assert "instruments: 2 baris" in refused.output
    with used.app_context():
        assert db.session.scalar(select(func.count()).select_from(Instansi)) == 0
        assert not any(used.extensions["storage"].exists(key) for key in keys)

    stocked = places.app("sqlite")
    with stocked.app_context():
        storage = stocked.extensions["storage"]
        with open(folder / "objects" / keys[0], "rb") as handle:
            storage.put(stage(handle, storage.staging_dir(), max_bytes=10**8))
    refused = run(stocked, "restore", str(folder))
    assert refused.exit_code != 0
    assert "penyimpanan tujuan tidak kosong" in refused.output
    assert is_empty(stocked, keys[1:])


def test_a_target_with_the_schema_and_no_rows_is_accepted(places: Places) -> None:
    src = places.app("postgresql")
    fill(src)
    folder = places.tmp / "cadangan"
    made = run(src, "backup", "--out", str(folder))
    assert "tidak ikut dicadangkan" in made.output  # the secrets are kept apart
    schema_only = places.app("sqlite")
    with schema_only.app_context(), writing():
        upgrade()
    restored = run(schema_only, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    assert "Membuat skema" not in restored.output
    assert rows_of(schema_only) == rows_of(src)


def _old_backup(folder: Path) -> None:
    """A backup as an older Mandiri wrote it, at the initial schema (no later column of the instansi table)."""
    rows_dir = folder / "rows-lama"
    rows_dir.mkdir(parents=True)
    stamp = "2026-01-02T03:04:05+00:00"
    line = json.dumps([7, "lama", "Kabupaten Lama", "kabupaten", stamp, stamp])
    data = (line + "\n").encode()
    (rows_dir / "instansi.jsonl").write_bytes(data)
    columns = [["id", "int"], ["slug", "str"], ["name", "str"], ["kind", "enum"]]
    columns += [["created_at", "datetime_tz"], ["updated_at", "datetime_tz"]]
    table_entry = {"name": "instansi", "file": "rows-lama/instansi.jsonl", "rows": 1, "size": len(data)}
    table_entry |= {"sha256": hashlib.sha256(data).hexdigest(), "columns": columns, "primary_key": ["id"]}
    manifest = {"format": backup.FORMAT, "version": backup.FORMAT_VERSION, "revision": "900e261f9878"}
    manifest |= {"rows_dir": "rows-lama", "tables": [table_entry], "objects": [], "unavailable": []}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(("engine", "migrated"), [("sqlite", False), ("postgresql", True)])
def test_a_backup_of_an_older_schema_is_restored_then_migrated(places: Places, engine: str, migrated: bool) -> None:
    """Into a new database, or one already at the newest schema (taken down to the backup's revision first)."""
    folder = places.tmp / "lama"
    _old_backup(folder)
    dst = places.app(engine)
    if migrated:
        with dst.app_context(), writing():
            upgrade()
    restored = run(dst, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    assert "Membuat skema di revisi 900e261f9878" in restored.output
    assert "dimigrasikan ke" in restored.output
    with dst.app_context():
        instansi = db.session.get_one(Instansi, 7)
        assert (instansi.slug, instansi.name, instansi.active) == ("lama", "Kabupaten Lama", True)
        assert _utc(instansi.created_at) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        head = ScriptDirectory.from_config(dst.extensions["migrate"].migrate.get_config()).get_current_head()
        with db.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head


def test_a_failure_while_loading_leaves_no_rows_and_no_objects(places: Places) -> None:
    """A row the database refuses (a user's address twice) fails the restore after the objects were put."""
    src = places.app("sqlite")
    fill(src)
    folder = places.tmp / "cadangan"
    assert run(src, "backup", "--out", str(folder)).exit_code == 0
    manifest = manifest_of(folder)
    users = next(t for t in manifest["tables"] if t["name"] == "users")
    path = folder / users["file"]
    lines = path.read_bytes().splitlines(keepends=True)
    twin = json.loads(lines[0])
    twin[[name for name, _kind in users["columns"]].index("id")] = 10_000
    twin[[name for name, _kind in users["columns"]].index("fs_uniquifier")] = "kembar"
    path.write_bytes(b"".join(lines) + (json.dumps(twin) + "\n").encode())
    users.update(size=path.stat().st_size, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), rows=len(lines) + 1)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    dst = places.app("postgresql")
    failed = run(dst, "restore", str(folder))
    assert failed.exit_code != 0
    assert isinstance(failed.exception, SystemExit)  # a message, no traceback
    assert "Memasukkan 4 objek" in failed.output  # the objects were in before the rows failed
    assert "basis data tujuan menolak baris tabel users" in failed.output
    assert is_empty(dst, [o["key"] for o in manifest["objects"]])


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_backup_taken_while_writing_restores_consistently(places: Places, engine: str) -> None:
    src = places.app(engine)
    facts = fill(src)
    aid = facts.spbe_id
    written = [0]
    stop = threading.Event()
    failures: list[BaseException] = []

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                with src.app_context(), writing():
                    assessment = db.session.get_one(Assessment, aid)
                    author = facts.writer()
                    uploaded = evidence_service.upload(
                        assessment=assessment,
                        stream=io.BytesIO(pdf_bytes(text=f"Dokumen {written[0]}")),
                        filename=f"Dokumen {written[0]}.pdf",
                        meta=None,
                        user=author,
                        storage=src.extensions["storage"],
                        policy=src.extensions["upload_policy"],
                    )
                    comment_service.add_comment(assessment=assessment, author=author, body="Baru", evidence=uploaded)
                    db.session.commit()
                written[0] += 1
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while written[0] < 3 and writer.is_alive():
            stop.wait(0.01)
        for attempt in range(5):  # until a backup overlapped a write (the first one nearly always does)
            before = written[0]
            folder = places.tmp / f"cadangan{attempt}"
            made = run(src, "backup", "--out", str(folder))
            during = written[0] - before
            if during or made.exit_code:
                break
    finally:
        stop.set()
        writer.join()
    assert not failures, failures
    assert made.exit_code == 0, made.output
    assert during >= 1  # the writer went on while the backup read

    dst = places.app("sqlite" if engine == "postgresql" else "postgresql")
    restored = run(dst, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    with dst.app_context():
        documents = db.session.scalars(select(Evidence).where(Evidence.assessment_id == aid)).all()
        assert before <= len(documents) - 1 <= before + during + 1
        storage = dst.extensions["storage"]
        commented = set(db.session.scalars(select(Comment.evidence_id).where(Comment.evidence_id.is_not(None))))
        for document in documents:  # each with its version, its blob's bytes and the comment written with it
            assert document.current_version is not None
            assert storage.exists(document.current_version.blob.storage_key)
            assert document.id in commented


def test_object_columns_are_every_storage_key_column() -> None:
    found = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns if c.name.endswith("_key")}
    assert found == set(backup.OBJECT_COLUMNS)


def test_a_folder_without_manifest_is_not_a_backup(places: Places) -> None:
    folder = places.tmp / "setengah"
    (folder / "objects").mkdir(parents=True)
    dst = places.app("sqlite")
    refused = run(dst, "restore", str(folder))
    assert refused.exit_code != 0
    assert "manifest.json tidak ada" in refused.output


def test_an_unwritable_folder_fails_with_a_message(places: Places) -> None:
    src = places.app("sqlite")
    fill(src)
    blocker = places.tmp / "berkas"
    blocker.write_text("bukan folder", encoding="utf-8")
    failed = run(src, "backup", "--out", str(blocker / "cadangan"))
    assert failed.exit_code != 0
    assert isinstance(failed.exception, SystemExit)  # a message, no traceback
    assert "Pencadangan gagal" in failed.output
