"""The audit trail's and the library's queries walk an index whatever the size of the tables (issue 18).

A trail of tens of thousands of entries in two assessments, with the planner's statistics up to date; then each
page the audit offers (every filter, a later page, both history pages) and the CSV is requested, and every statement
it sends that reads ``audit_entries`` is explained by the database itself. On PostgreSQL no plan may scan the table
sequentially, and the listings in time order may not sort (the index gives the order, and a page stops after its
rows); on SQLite every access to the table must be a search of an index, never a scan of the table. The text filter
may sort what its index found (PostgreSQL: the summary's trigram index).

The library, with thousands of documents in the assessment and more in others: its first and last pages join the
documents' versions and files for the page's rows only, never by scanning those tables, and link a few pages around
the current one rather than every page.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import bindparam, event, insert

from assess.audit import ACTION_LABELS, OBJECT_TYPE_LABELS
from assess.models import AuditEntry, Blob, DocType, Evidence, EvidenceKind, EvidenceVersion
from tests.factories import create_assessment
from tests.functional.helpers import login
from tests.worlds import World, build_world

#: Entries in the measured assessment, and in a second one of the same instansi.
ENTRIES = 30_000
OTHERS = 10_000
WORDS = ("notulen", "rapat", "aplikasi", "layanan", "peta", "rencana", "arsitektur", "kebijakan", "data", "jaringan")


@pytest.fixture
def trail(db: Any) -> tuple[World, Evidence]:
    world = build_world(outsider=())
    assessment = world.assessment
    document = Evidence(
        assessment_id=assessment.id,
        kind=EvidenceKind.LINK,
        title="Aplikasi SIPD",
        doc_type=DocType.LAINNYA,
        url="https://sipd.contoh.go.id",
    )
    db.session.add(document)
    other = create_assessment(assessment.instansi, year=2025)
    db.session.flush()
    people = [world.pengisi.id, world.koordinator.id, world.reviewer.id, None]
    rng = random.Random(18)  # noqa: S311 - a reproducible trail, not a secret
    start = datetime(2025, 1, 1, tzinfo=UTC)
    types, actions = sorted(OBJECT_TYPE_LABELS), sorted(ACTION_LABELS)

    def rows(assessment_id: int, n: int) -> list[dict[str, Any]]:
        return [
            {
                "at": start + timedelta(minutes=rng.randrange(525_600)),
                "instansi_id": assessment.instansi_id,
                "assessment_id": assessment_id,
                "actor_id": rng.choice(people),
                "object_type": rng.choice(types),
                "action": rng.choice(actions),
                "indicator_code": f"I{rng.randint(1, 47)}",
                "evidence_id": document.id if rng.random() < 0.05 else None,
                "changes": [{"field": "fakta", "old": "", "new": "teks"}],
                "summary": " ".join(rng.choice(WORDS) for _ in range(6)),
            }
            for _ in range(n)
        ]

    db.session.execute(insert(AuditEntry), rows(assessment.id, ENTRIES))
    db.session.execute(insert(AuditEntry), rows(other.id, OTHERS))
    db.session.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE audit_entries" if conn.dialect.name == "postgresql" else "ANALYZE")
        conn.commit()
    return world, document


def _statements(db: Any, client: FlaskClient, url: str, table: str = "audit_entries") -> list[tuple[str, Any]]:
    """Every statement a request sends that reads ``table``, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if f"FROM {table}" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
        response.get_data()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert seen, url
    return seen


def _pg_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _pg_nodes(child)


def _problems(
    db: Any, statement: str, parameters: Any, *, ordered: bool, tables: tuple[str, ...] = ("audit_entries",)
) -> list[str]:
    """What is wrong with the plan of ``statement``: a sequential scan of one of ``tables``, or (``ordered``) a
    sort."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()[0]["Plan"]
        nodes = list(_pg_nodes(plan))
        out = [
            f"{n['Node Type']} on {n['Relation Name']}"
            for n in nodes
            if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in tables
        ]
        if ordered:
            out += [f"Sort on {n.get('Sort Key')}" for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]
        return out
    details = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    out = [d for d in details for table in tables if re.match(rf"SCAN ({table}|{table} AS \w+)$", d)]
    if ordered:
        out += [d for d in details if "TEMP B-TREE" in d]
    return out


def _older(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'<a href="([^"]+)" rel="next" data-testid="audit-older"', page)
    assert found, url
    return unescape(found[1])


def test_every_filter_reads_the_trail_through_an_index(
    client: FlaskClient, trail: tuple[World, Evidence], db: Any
) -> None:
    world, document = trail
    aid = world.assessment.id
    login(client, world.koordinator.email)
    base = f"/penilaian/{aid}/audit"
    ordered = {
        "newest": base,
        "indicator": f"{base}?indikator=I7",
        "person": f"{base}?orang={world.pengisi.id}",
        "system": f"{base}?orang=sistem",
        "person and month": f"{base}?orang={world.reviewer.id}&dari=2025-03-01&sampai=2025-03-31",
        "type": f"{base}?jenis=evidence",
        "action": f"{base}?aksi=answer.save",
        "period": f"{base}?dari=2025-06-01&sampai=2025-06-30",
        "indicator history": f"{base.removesuffix('/audit')}/indikator/I7/riwayat",
        "document history": f"{base.removesuffix('/audit')}/pustaka/{document.id}/riwayat",
        "csv": f"{base}.csv",
        "csv by indicator": f"{base}.csv?indikator=I7",
    }
    ordered["older page"] = _older(client, base)
    ordered["older page of a type"] = _older(client, f"{base}?jenis=answer")
    searched = {
        "text": f"{base}?q=notulen",
        "type and text": f"{base}?jenis=comment&q=peta%20rencana",
        "rare text": f"{base}?q=tidak-ada-di-jejak",
    }
    found = {}
    for name, url in (*ordered.items(), *searched.items()):
        for statement, parameters in _statements(db, client, url):
            problems = _problems(db, statement, parameters, ordered=name in ordered)
            if problems:
                found[name] = (problems, statement[:300])
    assert found == {}


#: Documents in the measured assessment, and in another instansi's.
DOCUMENTS = 3_000
FOREIGN_DOCUMENTS = 12_000


def _documents(db: Any, assessment_id: int, n: int, rng: random.Random) -> None:
    """``n`` live file documents with one version and one blob each (and a few deleted ones), in bulk."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    blobs = db.session.scalars(
        insert(Blob).returning(Blob.id, sort_by_parameter_order=True),
        [
            {
                "sha256": f"{rng.getrandbits(256):064x}",
                "size": 1000,
                "mime": "application/pdf",
                "extension": "pdf",
                "storage_key": f"uji/{assessment_id}/{i}",
                "pages": 2,
            }
            for i in range(n)
        ],
    ).all()
    documents = db.session.scalars(
        insert(Evidence).returning(Evidence.id, sort_by_parameter_order=True),
        [
            {
                "assessment_id": assessment_id,
                "kind": EvidenceKind.FILE,
                "title": f"Dokumen {i}",
                "doc_type": DocType.LAINNYA,
                "created_at": start + timedelta(minutes=rng.randrange(525_600)),
                "deleted_at": start if i % 50 == 0 else None,
            }
            for i in range(n)
        ],
    ).all()
    versions = db.session.scalars(
        insert(EvidenceVersion).returning(EvidenceVersion.id, sort_by_parameter_order=True),
        [
            {"evidence_id": e, "number": 1, "blob_id": b, "original_name": "dokumen.pdf"}
            for e, b in zip(documents, blobs, strict=True)
        ],
    ).all()
    table = Evidence.__table__
    db.session.execute(
        table.update().where(table.c.id == bindparam("eid")).values(current_version_id=bindparam("vid")),
        [{"eid": e, "vid": v} for e, v in zip(documents, versions, strict=True)],
    )


def test_library_pages_join_only_their_own_rows(client: FlaskClient, db: Any) -> None:
    world = build_world(outsider=())
    stranger = build_world(outsider=())
    rng = random.Random(18)  # noqa: S311 - reproducible rows, not a secret
    _documents(db, world.assessment.id, DOCUMENTS, rng)
    _documents(db, stranger.assessment.id, FOREIGN_DOCUMENTS, rng)
    db.session.commit()
    with db.engine.connect() as conn:
        tables = "" if conn.dialect.name == "sqlite" else " evidence, evidence_versions, blobs"
        conn.exec_driver_sql(f"ANALYZE{tables}")
        conn.commit()
    login(client, world.koordinator.email)
    base = f"/penilaian/{world.assessment.id}/pustaka/"
    live = DOCUMENTS - DOCUMENTS // 50
    last = (live + 24) // 25
    found = {}
    for name, url in {"first": base, "last": f"{base}?hal={last}", "by title": f"{base}?urut=judul&hal={last}"}.items():
        page = client.get(url).get_data(as_text=True)
        rows = re.findall(r'lang="id">Dokumen \d+</a>', page)
        assert len(rows) == (25 if name == "first" else live - (last - 1) * 25), name
        assert page.count("PDF · ") == len(rows), name  # each with its current version's file
        links = page.split('class="pagination"')[1].split("</nav>")[0]
        assert links.count("<a ") <= 8, name  # first, last and a few around: not one per page of 118
        assert "…" in links, name
        for statement, parameters in _statements(db, client, url, "evidence"):
            problems = _problems(db, statement, parameters, ordered=False, tables=("evidence_versions", "blobs"))
            if problems:
                found[name] = (problems, statement[:300])
    assert found == {}
