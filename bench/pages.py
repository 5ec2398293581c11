"""B8: questionnaire and dashboard pages of a full assessment under load: requests per second and p95 latency with
8 concurrent clients against gunicorn on this machine's cores.

The demo instansi (``mandiri init``, ``mandiri demo``) in a fresh temporary directory, its assessment then filled in
through the services: every indicator answered with a penjelasan of 300–900 words, about six documents linked to
each (small PDFs from the library, every 10th under two indicators) and four comments per answer (one a reply).
gunicorn serves it with the shipped settings, one worker process per core. Each page is loaded by ``--clients``
clients at once, signed in as the koordinator (who sees the most: assignment form, canned comments), each client
one request after another on its own keep-alive connection, for ``--duration`` seconds; every response must be
200. The clients run in this process (threads, ``http.client``) on the same cores as the server; the CPU they use
is reported (a few hundredths of a core). Targets (QUALITY.md): p95 ≤ 150 ms and ≥ 100 requests/s per page, on
SQLite and on PostgreSQL; stretch ≥ 200 requests/s and p95 ≤ 80 ms.

With ``--pg-url`` (a server and a database to connect to, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
the same data is built a second time in a fresh PostgreSQL database (made and dropped by the run) and every page is
loaded on each engine in turn, pages alternating between the engines, so both are measured under the same load.

    .venv/bin/python -m bench.pages [--duration 10] [--clients 8] [--pg-url URL] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import create_database, drop_database, merge_results
from bench.upload import PASSWORD, REPO, Client, app_environ, prepare_database, start_server, stop_server

TARGET_P95_MS = 150.0
VOCABULARY = [
    "aplikasi",
    "layanan",
    "data",
    "arsitektur",
    "kebijakan",
    "peta",
    "rencana",
    "tim",
    "evaluasi",
    "integrasi",
    "keamanan",
    "audit",
    "infrastruktur",
    "jaringan",
    "pusat",
    "inovasi",
    "kolaborasi",
    "dokumen",
    "pedoman",
    "standar",
]
TARGET_RPS = 100.0
KOORDINATOR = "koordinator@kota-contoh.go.id"
#: Page name → path under the assessment ("" is the overview).
PAGES = {
    "overview": "",
    "indicator": "/indikator/I1",
    "library": "/pustaka/",
    "dashboard": "/dasbor",
}


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(count))


def _tiny_pdf(n: int) -> bytes:
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.docinfo["/Title"] = f"Dokumen {n}"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def fill(env: dict[str, str], seed: int = 1) -> int:
    """Answer every indicator of the demo assessment, link documents, add comments; commits. Returns its id."""
    import io

    from flask import current_app
    from sqlalchemy import select

    from assess import create_app
    from assess.database import writing
    from assess.extensions import db
    from assess.models import Assessment, DocType, User
    from assess.services import comments as comment_service
    from assess.services import evidence as evidence_service
    from assess.services.answers import save_level_answer
    from assess.services.evidence import Metadata
    from uploads.validation import Policy

    settings = {k.removeprefix("MANDIRI_"): v for k, v in env.items() if k.startswith("MANDIRI_")}
    app = create_app(settings, environ={})
    rng = random.Random(seed)  # noqa: S311 - test data
    with app.app_context(), writing():
        assessment = db.session.scalars(select(Assessment)).one()
        user = db.session.scalars(select(User).where(User.email == KOORDINATOR)).one()
        reviewer = db.session.scalars(select(User).where(User.email == "reviewer@kota-contoh.go.id")).one()
        answers = sorted(assessment.answers, key=lambda a: a.indicator.position)
        storage = current_app.extensions["storage"]
        documents = [
            evidence_service.upload(
                assessment=assessment,
                stream=io.BytesIO(_tiny_pdf(n)),
                filename=f"dokumen-{n:03d}.pdf",
                meta=Metadata(title=f"Dokumen {n}", doc_type=DocType.LAPORAN),
                user=user,
                storage=storage,
                policy=Policy(),
            )
            for n in range(6 * len(answers) * 10 // 11)
        ]
        for i, answer in enumerate(answers):
            level = rng.randint(1, 5)
            total = rng.randrange(300, 901)
            save_level_answer(
                answer=answer,
                expected_version=answer.version,
                level=level,
                fakta=_words(rng, total // 2),
                analisis=_words(rng, total - total // 2),
                actor=user,
            )
            for k in range(6):
                evidence = documents[(i * 6 + k) % len(documents)]
                if evidence.id not in {link.evidence_id for link in answer.links}:
                    evidence_service.link(answer=answer, evidence=evidence, level=level, item=None, note="", user=user)
            top = comment_service.add_comment(
                assessment=assessment, author=reviewer, body=_words(rng, 25), answer=answer
            )
            comment_service.add_comment(assessment=assessment, author=user, body=_words(rng, 15), parent=top)
            for _ in range(2):
                comment_service.add_comment(assessment=assessment, author=reviewer, body=_words(rng, 20), answer=answer)
        db.session.commit()
        assessment_id = assessment.id
        db.session.remove()
        db.engine.dispose()
    return assessment_id


def _load(port: int, cookie: str, path: str, clients: int, duration: float) -> dict[str, Any]:
    """``clients`` threads, each on its own keep-alive connection, requesting ``path`` until the time is up."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    start_line = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": cookie, "User-Agent": "mandiri-bench"}
        start_line.wait()
        try:
            while time.perf_counter() < stop_at[0]:
                begin = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                latencies[n].append(time.perf_counter() - begin)
                if response.status != 200:
                    failures.append(f"{response.status}")
        except (OSError, http.client.HTTPException) as exc:
            failures.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began, cpu = time.perf_counter(), time.process_time()
    stop_at[0] = began + duration
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    client_cores = (time.process_time() - cpu) / elapsed
    every = sorted(x for per_client in latencies for x in per_client)
    p95 = every[min(len(every) - 1, round(0.95 * (len(every) - 1)))] if every else float("nan")
    return {
        "requests": len(every),
        "failures": len(failures),
        "first_failures": failures[:3],
        "rps": round(len(every) / elapsed, 1),
        "p50_ms": round(statistics.median(every) * 1000, 1) if every else None,
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(every[-1] * 1000, 1) if every else None,
        #: CPU the clients themselves used, in cores (taken from the server on the same machine).
        "client_cores": round(client_cores, 2),
    }


TARGETS_STRETCH = {"p95_ms": 80.0, "rps": 200.0}


@contextlib.contextmanager
def _database(engine: str, workdir: Path, pg_url: str | None) -> Iterator[str]:
    """The database URL for ``engine``: a SQLite file in ``workdir``, or a new PostgreSQL database dropped after."""
    if engine == "sqlite":
        yield f"sqlite:///{workdir / 'mandiri.db'}"
        return
    name = f"mandiri_b8_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        yield create_database(pg_url or "", name)
    finally:
        drop_database(pg_url or "", name)


@dataclass
class _Site:
    """One engine's server, signed in, ready to be loaded."""

    engine: str
    server: Any
    client: Client
    cookie: str
    assessment_id: int


def _site(engine: str, workdir: Path, url: str, workers: int) -> _Site:
    (workdir / "tmp").mkdir(parents=True)
    env = app_environ(workdir, 100)
    env.update(
        {
            "MANDIRI_DATABASE_URL": url,
            "MANDIRI_JOBS_SQLITE_PATH": str(workdir / "jobs.db"),
            "MANDIRI_EXPORT_ROOT": str(workdir / "exports"),
            "MANDIRI_JOBS_EMBEDDED_WORKER": "false",
            "MANDIRI_LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    prepare_database(env)
    assessment_id = fill(env)
    server = start_server(workdir, env, workers=workers)
    client = Client(server.port)
    client.login(KOORDINATOR, PASSWORD)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return _Site(engine, server, client, cookie, assessment_id)


def run(
    duration: float = 10.0, clients: int = 8, base_dir: Path | None = None, pg_url: str | None = None
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-b8-", dir=base_dir))
    workers = max(1, os.cpu_count() or 1)
    engines = ["sqlite", "postgresql"] if pg_url else ["sqlite"]
    rows: dict[str, dict[str, Any]] = {engine: {} for engine in engines}
    try:
        with contextlib.ExitStack() as stack:
            sites = []
            for engine in engines:
                url = stack.enter_context(_database(engine, workdir / engine, pg_url))
                site = _site(engine, workdir / engine, url, workers)
                stack.callback(stop_server, site.server)
                sites.append(site)
            for name, suffix in PAGES.items():
                for site in sites:
                    # Only one server is loaded at a time; the other waits idle.
                    path = f"/penilaian/{site.assessment_id}{suffix}"
                    status, _headers, _body = site.client.request("GET", path)
                    if status != 200:
                        raise RuntimeError(f"{site.engine}: GET {path} → {status}")
                    rows[site.engine][name] = {
                        "path": path,
                        **_load(site.server.port, site.cookie, path, clients, duration),
                    }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for engine_rows in rows.values():
        for row in engine_rows.values():
            row["meets_p95_target"] = row["p95_ms"] <= TARGET_P95_MS
            row["meets_rps_target"] = row["rps"] >= TARGET_RPS
            row["meets_stretch"] = row["p95_ms"] <= TARGETS_STRETCH["p95_ms"] and row["rps"] >= TARGETS_STRETCH["rps"]
    return {
        "id": "B8",
        "what": "GET each page of a full assessment, koordinator signed in, concurrent clients, gunicorn (shipped)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform()},
        "clients": clients,
        "gunicorn_workers": workers,
        "duration_s": duration,
        "pages": rows["sqlite"],
        **({"pages_postgresql": rows["postgresql"]} if "postgresql" in rows else {}),
        "target": {"p95_ms": TARGET_P95_MS, "rps": TARGET_RPS},
        "stretch": TARGETS_STRETCH,
    }


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"B8 pages under load: {result['clients']} clients, gunicorn {result['gunicorn_workers']} workers (shipped), "
        f"{result['duration_s']:.0f} s per page (client: the CPU the clients took, in cores)",
        f"{'engine':10} {'page':10} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'fail':>5} {'client':>7}  "
        "targets (≥100 req/s, p95 ≤150 ms; stretch ≥200, ≤80)",
    ]
    for engine, key in (("sqlite", "pages"), ("postgresql", "pages_postgresql")):
        for name, row in result.get(key, {}).items():
            rps, p95 = ("ok" if row[f"meets_{k}_target"] else "MISS" for k in ("rps", "p95"))
            verdict = f"req/s {rps}, p95 {p95}; stretch {'ok' if row['meets_stretch'] else 'not yet'}"
            lines.append(
                f"{engine:10} {name:10} {row['rps']:>7.1f} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} "
                f"{row['max_ms']:>7.1f} {row['failures']:>5} {row['client_cores']:>5.2f} c  {verdict}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per page (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--pg-url", help="also on PostgreSQL: a server and database to connect to (a new one is made)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    args = parser.parse_args(argv)
    os.chdir(REPO)
    result = run(args.duration, args.clients, pg_url=args.pg_url)
    print(format_table(result))
    merge_results(args.out, {"B8": result})
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
