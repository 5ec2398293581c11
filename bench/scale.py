"""B11: every main page on a province-sized PostgreSQL database against the same page on a small one, in one run.

Two fresh databases on the PostgreSQL server of ``--database-url`` (an admin connection; the databases are created
beside it and dropped at the end unless ``--keep``), both migrated with the app's own migrations and instruments
(what ``mandiri init`` does), both with the demo instansi (``mandiri demo``) whose SPBE assessment is filled through
the services as B8 fills it (``bench.pages.fill``: 47 answers, ~6 documents each, 4 comments per answer), and 10
indicators assigned through the service (the trail then names units and people): ~790 audit entries.

Small: that instansi alone, with every list a timed page shows full (:func:`full_pages`: by default 50 comments on
each indicator, 20 notifications per user, 40,000 audit entries, so a page of them per indicator and per document),
so that the ratio measures what lies behind a page, not how many rows it shows. Large: the same demo, then grown to
a province with COPY: ``--instansi`` instansi (the demo one is the
measured one) × ``--users`` users (memberships, one unit each) × ``--units`` units; one SPBE assessment each with
all 47 answers; ``--documents`` documents per instansi with versions and blobs (rows only: no timed page reads a
file); ~50 comments per indicator in the measured instansi, 4 per answer elsewhere; ~20 notifications per user;
audit entries — ``--audit-entries`` in the measured assessment, ``--other-audit-entries`` in each other one —
with the action codes, object types, changes and summaries the services write, real actors, indicators and
documents, spread over the year before the build. Then VACUUM ANALYZE.

Each page is requested in-process (``app.test_client``, signed in as the demo koordinator; the read-only indicator
as the pembaca): ``--warmup`` requests, one more with every SQL statement counted and timed, then ``--repeat``
timed requests, alternately on the small and the large database (fewer, at least 5, once a page has taken
``--budget`` seconds: the count is printed); every response must be 200. Printed: p50 and
p95 on both, the ratio large/small and the queries per page. Targets (QUALITY.md, B11): p50 ≤ 1.5× the small
database's and ≤ 50 ms. The slowest statement of each page on the large database is run again under
``EXPLAIN (ANALYZE, BUFFERS)``; the plans go beside the results file (``bench-results.json`` →
``bench-scale-explain.txt``).
Then the audit CSV of the whole measured assessment is streamed through the test client: rows (checked against
the trail), bytes, time, rows/s, the queries issued and this process's RSS sampled while it streams. Target:
≤ 20 s with memory flat (growth ≤ 32 MiB). ``--csv-timeout`` stops a stream that takes longer (reported as such).
``--keep`` keeps both databases; ``--reuse NAME`` measures a kept large one instead of building it, after bringing
it to this code's migrations (so new indexes are measured without a rebuild).

    .venv/bin/python -m bench.scale [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--audit-entries 1000000] [--repeat 30] [--keep] [--reuse DBNAME] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import platform
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psutil  # type: ignore[import-untyped]
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bench import create_database, database_exists, database_url, drop_database, merge_results
from bench.pages import VOCABULARY, fill

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-password"  # noqa: S105 - the throwaway demo login of a temporary database
KOORDINATOR = "koordinator@kota-contoh.go.id"
PEMBACA = "pembaca@kota-contoh.go.id"
PENGISI = "pengisi@kota-contoh.go.id"
#: Indicators the small database's koordinator assigns to the pengisi through the service.
ASSIGNED = 10
SEED = 20261206
TARGET_RATIO = 1.5
TARGET_P50_MS = 50.0
TARGET_CSV_S = 20.0
TARGET_CSV_GROWTH_MIB = 32.0
RSS_POLL_S = 0.05
#: Timed requests of a page however slow it is (``--budget``).
MIN_REPEAT = 5
MIB = 1024 * 1024
ZONE = ZoneInfo("Asia/Jakarta")
#: Rows handed to COPY between two progress lines of the build.
PROGRESS_EVERY = 250_000

FIRST_NAMES = [
    "Adi", "Agus", "Bambang", "Budi", "Citra", "Dewi", "Dian", "Eko", "Fajar", "Fitri", "Gita", "Hadi", "Hendra",
    "Indah", "Joko", "Kartika", "Lestari", "Made", "Nur", "Putri", "Rahmat", "Rina", "Sari", "Siti", "Taufik",
    "Teguh", "Wahyu", "Wulan", "Yoga", "Yuni",
]  # fmt: skip
LAST_NAMES = [
    "Gunawan", "Hakim", "Harahap", "Hidayat", "Kurniawan", "Nasution", "Nugroho", "Pratama", "Putra", "Rahayu",
    "Santoso", "Saputra", "Setiawan", "Simanjuntak", "Siregar", "Susanto", "Utami", "Wibowo", "Wijaya", "Yulianti",
]  # fmt: skip
UNIT_NAMES = [
    ("Sekretariat Daerah", "Setda"), ("Sekretariat DPRD", "Setwan"), ("Inspektorat Daerah", "Inspektorat"),
    ("Badan Perencanaan Pembangunan Daerah", "Bappeda"), ("Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD"),
    ("Badan Pendapatan Daerah", "Bapenda"), ("Badan Kepegawaian dan Pengembangan SDM", "BKPSDM"),
    ("Badan Penanggulangan Bencana Daerah", "BPBD"), ("Badan Kesatuan Bangsa dan Politik", "Kesbangpol"),
    ("Satuan Polisi Pamong Praja", "Satpol PP"), ("Dinas Pendidikan", "Disdik"), ("Dinas Kesehatan", "Dinkes"),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR"), ("Dinas Perumahan dan Kawasan Permukiman", "Perkim"),
    ("Dinas Sosial", "Dinsos"), ("Dinas Tenaga Kerja", "Disnaker"), ("Dinas Lingkungan Hidup", "DLH"),
    ("Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"), ("Dinas Pemberdayaan Masyarakat dan Desa", "DPMD"),
    ("Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DP3A"), ("Dinas Perhubungan", "Dishub"),
    ("Dinas Komunikasi dan Informatika", "Diskominfo"), ("Dinas Koperasi dan UKM", "Diskop UKM"),
    ("Dinas Penanaman Modal dan PTSP", "DPMPTSP"), ("Dinas Kepemudaan dan Olahraga", "Dispora"),
    ("Dinas Kebudayaan", "Disbud"), ("Dinas Pariwisata", "Dispar"), ("Dinas Perpustakaan dan Kearsipan", "Dispusip"),
    ("Dinas Perikanan", "Diskan"), ("Dinas Ketahanan Pangan", "DKP"), ("Dinas Pertanian", "Distan"),
    ("Dinas Perdagangan", "Disdag"), ("Dinas Perindustrian", "Disperin"), ("Rumah Sakit Umum Daerah", "RSUD"),
    ("Badan Riset dan Inovasi Daerah", "Brida"), ("Kecamatan Kota", "Kec. Kota"),
]  # fmt: skip
PLACES = [
    "Sukamaju", "Tanjung Harapan", "Sungai Jernih", "Bukit Indah", "Padang Luas", "Karang Asri", "Lembah Hijau",
    "Teluk Biru", "Gunung Sari", "Batu Putih", "Muara Baru", "Pantai Timur", "Rawa Bening", "Sumber Rejo",
    "Kali Mas", "Tanah Merah", "Air Dingin", "Pulau Tiga", "Danau Raya", "Kebun Jeruk", "Talang Emas", "Ujung Batu",
    "Simpang Empat", "Labuhan Ratu", "Bandar Lama", "Koto Baru", "Lubuk Sikaping", "Sei Rampah", "Tebing Tinggi",
    "Pasir Putih", "Way Kanan", "Bumi Ayu",
]  # fmt: skip
DOC_KINDS = [
    ("peraturan", "Peraturan Kepala Daerah Nomor {n} Tahun {y} tentang {t}"),
    ("peraturan", "Keputusan Kepala Daerah Nomor {n} Tahun {y} tentang Tim {t}"),
    ("perencanaan", "Rencana Induk {t} Tahun {y}"),
    ("perencanaan", "Peta Rencana {t} {y}"),
    ("laporan", "Laporan Evaluasi {t} Tahun {y}"),
    ("laporan", "Laporan Audit {t} {y}"),
    ("notulen", "Notulen Rapat Koordinasi {t} {y}"),
    ("tangkapan_layar", "Tangkapan Layar Aplikasi {t}"),
    ("manual", "Manual Pengguna Aplikasi {t}"),
    ("lainnya", "Daftar Hadir Sosialisasi {t} {y}"),
]
TOPICS = [
    "Arsitektur SPBE", "Pusat Data", "Manajemen Risiko SPBE", "Keamanan Informasi", "Layanan Publik Terintegrasi",
    "Satu Data", "Jaringan Intra Pemerintah", "Sistem Penghubung Layanan", "Manajemen Aset TIK",
    "Audit TIK", "Inovasi Daerah", "Kearsipan Digital", "Layanan Pengaduan", "Pengadaan Elektronik",
    "Kepegawaian", "Perencanaan Pembangunan", "Penganggaran", "Keuangan Daerah", "Kinerja", "Whistleblowing System",
]  # fmt: skip
#: Members per role in every instansi of ``--users`` members (the rest are pengisi).
ROLE_SHARE = {"admin": 0.01, "koordinator": 0.02, "reviewer": 0.10, "pembaca": 0.07}
#: The audit trail's mix of actions (weights), as the services write them over a year of work.
ACTION_WEIGHTS = {
    "answer.save": 30.0,
    "answer.edit": 3.0,
    "answer.link": 12.0,
    "answer.unlink": 3.0,
    "answer.submit": 4.0,
    "answer.withdraw": 1.0,
    "answer.assign": 3.0,
    "evidence.upload": 8.0,
    "evidence.version": 2.0,
    "evidence.update": 3.0,
    "evidence.delete": 0.5,
    "comment.create": 15.0,
    "comment.edit": 1.0,
    "comment.resolve": 2.0,
    "comment.reopen": 0.5,
    "review.value": 4.0,
    "review.approve": 3.0,
    "review.send_back": 1.5,
    "review.final": 1.0,
    "assessment.deadline": 0.05,
    "reminder.manual": 0.3,
    "export_requested": 0.2,
    "signatory_changed": 0.05,
    "stage.set": 0.02,
    "target.set": 0.05,
}
SUBMIT_CHECKS = ["check.no_level", "check.empty_both", "check.no_items"]


# ------------------------------------------------------------------------------------------------ the app


@dataclass(frozen=True)
class Settings:
    """Fixed, so a database kept by one run (``--keep``) signs in again in another (``--reuse``): the password's
    hash depends on the salt. Throwaway databases of a benchmark."""

    secret_key: str = "bench-scale-secret-key"  # noqa: S105
    salt: str = "bench-scale-password-salt"


def make_app(url: str, workdir: Path, settings: Settings) -> Flask:
    from assess import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": settings.secret_key,
            "SECURITY_PASSWORD_SALT": settings.salt,
            "WTF_CSRF_ENABLED": False,
            "STORAGE_ROOT": str(workdir / "store"),
            "EXPORT_ROOT": str(workdir / "exports"),
            "RATELIMIT_ENABLED": False,
            "JOBS_BACKEND": "immediate",
            "LOG_LEVEL": "WARNING",
        },
        environ={},
    )


def build_small(url: str, workdir: Path, settings: Settings) -> int:
    """``mandiri init`` + ``mandiri demo`` + B8's fill; returns the assessment's id."""
    from flask_migrate import upgrade

    from assess.database import writing
    from assess.extensions import db
    from assess.services.demo import load_demo
    from assess.services.instruments import sync_instruments

    app = make_app(url, workdir, settings)
    with app.app_context():
        with writing():
            upgrade()
            sync_instruments()
            load_demo(PASSWORD)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    env = {
        "MANDIRI_DATABASE_URL": url,
        "MANDIRI_SECRET_KEY": settings.secret_key,
        "MANDIRI_SECURITY_PASSWORD_SALT": settings.salt,
        "MANDIRI_STORAGE_ROOT": str(workdir / "store"),
        "MANDIRI_LOG_LEVEL": "WARNING",
    }
    assessment_id = fill(env, seed=SEED)
    assign_some(make_app(url, workdir, settings), ASSIGNED)
    return assessment_id


def migrate(url: str, workdir: Path, settings: Settings) -> None:
    """A kept database brought to this code's migrations (new indexes included), as ``mandiri init`` would."""
    from flask_migrate import upgrade

    from assess.database import writing
    from assess.extensions import db

    app = make_app(url, workdir, settings)
    with app.app_context():
        with writing():
            upgrade()
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


def assign_some(app: Flask, count: int) -> None:
    """The koordinator assigns the first ``count`` indicators to another unit, then to the demo pengisi and their unit,
    through the service: the trail then names units and people by id, as a real one does."""
    from sqlalchemy import select

    from assess.database import writing
    from assess.extensions import db
    from assess.models import Assessment, Unit, User
    from assess.services.answers import assign

    with app.app_context():
        with writing():
            assessment = db.session.scalars(select(Assessment)).one()
            koordinator = db.session.scalars(select(User).where(User.email == KOORDINATOR)).one()
            pengisi = db.session.scalars(select(User).where(User.email == PENGISI)).one()
            answers = sorted(assessment.answers, key=lambda a: a.indicator.position)[:count]
            unit = pengisi.unit_links[0].unit
            other = db.session.scalars(
                select(Unit).where(Unit.instansi_id == assessment.instansi_id, Unit.id != unit.id).order_by(Unit.id)
            ).first()
            assign(assessment=assessment, answers=answers, unit=other, user=None, actor=koordinator)
            assign(assessment=assessment, answers=answers, unit=unit, user=pengisi, actor=koordinator)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


# ------------------------------------------------------------------------------------------------ the province


@dataclass(frozen=True)
class Sizes:
    instansi: int = 30
    users: int = 100
    units: int = 35
    documents: int = 3000
    comments_per_indicator: int = 50
    comments_per_answer: int = 4
    notifications_per_user: int = 20
    audit_entries: int = 1_000_000
    other_audit_entries: int = 25_000
    links_per_answer: int = 6


@dataclass
class Doc:
    id: int
    title: str
    name: str
    sha: str
    size: int
    versions: int


@dataclass
class Tenant:
    """One instansi of the province as the generators need it (ids of what its rows refer to)."""

    instansi_id: int
    assessment_id: int
    slug: str
    name: str
    users: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    koordinators: list[int] = field(default_factory=list)
    reviewers: list[int] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)  # indicator code → answer id
    docs: list[Doc] = field(default_factory=list)
    comments: dict[str, list[int]] = field(default_factory=dict)  # indicator code → comment ids

    def member(self, uid: int, name: str, role: str) -> None:
        """A member the generators may pick: as an actor, an author, a koordinator or a reviewer."""
        self.users.append(uid)
        self.names[uid] = name
        if role == "koordinator":
            self.koordinators.append(uid)
        if role == "reviewer":
            self.reviewers.append(uid)


class Texts:
    """Stored texts (:mod:`assess.texts`) as a row keeps them: the sentence and the JSON of key and parameters,
    rendered by the app itself (inside an app context) and remembered, as most repeat."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[str, str]] = {}

    def __call__(self, key: str, **params: Any) -> tuple[str, str]:
        from assess import texts

        cache_key = json.dumps([key, params], sort_keys=True, default=repr)
        hit = self.cache.get(cache_key)
        if hit is None:
            made = texts.text(key, **params)
            hit = (made.sentence(), json.dumps(made.stored()))
            if len(self.cache) < 100_000:
                self.cache[cache_key] = hit
        return hit

    @staticmethod
    def make(key: str, **params: Any) -> Any:
        from assess import texts

        return texts.text(key, **params)

    @staticmethod
    def number(value: int) -> Any:
        from assess import texts

        return texts.number(value, 0)


def _changes(*triples: tuple[str, Any, Any]) -> str:
    return json.dumps([{"field": f, "old": o, "new": n} for f, o, n in triples])


class Province:
    """Grows a database holding the filled demo instansi into a province, table by table with COPY."""

    def __init__(self, conn: Any, instrument_name: str, sizes: Sizes, seed: int, log: Callable[[str], None]) -> None:
        self.conn = conn  # a psycopg connection
        self.instrument_name = instrument_name
        self.sizes = sizes
        self.rng = random.Random(seed)  # noqa: S311 - test data
        self.log = log
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.year_ago = self.now - timedelta(days=365)
        self.next_id: dict[str, int] = {}
        self.texts = Texts()
        self.snippets = [self._words(self.rng.randint(12, 40)) for _ in range(400)]
        self.counts: dict[str, int] = {}

    # -- helpers

    def _words(self, n: int) -> str:
        return " ".join(self.rng.choice(VOCABULARY) for _ in range(n))

    def _ids(self, table: str, n: int) -> range:
        if table not in self.next_id:
            with self.conn.cursor() as cur:
                cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 - our table names
                row = cur.fetchone()
                self.next_id[table] = int(row[0])
        start = self.next_id[table]
        self.next_id[table] = start + n
        return range(start, start + n)

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        n = 0
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
                if n % PROGRESS_EVERY == 0:
                    self.log(f"  {table}: {n:,} rows")
        self.counts[table] = self.counts.get(table, 0) + n
        return n

    def _when(self, newest: datetime | None = None) -> datetime:
        """A moment in the year before the build (or before ``newest``)."""
        end = newest or self.now - timedelta(hours=1)
        span = (end - self.year_ago).total_seconds()
        return self.year_ago + timedelta(seconds=self.rng.uniform(0, span))

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
            return row[0] if row else None

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    # -- the whole

    def grow(self) -> dict[str, int]:
        measured_instansi = self._scalar("SELECT id FROM instansi WHERE slug = 'kota-contoh'")
        assessment = self._rows(
            "SELECT id, instrument_id, year, predikat_basis FROM assessments WHERE instansi_id = %s",
            (measured_instansi,),
        )[0]
        measured_assessment, self.instrument_id, self.year, self.basis = assessment
        #: An assessment's display name, as notifications name it (``Assessment.display_name``).
        self.where = f"{{}} {self.year} · {self.instrument_name}"
        self.indicators = self._rows(
            "SELECT id, code FROM indicators WHERE instrument_id = %s ORDER BY position", (self.instrument_id,)
        )
        self.password = self._scalar("SELECT password FROM users WHERE email = %s", (KOORDINATOR,))
        measured = Tenant(measured_instansi, measured_assessment, "kota-contoh", "Pemerintah Kota Contoh")
        tenants = [measured, *self._instansi()]
        self.log(f"  instansi: {len(tenants)}")
        for tenant in tenants:
            self._people(tenant)
        self.log(f"  users: {self.counts.get('users', 0):,} new")
        for tenant in tenants[1:]:
            self._assessment(tenant)
        self._answers_of(measured)
        for tenant in tenants:
            self._documents(tenant)
        self.log(f"  documents: {self.counts.get('evidence', 0):,} new")
        for tenant in tenants[1:]:
            self._links(tenant)
        self._comments(measured, per_indicator=self.sizes.comments_per_indicator)
        for tenant in tenants[1:]:
            self._comments(tenant, per_indicator=self.sizes.comments_per_answer)
        self.log(f"  comments: {self.counts.get('comments', 0):,} new")
        self._notifications(tenants)
        self.log(f"  notifications: {self.counts.get('notifications', 0):,} new")
        existing = self._scalar("SELECT count(*) FROM audit_entries WHERE assessment_id = %s", (measured_assessment,))
        self._audit(measured, max(self.sizes.audit_entries - int(existing), 0))
        for tenant in tenants[1:]:
            self._audit(tenant, self.sizes.other_audit_entries)
        self.log(f"  audit entries: {self.counts.get('audit_entries', 0):,} new")
        with self.conn.cursor() as cur:
            for table in self.next_id:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                )
        self.conn.commit()
        return self.counts

    # -- instansi, units, people

    def _instansi(self) -> list[Tenant]:
        n = self.sizes.instansi - 1
        ids = self._ids("instansi", n)
        tenants = []
        rows = []
        for i, iid in enumerate(ids):
            place = PLACES[i % len(PLACES)] + (f" {i // len(PLACES) + 1}" if i >= len(PLACES) else "")
            kind = "kota" if i % 3 == 0 else "kabupaten"
            name = f"Pemerintah {'Kota' if kind == 'kota' else 'Kabupaten'} {place}"
            slug = f"{kind}-{place.lower().replace(' ', '-')}"
            rows.append((iid, slug, name, kind, self.year_ago, self.year_ago, True))
            tenants.append(Tenant(iid, 0, slug, name))
        self._copy("instansi", ("id", "slug", "name", "kind", "created_at", "updated_at", "active"), rows)
        return tenants

    def _people(self, tenant: Tenant) -> None:
        existing_units = self._rows("SELECT id, name FROM units WHERE instansi_id = %s", (tenant.instansi_id,))
        taken = {name for _uid, name in existing_units}
        wanted = [u for u in UNIT_NAMES if u[0] not in taken][: max(self.sizes.units - len(existing_units), 0)]
        unit_ids = self._ids("units", len(wanted))
        self._copy(
            "units",
            ("id", "instansi_id", "name", "short_name", "active", "created_at", "updated_at"),
            [
                (uid, tenant.instansi_id, n, s, True, self.year_ago, self.year_ago)
                for uid, (n, s) in zip(unit_ids, wanted, strict=True)
            ],
        )
        tenant.units = [uid for uid, _n in existing_units] + list(unit_ids)
        members = self._rows(
            "SELECT u.id, u.name, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.instansi_id = %s",
            (tenant.instansi_id,),
        )
        for uid, name, role in members:
            tenant.member(uid, name, role)
        n = max(self.sizes.users - len(members), 0)
        roles = []
        for role, share in ROLE_SHARE.items():
            wanted_role = max(round(self.sizes.users * share), 1)
            roles += [role] * max(wanted_role - sum(1 for m in members if m[2] == role), 0)
        roles = (roles + ["pengisi"] * n)[:n]
        user_ids = self._ids("users", n)
        users, memberships, unit_members = [], [], []
        for uid, role in zip(user_ids, roles, strict=True):
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            email = f"{name.lower().replace(' ', '.')}.{uid}@{tenant.slug}.go.id"
            users.append(
                (
                    uid,
                    email,
                    name,
                    self.password,
                    True,
                    secrets.token_hex(16),
                    self.year_ago,
                    self.year_ago,
                    self.year_ago,
                )
            )
            memberships.append((tenant.instansi_id, uid, role))
            if role != "pembaca":
                unit_members.append((uid, self.rng.choice(tenant.units)))
            tenant.member(uid, name, role)
        self._copy(
            "users",
            ("id", "email", "name", "password", "active", "fs_uniquifier", "confirmed_at", "created_at", "updated_at"),
            users,
        )
        self._copy(
            "memberships",
            ("id", "instansi_id", "user_id", "role"),
            [(mid, *m) for mid, m in zip(self._ids("memberships", len(memberships)), memberships, strict=True)],
        )
        self._copy(
            "unit_members",
            ("id", "user_id", "unit_id"),
            [(mid, *m) for mid, m in zip(self._ids("unit_members", len(unit_members)), unit_members, strict=True)],
        )

    # -- assessments and answers

    def _assessment(self, tenant: Tenant) -> None:
        (tenant.assessment_id,) = self._ids("assessments", 1)
        self._copy(
            "assessments",
            (
                "id",
                "instansi_id",
                "instrument_id",
                "year",
                "state",
                "predikat_basis",
                "created_by_id",
                "created_at",
                "updated_at",
                "stage",
            ),
            [
                (
                    tenant.assessment_id,
                    tenant.instansi_id,
                    self.instrument_id,
                    self.year,
                    "pengisian",
                    self.basis,
                    tenant.koordinators[0],
                    self.year_ago,
                    self.year_ago,
                    "mandiri",
                )
            ],
        )
        states = ["draf", "draf", "siap_direviu", "disetujui", "perlu_perbaikan", "belum_diisi"]
        rows = []
        for aid, (indicator_id, code) in zip(self._ids("answers", len(self.indicators)), self.indicators, strict=True):
            state = self.rng.choice(states)
            words = self.rng.randrange(300, 901)
            filled = state != "belum_diisi"
            rows.append(
                (
                    aid,
                    tenant.assessment_id,
                    indicator_id,
                    self.rng.randint(1, 5) if filled else None,
                    self._words(words // 2) if filled else "",
                    self._words(words - words // 2) if filled else "",
                    state,
                    self.rng.choice(tenant.units),
                    self.rng.choice(tenant.users),
                    self.rng.randint(1, 12),
                    self.year_ago,
                    self._when(),
                )
            )
            tenant.answers[code] = aid
        self._copy(
            "answers",
            (
                "id",
                "assessment_id",
                "indicator_id",
                "claimed_value",
                "fakta",
                "analisis",
                "state",
                "assignee_unit_id",
                "assignee_user_id",
                "version",
                "created_at",
                "updated_at",
            ),
            rows,
        )

    def _answers_of(self, tenant: Tenant) -> None:
        for aid, code in self._rows(
            "SELECT a.id, i.code FROM answers a JOIN indicators i ON i.id = a.indicator_id WHERE a.assessment_id = %s",
            (tenant.assessment_id,),
        ):
            tenant.answers[code] = aid
        for cid, code in self._rows(
            "SELECT c.id, i.code FROM comments c JOIN answers a ON a.id = c.answer_id "
            "JOIN indicators i ON i.id = a.indicator_id WHERE c.assessment_id = %s",
            (tenant.assessment_id,),
        ):
            tenant.comments.setdefault(code, []).append(cid)

    # -- the library

    def _documents(self, tenant: Tenant) -> None:
        for eid, title, name, sha, size in self._rows(
            "SELECT e.id, e.title, v.original_name, b.sha256, b.size FROM evidence e "
            "JOIN evidence_versions v ON v.id = e.current_version_id JOIN blobs b ON b.id = v.blob_id "
            "WHERE e.assessment_id = %s",
            (tenant.assessment_id,),
        ):
            tenant.docs.append(Doc(eid, title, name, sha, size, 1))
        n = max(self.sizes.documents - len(tenant.docs), 0)
        evidence_ids = self._ids("evidence", n)
        versions = [1 + (self.rng.random() < 0.2) + (self.rng.random() < 0.05) for _ in range(n)]
        version_ids = iter(self._ids("evidence_versions", sum(versions)))
        blob_ids = iter(self._ids("blobs", sum(versions)))
        evidence_rows, version_rows, blob_rows = [], [], []
        for eid, count in zip(evidence_ids, versions, strict=True):
            doc_type, pattern = self.rng.choice(DOC_KINDS)
            doc_year = self.rng.randint(self.year - 4, self.year)
            title = pattern.format(n=self.rng.randint(1, 60), y=doc_year, t=self.rng.choice(TOPICS))
            name = title.lower().replace(" ", "-")[:120] + ".pdf"
            created = self._when()
            author = self.rng.choice(tenant.users)
            sha = ""
            size = 0
            for number in range(1, count + 1):
                version_id, blob_id = next(version_ids), next(blob_ids)
                sha = hashlib.sha256(f"{SEED}:{eid}:{number}".encode()).hexdigest()
                size = self.rng.randint(40_000, 6_000_000)
                at = created + timedelta(days=30 * (number - 1))
                blob_rows.append(
                    (
                        blob_id,
                        sha,
                        size,
                        "application/pdf",
                        "pdf",
                        f"sha256/{sha[:2]}/{sha[2:4]}/{sha}",
                        self.rng.randint(1, 60),
                        at,
                    )
                )
                version_rows.append((version_id, eid, number, blob_id, name, author, at))
            deleted = self.rng.random() < 0.02
            evidence_rows.append(
                (
                    eid,
                    tenant.assessment_id,
                    "file",
                    title,
                    doc_type,
                    None,
                    date(doc_year, self.rng.randint(1, 12), self.rng.randint(1, 28)),
                    self.rng.choice(tenant.units),
                    "",
                    author,
                    created if deleted else None,
                    author if deleted else None,
                    1 + count,
                    created,
                    created,
                )
            )
            if not deleted:
                tenant.docs.append(Doc(eid, title, name, sha, size, count))
        self._copy(
            "evidence",
            (
                "id",
                "assessment_id",
                "kind",
                "title",
                "doc_type",
                "number",
                "doc_date",
                "owner_unit_id",
                "notes",
                "created_by_id",
                "deleted_at",
                "deleted_by_id",
                "version",
                "created_at",
                "updated_at",
            ),
            evidence_rows,
        )
        self._copy(
            "blobs", ("id", "sha256", "size", "mime", "extension", "storage_key", "pages", "created_at"), blob_rows
        )
        self._copy(
            "evidence_versions",
            ("id", "evidence_id", "number", "blob_id", "original_name", "uploaded_by_id", "uploaded_at"),
            version_rows,
        )
        if evidence_rows:  # the versions exist now: each document points at its last one
            with self.conn.cursor() as cur:
                cur.execute(
                    "UPDATE evidence SET current_version_id = v.id FROM (SELECT DISTINCT ON (evidence_id) evidence_id, "
                    "id FROM evidence_versions WHERE evidence_id >= %s ORDER BY evidence_id, number DESC) v "
                    "WHERE evidence.id = v.evidence_id",
                    (evidence_ids[0],),
                )

    def _links(self, tenant: Tenant) -> None:
        rows = []
        for aid in tenant.answers.values():
            for doc in self.rng.sample(tenant.docs, min(self.sizes.links_per_answer, len(tenant.docs))):
                rows.append((aid, doc.id, self.rng.randint(1, 5), "", self.rng.choice(tenant.users), self._when()))
        self._copy(
            "answer_evidence",
            ("id", "answer_id", "evidence_id", "level", "note", "created_by_id", "created_at"),
            [(lid, *row) for lid, row in zip(self._ids("answer_evidence", len(rows)), rows, strict=True)],
        )

    # -- discussion and notifications

    def _comments(self, tenant: Tenant, per_indicator: int) -> None:
        rows: list[tuple[Any, ...]] = []
        for code, aid in tenant.answers.items():
            have = len(tenant.comments.get(code, []))
            n = max(per_indicator - have, 0)
            ids = self._ids("comments", n)
            top = None
            for cid in ids:
                reply = top is not None and self.rng.random() < 0.6
                at = self._when()
                resolved = not reply and self.rng.random() < 0.4
                author = self.rng.choice(tenant.reviewers if not reply and tenant.reviewers else tenant.users)
                rows.append(
                    (
                        cid,
                        tenant.assessment_id,
                        aid,
                        top if reply else None,
                        author,
                        self.rng.choice(self.snippets),
                        at if resolved else None,
                        author if resolved else None,
                        at,
                        at,
                    )
                )
                if not reply:
                    top = cid
                tenant.comments.setdefault(code, []).append(cid)
        self._copy(
            "comments",
            (
                "id",
                "assessment_id",
                "answer_id",
                "parent_id",
                "author_id",
                "body",
                "resolved_at",
                "resolved_by_id",
                "created_at",
                "updated_at",
            ),
            rows,
        )

    def _notifications(self, tenants: Sequence[Tenant]) -> None:
        codes = [code for _iid, code in self.indicators]

        def rows() -> Iterator[tuple[Any, ...]]:
            for tenant in tenants:
                per_user = dict.fromkeys(tenant.users, self.sizes.notifications_per_user)
                for uid in tenant.koordinators:
                    per_user[uid] = self.sizes.notifications_per_user * 15
                for uid, count in per_user.items():
                    for _ in range(count):
                        yield self._notification(tenant, uid, self.rng.choice(codes))

        ids = iter(range(self._ids("notifications", 0).start, 1 << 31))
        self._copy(
            "notifications",
            (
                "id",
                "user_id",
                "kind",
                "assessment_id",
                "answer_id",
                "comment_id",
                "actor_id",
                "message",
                "message_text",
                "url",
                "created_at",
                "read_at",
            ),
            ((next(ids), *row) for row in rows()),
        )
        self.next_id["notifications"] = next(ids)

    def _notification(self, tenant: Tenant, uid: int, code: str) -> tuple[Any, ...]:
        actor = self.rng.choice(tenant.users)
        kind = self.rng.choice(["assignment", "reply", "mention", "approval", "send_back"])
        comment = None
        url = f"/penilaian/{tenant.assessment_id}/indikator/{code}"
        who = tenant.names[actor]
        if kind == "assignment":
            sentence, stored = self.texts("notice.assigned_one", code=code, where=self.where.format(tenant.name))
        elif kind == "approval":
            sentence, stored = self.texts("notice.approved", code=code, name=who)
        elif kind == "send_back":
            sentence, stored = self.texts("notice.sent_back", code=code, name=who)
        else:
            comment = self.rng.choice(tenant.comments.get(code) or [None])
            target = Texts.make("target.indicator", code=code, where=self.where.format(tenant.name))
            key = "notice.reply" if kind == "reply" else "notice.mention"
            sentence, stored = self.texts(key, author=who, target=target, text=self.rng.choice(self.snippets)[:120])
            if comment is not None:
                url += f"?diskusi={comment}#komentar-{comment}"
        at = self._when()
        read = at + timedelta(hours=self.rng.randint(1, 72)) if self.rng.random() < 0.7 else None
        return (uid, kind, tenant.assessment_id, tenant.answers[code], comment, actor, sentence, stored, url, at, read)

    # -- the audit trail

    def _audit(self, tenant: Tenant, n: int) -> None:
        if n <= 0:
            return
        actions = list(ACTION_WEIGHTS)
        weights = list(ACTION_WEIGHTS.values())
        codes = list(tenant.answers)
        span = (self.now - timedelta(hours=1) - self.year_ago).total_seconds()
        start = self._ids("audit_entries", 0).start

        def rows() -> Iterator[tuple[Any, ...]]:
            chosen = self.rng.choices(actions, weights, k=n)
            for i, action in enumerate(chosen):
                at = self.year_ago + timedelta(seconds=(i + self.rng.random()) * span / n)
                actor = None if self.rng.random() < 0.01 else self.rng.choice(tenant.users)
                yield (
                    start + i,
                    at,
                    tenant.instansi_id,
                    tenant.assessment_id,
                    actor,
                    *self._entry(tenant, action, self.rng.choice(codes)),
                )

        self._copy(
            "audit_entries",
            (
                "id",
                "at",
                "instansi_id",
                "assessment_id",
                "actor_id",
                "object_type",
                "object_id",
                "indicator_code",
                "evidence_id",
                "action",
                "changes",
                "summary",
                "summary_text",
            ),
            rows(),
        )
        self.next_id["audit_entries"] = start + n

    def _entry(self, tenant: Tenant, action: str, code: str) -> tuple[Any, ...]:
        """``object_type, object_id, indicator_code, evidence_id, action, changes, summary, summary_text``."""
        rng = self.rng
        answer = tenant.answers[code]
        level = rng.randint(1, 5)
        if action in ("answer.save", "answer.edit", "answer.submit", "answer.withdraw"):
            if action == "answer.save":
                fields = [("claimed_value", str(level - 1) if level > 1 else None, str(level))]
                if rng.random() < 0.6:
                    fields.append(("fakta", rng.choice(self.snippets), rng.choice(self.snippets)))
                if rng.random() < 0.4:
                    fields.append(("analisis", rng.choice(self.snippets), rng.choice(self.snippets)))
                return ("answer", answer, code, None, action, _changes(*fields), "", None)
            if action == "answer.edit":
                return ("answer", answer, code, None, action, _changes(("state", "belum_diisi", "draf")), "", None)
            if action == "answer.withdraw":
                return ("answer", answer, code, None, action, _changes(("state", "siap_direviu", "draf")), "", None)
            summary, stored = "", None
            if rng.random() < 0.3:
                summary, stored = self.texts("audit.submitted_with", warnings=[Texts.make(rng.choice(SUBMIT_CHECKS))])
            return ("answer", answer, code, None, action, _changes(("state", "draf", "siap_direviu")), summary, stored)
        if action == "answer.assign":
            changes = _changes(
                ("assignee_unit_id", rng.choice(tenant.units), rng.choice(tenant.units)),
                ("assignee_user_id", None, rng.choice(tenant.users)),
            )
            return ("assignment", answer, code, None, action, changes, "", None)
        if action in ("answer.link", "answer.unlink"):
            doc = rng.choice(tenant.docs)
            if action == "answer.link":
                summary, changes = f"{doc.title} → {code} L{level}", _changes(("link", None, doc.title))
            else:
                summary, changes = f"{doc.title} ✕ {code}", _changes(("link", doc.title, None))
            return ("answer", answer, code, doc.id, action, changes, summary, None)
        if action.startswith("evidence."):
            doc = rng.choice(tenant.docs)
            if action == "evidence.upload":
                summary, stored = self.texts(
                    "audit.evidence_upload",
                    title=doc.title,
                    name=doc.name,
                    size=Texts.number(doc.size),
                    sha=doc.sha[:12],
                )
                changes = _changes(("title", None, doc.title), ("version", None, 1), ("owner_unit_id", None, None))
                return ("evidence", doc.id, None, doc.id, action, changes, summary, stored)
            if action == "evidence.version":
                summary, stored = self.texts("audit.evidence_version", name=doc.name, sha=doc.sha[:12])
                changes = _changes(("version", doc.versions, doc.versions + 1))
                return ("evidence", doc.id, None, doc.id, action, changes, summary, stored)
            if action == "evidence.update":
                changes = _changes(
                    ("doc_type", "lainnya", "laporan"),
                    ("doc_date", None, date(self.year - 1, rng.randint(1, 12), rng.randint(1, 28)).isoformat()),
                )
                return ("evidence", doc.id, None, doc.id, action, changes, "", None)
            changes = _changes(("deleted_at", None, self._when().isoformat()))
            return ("evidence", doc.id, None, doc.id, action, changes, doc.title, None)
        if action.startswith("comment."):
            comment = rng.choice(tenant.comments.get(code) or [0]) or None
            body = rng.choice(self.snippets)
            if action == "comment.create":
                changes = _changes(("body", None, body))
            elif action == "comment.edit":
                changes = _changes(("body", rng.choice(self.snippets), body))
            elif action == "comment.resolve":
                changes = _changes(("resolved_at", None, self._when().isoformat()))
            else:
                changes = _changes(("resolved_at", self._when().isoformat(), None))
            return ("comment", comment, code, None, action, changes, body[:200], None)
        if action.startswith("review."):
            if action == "review.value":
                changes = _changes(
                    ("reviewer_value", None, str(level)), ("reviewer_note", "", rng.choice(self.snippets))
                )
            elif action == "review.approve":
                changes = _changes(("state", "siap_direviu", "disetujui"))
            elif action == "review.send_back":
                changes = _changes(("state", "siap_direviu", "perlu_perbaikan"))
            else:
                changes = _changes(("final_value", None, str(level)), ("final_reason", "", ""))
            return ("review", answer, code, None, action, changes, "", None)
        assessment = tenant.assessment_id
        if action == "export_requested":
            summary, stored = self.texts("audit.export_requested", id=rng.randint(1, 400))
            return ("export", rng.randint(1, 400), None, None, action, "[]", summary, stored)
        if action == "reminder.manual":
            names = ", ".join(sorted(tenant.names[u] for u in rng.sample(tenant.users, 3)))
            return ("assessment", assessment, None, None, action, "[]", names, None)
        if action == "signatory_changed":
            summary, stored = self.texts("audit.signatory_changed")
            changes = _changes(("signatory_name", "", rng.choice(list(tenant.names.values()))))
            return ("assessment", assessment, None, None, action, changes, summary, stored)
        if action == "stage.set":
            return ("assessment", assessment, None, None, action, _changes(("stage", "mandiri", "dokumen")), "", None)
        if action == "target.set":
            summary, stored = self.texts("audit.target_set", target="Baik")
            return (
                "assessment",
                assessment,
                None,
                None,
                action,
                _changes(("target_predikat", None, "Baik")),
                summary,
                stored,
            )
        deadline = date(self.year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        return ("assessment", assessment, None, None, action, _changes(("deadline", None, deadline)), "", None)


def full_pages(sizes: Sizes) -> Sizes:
    """What the small database adds to the demo: one instansi still, but every list a page shows is full (the large
    one's comments per indicator and notifications per user, and a 25th of its trail: more than a page of entries
    per indicator and per document), so the ratio measures what lies behind a page, not how many rows it shows."""
    return Sizes(
        instansi=1,
        users=0,
        units=0,
        documents=0,
        comments_per_indicator=sizes.comments_per_indicator,
        comments_per_answer=0,
        notifications_per_user=sizes.notifications_per_user,
        audit_entries=max(sizes.audit_entries // 25, 1),
        other_audit_entries=0,
    )


def build_large(
    url: str, workdir: Path, settings: Settings, sizes: Sizes, log: Callable[[str], None]
) -> dict[str, Any]:
    """The small database grown to ``sizes`` (see the module's docstring); returns counts and timings."""
    began = time.perf_counter()
    build_small(url, workdir, settings)
    small_s = time.perf_counter() - began
    app = make_app(url, workdir, settings)
    with app.app_context():
        from sqlalchemy import select

        from assess.extensions import db
        from assess.models import Instrument

        instrument_name = db.session.scalars(select(Instrument).where(Instrument.code == "spbe-2020")).one().short_name
        db.session.remove()
        raw = db.engine.raw_connection()
        try:
            counts = Province(raw.driver_connection, instrument_name, sizes, SEED, log).grow()
        finally:
            raw.close()
        copy_s = time.perf_counter() - began - small_s
        analyzed = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        analyze_s = time.perf_counter() - analyzed
        with db.engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0
        db.engine.dispose()
    return {
        "rows_added": counts,
        "demo_fill_s": round(small_s, 1),
        "copy_s": round(copy_s, 1),
        "vacuum_analyze_s": round(analyze_s, 1),
        "size_mb": round(size / MIB),
    }


# ------------------------------------------------------------------------------------------------ measuring


@dataclass
class Side:
    """One database under measurement: its app, signed-in clients and what the pages need."""

    name: str
    app: Flask
    clients: dict[str, FlaskClient]
    assessment_id: int
    document_id: int
    koordinator_id: int
    library_pages: int
    audit_total: int


def _sign_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    response = client.get("/saya/")
    if response.status_code != 200:
        raise RuntimeError(f"sign-in of {email} failed: /saya/ → {response.status_code}")
    return client


def open_side(name: str, url: str, workdir: Path, settings: Settings) -> Side:
    from assess.extensions import db
    from assess.queries.library import PER_PAGE

    app = make_app(url, workdir, settings)
    with app.app_context(), db.engine.connect() as conn:
        assessment_id = conn.execute(
            text("SELECT a.id FROM assessments a JOIN instansi i ON i.id = a.instansi_id WHERE i.slug = 'kota-contoh'")
        ).scalar_one()
        # The document with the longest history: a full page on either database.
        document_id = conn.execute(
            text(
                "SELECT evidence_id FROM audit_entries WHERE assessment_id = :a AND evidence_id IS NOT NULL "
                "GROUP BY evidence_id ORDER BY count(*) DESC, evidence_id LIMIT 1"
            ),
            {"a": assessment_id},
        ).scalar_one()
        koordinator_id = conn.execute(text("SELECT id FROM users WHERE email = :e"), {"e": KOORDINATOR}).scalar_one()
        live = conn.execute(
            text("SELECT count(*) FROM evidence WHERE assessment_id = :a AND deleted_at IS NULL"), {"a": assessment_id}
        ).scalar_one()
        total = conn.execute(
            text("SELECT count(*) FROM audit_entries WHERE assessment_id = :a"), {"a": assessment_id}
        ).scalar_one()
    clients = {"koordinator": _sign_in(app, KOORDINATOR), "pembaca": _sign_in(app, PEMBACA)}
    last_page = max((live + PER_PAGE - 1) // PER_PAGE, 1)
    return Side(name, app, clients, assessment_id, document_id, koordinator_id, last_page, total)


def pages(side: Side) -> list[tuple[str, str, str]]:
    """``(page, who, path)`` of every page timed, for one database."""
    base = f"/penilaian/{side.assessment_id}"
    today = datetime.now(ZONE).date()
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    month = f"orang={side.koordinator_id}&dari={first.isoformat()}&sampai={last.isoformat()}"
    return [
        ("overview", "koordinator", base),
        ("indicator, editable", "koordinator", f"{base}/indikator/I1"),
        ("indicator, read-only", "pembaca", f"{base}/indikator/I1"),
        ("library, first page", "koordinator", f"{base}/pustaka/"),
        ("library, last page", "koordinator", f"{base}/pustaka/?hal={side.library_pages}"),
        ("audit", "koordinator", f"{base}/audit"),
        ("audit by indicator", "koordinator", f"{base}/audit?indikator=I5"),
        ("audit by person+month", "koordinator", f"{base}/audit?{month}"),
        ("audit by type+text", "koordinator", f"{base}/audit?jenis=evidence&q=pdf"),
        ("indicator history", "koordinator", f"{base}/indikator/I1/riwayat"),
        ("document history", "koordinator", f"{base}/pustaka/{side.document_id}/riwayat"),
        ("dashboard", "koordinator", f"{base}/dasbor"),
        ("my work", "koordinator", "/saya/"),
        ("notifications", "koordinator", "/saya/notifikasi"),
    ]


@dataclass
class Statement:
    ms: float
    sql: str
    params: Any


@contextlib.contextmanager
def statements(engine: Engine) -> Iterator[list[Statement]]:
    """Every statement the engine runs inside the block, with its time (BEGIN/COMMIT/ROLLBACK left out)."""
    seen: list[Statement] = []

    def before(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        started = conn.info["bench_started"].pop()
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(Statement((time.perf_counter() - started) * 1000, statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _get(side: Side, who: str, path: str) -> None:
    response = side.clients[who].get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{side.name}: GET {path} as {who} → {response.status_code}")


def time_page(
    targets: Sequence[tuple[Side, str]], who: str, warmup: int, repeat: int, budget: float
) -> list[dict[str, Any]]:
    """One page on each database: warm-ups, one request with its statements counted and timed, then ``repeat``
    timed requests taking turns between the databases (so a busy moment of the machine hits both) — fewer, but at
    least ``MIN_REPEAT``, once the page has taken ``budget`` seconds."""
    from assess.extensions import db

    seen: list[list[Statement]] = []
    for side, path in targets:
        for _ in range(warmup):
            _get(side, who, path)
        with side.app.app_context():
            engine = db.engine
        with statements(engine) as statements_seen:
            _get(side, who, path)
        seen.append(statements_seen)
    latencies: list[list[float]] = [[] for _ in targets]
    began_all = time.perf_counter()
    for n in range(repeat):
        if n >= MIN_REPEAT and time.perf_counter() - began_all > budget:
            break
        for (side, path), times in zip(targets, latencies, strict=True):
            began = time.perf_counter()
            _get(side, who, path)
            times.append((time.perf_counter() - began) * 1000)
    out = []
    for (_side, path), times, statements_seen in zip(targets, latencies, seen, strict=True):
        times.sort()
        out.append(
            {
                "path": path,
                "requests": len(times),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 1),
                "queries": len(statements_seen),
                "sql_ms": round(sum(s.ms for s in statements_seen), 1),
                "slowest": max(statements_seen, key=lambda s: s.ms) if statements_seen else None,
            }
        )
    return out


def explain(side: Side, statement: Statement) -> str:
    from assess.extensions import db

    with side.app.app_context(), db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params).all()
        conn.rollback()
    return "\n".join(str(row[0]) for row in rows)


def stream_csv(side: Side, timeout: float) -> dict[str, Any]:
    """The whole assessment's audit CSV through the test client: rows, bytes, time, queries, RSS while streaming."""
    from assess.extensions import db

    process = psutil.Process()
    start_rss = process.memory_info().rss
    peak = [start_rss]
    samples = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(RSS_POLL_S):
            peak[0] = max(peak[0], process.memory_info().rss)
            samples[0] += 1

    sampler = threading.Thread(target=sample, daemon=True)
    with side.app.app_context():
        engine = db.engine
    path = f"/penilaian/{side.assessment_id}/audit.csv"
    rows = size = 0
    counting = 0.0
    timed_out = False
    with statements(engine) as seen:
        sampler.start()
        began = time.perf_counter()
        response = side.clients["koordinator"].get(path, buffered=False)
        if response.status_code != 200:
            raise RuntimeError(f"{side.name}: GET {path} → {response.status_code}")
        try:
            for chunk in response.response:
                size += len(chunk)
                counted = time.perf_counter()
                # The view yields whole rows per chunk (a batch); a row's cells may hold line breaks.
                data = chunk.decode("utf-8") if isinstance(chunk, bytes) else chunk
                rows += sum(1 for _ in csv.reader(io.StringIO(data, newline="")))
                counting += time.perf_counter() - counted
                if time.perf_counter() - began > timeout:
                    timed_out = True
                    break
        finally:
            response.close()
        elapsed = time.perf_counter() - began
        done.set()
        sampler.join()
    rows -= 1  # the header
    app_s = elapsed - counting
    return {
        "path": path,
        "entries": side.audit_total,
        "rows": rows,
        "complete": rows == side.audit_total and not timed_out,
        "timed_out": timed_out,
        "bytes": size,
        "seconds": round(app_s, 2),
        "counting_s": round(counting, 2),
        "rows_per_s": round(rows / app_s) if app_s > 0 else None,
        "queries": len(seen),
        "rss_start_mib": round(start_rss / MIB, 1),
        "rss_peak_mib": round(peak[0] / MIB, 1),
        "rss_growth_mib": round((peak[0] - start_rss) / MIB, 1),
        "rss_samples": samples[0],
    }


# ------------------------------------------------------------------------------------------------ the run


@dataclass(frozen=True)
class Options:
    database_url: str = ADMIN_URL
    sizes: Sizes = field(default_factory=Sizes)
    warmup: int = 3
    repeat: int = 30
    budget: float = 120.0
    csv_timeout: float = 300.0
    keep: bool = False
    reuse: str | None = None
    base_dir: Path | None = None


def run(options: Options, log: Callable[[str], None] = print) -> tuple[dict[str, Any], str]:
    """Build both databases, time the pages and the CSV; returns the result and the EXPLAIN text."""
    admin_url = options.database_url
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    small_name = f"mandiri_scale_small_{tag}"
    large_name = options.reuse or f"mandiri_scale_large_{tag}"
    if options.reuse and not database_exists(admin_url, options.reuse):
        raise RuntimeError(f"--reuse: basis data {options.reuse!r} tidak ada")
    sizes = options.sizes
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-scale-", dir=options.base_dir))
    settings = Settings()
    created: list[str] = []
    result: dict[str, Any] = {
        "id": "B11",
        "what": "GET each main page in-process, koordinator signed in, small vs province-sized PostgreSQL database",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform()},
        "sizes": vars(sizes),
        "warmup": options.warmup,
        "repeat": options.repeat,
        "target": {
            "ratio": TARGET_RATIO,
            "p50_ms": TARGET_P50_MS,
            "csv_s": TARGET_CSV_S,
            "csv_growth_mib": TARGET_CSV_GROWTH_MIB,
        },
    }
    explained: list[str] = []
    try:
        began = time.perf_counter()
        small_url = create_database(admin_url, small_name)
        created.append(small_name)
        result["small_build"] = build_large(small_url, workdir, settings, full_pages(sizes), log)
        result["small_build_s"] = round(time.perf_counter() - began, 1)
        log(f"small database {small_name}: {result['small_build_s']} s")
        large_url = database_url(admin_url, large_name)
        if options.reuse:
            began = time.perf_counter()
            migrate(large_url, workdir, settings)
            result["large_build"] = {"reused": large_name, "migrate_s": round(time.perf_counter() - began, 1)}
            log(f"large database {large_name}: reused, migrated to this code's schema")
        else:
            began = time.perf_counter()
            create_database(admin_url, large_name)
            created.append(large_name)
            result["large_build"] = build_large(large_url, workdir, settings, sizes, log)
            result["large_build"]["total_s"] = round(time.perf_counter() - began, 1)
            log(f"large database {large_name}: {result['large_build']}")
        small = open_side("small", small_url, workdir, settings)
        large = open_side("large", large_url, workdir, settings)
        result["audit_entries"] = {"small": small.audit_total, "large": large.audit_total}
        rows: dict[str, Any] = {}
        measured = time.perf_counter()
        for (name, who, small_path), (_n, _w, large_path) in zip(pages(small), pages(large), strict=True):
            a, b = time_page(
                [(small, small_path), (large, large_path)], who, options.warmup, options.repeat, options.budget
            )
            slowest = b.pop("slowest")
            a.pop("slowest")
            ratio = b["p50_ms"] / a["p50_ms"] if a["p50_ms"] else float("inf")
            rows[name] = {
                "small": a,
                "large": b,
                "ratio": round(ratio, 2),
                "meets_ratio": ratio <= TARGET_RATIO,
                "meets_p50": b["p50_ms"] <= TARGET_P50_MS,
                "queries_unchanged": a["queries"] == b["queries"],
            }
            if slowest is not None:
                rows[name]["slowest_ms"] = round(slowest.ms, 1)
                plan = explain(large, slowest)
                explained.append(
                    f"## {name} — {large_path}\n\nslowest of {b['queries']} statements: {slowest.ms:.1f} ms\n\n"
                    f"{slowest.sql}\n\nparameters: {slowest.params!r}\n\n{plan}\n"
                )
            log(_row_line(name, rows[name], options.repeat))
        result["pages"] = rows
        result["pages_s"] = round(time.perf_counter() - measured, 1)
        result["csv"] = stream_csv(large, options.csv_timeout)
        csv_result = result["csv"]
        csv_result["meets_time"] = csv_result["complete"] and csv_result["seconds"] <= TARGET_CSV_S
        csv_result["meets_memory"] = csv_result["rss_growth_mib"] <= TARGET_CSV_GROWTH_MIB
        for side in (small, large):
            with side.app.app_context():
                from assess.extensions import db

                db.session.remove()
                db.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not options.keep:
            for name in created:
                drop_database(admin_url, name)
        elif created:
            log(f"kept: {', '.join(created)}")
    return result, "\n".join(explained)


def _row_line(name: str, row: dict[str, Any], repeat: int) -> str:
    a, b = row["small"], row["large"]
    verdict = "PASS" if row["meets_ratio"] and row["meets_p50"] else "FAIL"
    queries = f"{a['queries']}/{b['queries']}" + ("" if row["queries_unchanged"] else " (!)")
    fewer = f" (only {b['requests']} requests)" if b["requests"] < repeat else ""
    return (
        f"{name:22} {a['p50_ms']:>8.1f} {a['p95_ms']:>8.1f} {b['p50_ms']:>9.1f} {b['p95_ms']:>9.1f} "
        f"{row['ratio']:>6.2f}× {queries:>9}  {verdict}{fewer}"
    )


def format_table(result: dict[str, Any]) -> str:
    entries = result["audit_entries"]
    lines = [
        f"B11 pages, small vs province (audit entries in the assessment: {entries['small']:,} vs "
        f"{entries['large']:,}); "
        f"p50/p95 ms of {result['repeat']} requests after {result['warmup']}; targets: large p50 ≤ "
        f"{TARGET_RATIO}× small and ≤ {TARGET_P50_MS:.0f} ms",
        f"{'page':22} {'small p50':>8} {'p95':>8} {'large p50':>9} {'p95':>9} {'ratio':>7} {'queries':>9}",
    ]
    lines += [_row_line(name, row, result["repeat"]) for name, row in result["pages"].items()]
    c = result["csv"]
    state = "complete" if c["complete"] else ("TIMED OUT" if c["timed_out"] else "INCOMPLETE")
    lines.append(
        f"audit CSV: {c['rows']:,} of {c['entries']:,} rows ({state}), {c['bytes'] / MIB:,.1f} MiB in {c['seconds']} s "
        f"({c['rows_per_s']:,} rows/s; counting the rows took {c['counting_s']} s more), {c['queries']} queries; "
        f"RSS {c['rss_start_mib']} → peak {c['rss_peak_mib']} MiB (+{c['rss_growth_mib']}, "
        f"{c['rss_samples']} samples); "
        f"time {'PASS' if c['meets_time'] else 'FAIL'} (≤ {TARGET_CSV_S:.0f} s), memory "
        f"{'PASS' if c['meets_memory'] else 'FAIL'} (growth ≤ {TARGET_CSV_GROWTH_MIB:.0f} MiB)"
    )
    return "\n".join(lines)


def explain_path(out: Path) -> Path:
    """``bench-results.json`` → ``bench-scale-explain.txt`` in the same directory."""
    return out.with_name(out.stem.removesuffix("-results") + "-scale-explain.txt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=ADMIN_URL, help=f"admin connection (default {ADMIN_URL})")
    parser.add_argument("--instansi", type=int, default=30)
    parser.add_argument("--users", type=int, default=100, help="users per instansi")
    parser.add_argument("--units", type=int, default=35, help="units per instansi")
    parser.add_argument("--documents", type=int, default=3000, help="documents per instansi")
    parser.add_argument("--audit-entries", type=int, default=1_000_000, help="in the measured assessment")
    parser.add_argument("--other-audit-entries", type=int, default=25_000, help="in each other assessment")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--budget", type=float, default=120.0, help=f"seconds per page before fewer requests (≥ {MIN_REPEAT}) are timed"
    )
    parser.add_argument("--csv-timeout", type=float, default=300.0, help="seconds before the CSV stream is cut")
    parser.add_argument("--keep", action="store_true", help="keep the databases (their names are printed)")
    parser.add_argument(
        "--reuse", metavar="DBNAME", help="a kept large database to measure (migrated first) instead of building one"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    args = parser.parse_args(argv)
    logging.getLogger("assess").setLevel(logging.WARNING)
    sizes = Sizes(
        instansi=args.instansi,
        users=args.users,
        units=args.units,
        documents=args.documents,
        audit_entries=args.audit_entries,
        other_audit_entries=args.other_audit_entries,
    )
    options = Options(
        database_url=args.database_url,
        sizes=sizes,
        warmup=args.warmup,
        repeat=args.repeat,
        budget=args.budget,
        csv_timeout=args.csv_timeout,
        keep=args.keep,
        reuse=args.reuse,
    )

    def log(line: str) -> None:
        print(line, flush=True)

    began = time.perf_counter()
    result, plans = run(options, log)
    result["total_s"] = round(time.perf_counter() - began, 1)
    print(format_table(result))
    merge_results(args.out, {"scale": result})
    explain_file = explain_path(args.out)
    explain_file.write_text(plans, encoding="utf-8")
    print(f"→ {args.out}, {explain_file} ({result['total_s']} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
