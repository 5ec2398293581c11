"""B13: ``mandiri backup`` of the demo plus 1 GiB of evidence, an incremental backup, and ``mandiri restore``.

Baseline, in the same run on the same data: ``pg_dump -Fc`` of the database and ``tar -cf`` of the store's
objects, then ``sync`` (the backup); a new database, ``pg_restore`` and ``tar -xf``, then ``sync`` (the restore).
Targets (QUALITY.md): the backup ≤ 1.5× the baseline's time; the incremental one (nothing changed in between)
≤ 0.1× the first; the restore verified by SHA-256 (every restored object read back from the new store and hashed,
the same keys as the source's, and the same number of rows in every table).

Everything happens in a fresh temporary directory and in PostgreSQL databases of the run's own (created on the
server of ``--pg``, dropped at the end): the demo (``mandiri init``, ``mandiri demo``) and evidence PDFs of seeded
noise (incompressible) uploaded to the demo assessment through the library's own service: half the bytes in
files of 128 MiB, three eighths in 8 MiB, the rest in 1 MiB ones. Each command runs as the operator runs it, a
``mandiri`` process (its start-up is in the figure); the page cache is the same for both (everything was just
written, nothing is dropped), and ``sync`` runs before each measurement. The start-up of such a process (Python,
the app's imports and ``create_app``) is measured apart, as ``mandiri backup --help``, and the figures without it
are given beside the whole ones.

    .venv/bin/python -m bench.backup [--evidence-mib 1024] [--repeat 3] [--pg URL] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
from sqlalchemy import create_engine, func, inspect, make_url, select, table, text

from bench import merge_results
from bench.upload import EMAIL, PASSWORD, _bin, make_pdf, sha256_file

MIB = 1024 * 1024
REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_RATIO = 1.5
TARGET_INCREMENTAL = 0.1
SEED = 20261206
BASELINE_BACKUP = "pg_dump -Fc -f db.dump && tar -cf objects.tar -C STORE objects && sync"
BASELINE_RESTORE = "createdb; pg_restore -d DB db.dump && tar -xf objects.tar -C STORE && sync"
TIMEOUT_S = 3600


def evidence_sizes(total_mib: int) -> list[int]:
    """File sizes in MiB adding up to ``total_mib``: half in 128 MiB files, three eighths in 8 MiB, the rest 1 MiB."""
    big = total_mib // 2 // 128
    mid = total_mib * 3 // 8 // 8
    return [128] * big + [8] * mid + [1] * (total_mib - 128 * big - 8 * mid)


# ------------------------------------------------------------------------------------------------ databases


class Databases:
    """Databases of the run's own on the server of ``url``, each dropped by :meth:`drop_all`."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def create(self, label: str) -> str:
        name = f"mandiri_b13_{label}_{secrets.token_hex(4)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.made.remove(name)

    def drop_all(self) -> None:
        for name in list(self.made):
            self.drop(name)
        self.admin.dispose()

    def sqlalchemy_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def libpq_url(self, name: str) -> str:
        return self.url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)

    def row_counts(self, name: str) -> dict[str, int]:
        engine = create_engine(self.sqlalchemy_url(name))
        try:
            with engine.connect() as conn:
                names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
                return {n: conn.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}
        finally:
            engine.dispose()


# ----------------------------------------------------------------------------------------------- processes


def settings(database_url: str, store: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "STORAGE_ROOT": str(store),
        # Letters in front: the settings loader turns an all-digit value into an int.
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
        "SECURITY_PASSWORD_SALT": "bench-" + secrets.token_urlsafe(16),
    }


def environ(workdir: Path, app_settings: dict[str, str]) -> dict[str, str]:
    """The caller's environment without any MANDIRI_* setting, plus ``app_settings`` (temporary files in the
    workdir)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANDIRI_")}
    env.update({f"MANDIRI_{k}": v for k, v in app_settings.items()})
    env["TMPDIR"] = str(workdir / "tmp")
    return env


def run_command(cmd: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Run ``cmd`` (after a ``sync``, so no earlier write is paid for by it); its seconds, or RuntimeError."""
    os.sync()
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own CLI and the PostgreSQL tools, fixed arguments
        list(cmd), env=env, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} gagal ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def shell(script: str, *args: str, env: dict[str, str] | None = None) -> float:
    return run_command(["/bin/sh", "-c", script, "sh", *args], env=env)


# ----------------------------------------------------------------------------------------------- test data


def add_evidence(app_settings: dict[str, str], data: Path, sizes: Sequence[int]) -> int:
    """Upload PDFs of ``sizes`` MiB to the demo assessment through the library's service; returns their bytes."""
    from assess import create_app
    from assess.database import writing
    from assess.extensions import db
    from assess.models import Assessment, DocType, User
    from assess.services import evidence as evidence_service
    from assess.services.evidence import Metadata
    from uploads.validation import Policy

    app = create_app(app_settings, environ={})
    total = 0
    with app.app_context(), writing():
        assessment = db.session.scalars(select(Assessment).order_by(Assessment.id)).first()
        user = db.session.scalars(select(User).where(User.email == EMAIL)).one()
        if assessment is None:
            raise RuntimeError("demo tidak memuat penilaian")
        policy = Policy(max_bytes=(max(sizes, default=1) + 1) * MIB)
        storage = app.extensions["storage"]
        for number, size in enumerate(sizes, start=1):
            pdf = make_pdf(data / f"bukti-{number}.pdf", size * MIB, seed=SEED + number)
            with open(pdf.path, "rb") as stream:
                evidence_service.upload(
                    assessment=assessment,
                    stream=stream,
                    filename=pdf.path.name,
                    meta=Metadata(title=f"Bukti {number} ({size} MiB)", doc_type=DocType.LAPORAN),
                    user=user,
                    storage=storage,
                    policy=policy,
                )
            pdf.path.unlink()
            total += pdf.size
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # no connection left open on a database the run drops
    return total


def stored_objects(store: Path) -> dict[str, Path]:
    """Every object of a local store: key → path."""
    root = store / "objects"
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def verify_objects(source: dict[str, Path], restored: Path) -> int:
    """The restored store holds the source's keys exactly, each object's SHA-256 its key's; returns the bytes read."""
    found = stored_objects(restored)
    if set(found) != set(source):
        missing, extra = sorted(set(source) - set(found)), sorted(set(found) - set(source))
        raise RuntimeError(
            f"objek pulihan berbeda: {len(missing)} hilang {missing[:3]}, {len(extra)} lebih {extra[:3]}"
        )
    read = 0
    for key, path in found.items():
        if sha256_file(path) != key.rsplit("/", 1)[-1]:
            raise RuntimeError(f"objek pulihan {key}: SHA-256 tidak cocok")
        read += path.stat().st_size
    return read


# ----------------------------------------------------------------------------------------------- measuring


@contextmanager
def fresh(path: Path) -> Iterator[Path]:
    """An empty directory ``path``, removed afterwards."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 4)


def measure(workdir: Path, dbs: Databases, source_db: str, store: Path, repeat: int) -> dict[str, Any]:
    mandiri = _bin("mandiri")
    source_env = environ(workdir, settings(dbs.sqlalchemy_url(source_db), store))
    objects = stored_objects(store)
    expected_rows = dbs.row_counts(source_db)
    runs: dict[str, list[float]] = {k: [] for k in ("app_backup", "app_incremental", "base_backup")}
    runs |= {"app_restore": [], "base_restore": [], "app_startup": []}
    for rep in range(repeat):
        runs["app_startup"].append(run_command([mandiri, "backup", "--help"], env=source_env))
        with fresh(workdir / "app-backup") as out, fresh(workdir / "base-backup") as base:
            order = ("base", "app") if rep % 2 == 0 else ("app", "base")
            for which in order:
                if which == "base":
                    runs["base_backup"].append(
                        shell(
                            'pg_dump -Fc -f "$1/db.dump" "$2" && tar -cf "$1/objects.tar" -C "$3" objects && sync',
                            str(base),
                            dbs.libpq_url(source_db),
                            str(store),
                        )
                    )
                else:
                    runs["app_backup"].append(run_command([mandiri, "backup", "--out", str(out)], env=source_env))
                    runs["app_incremental"].append(run_command([mandiri, "backup", "--out", str(out)], env=source_env))
            for which in order:
                target_db = dbs.create(f"r{which}{rep}")
                with fresh(workdir / "restored") as restored:
                    if which == "base":
                        runs["base_restore"].append(
                            shell(
                                'pg_restore -d "$1" "$2/db.dump" && tar -xf "$2/objects.tar" -C "$3" && sync',
                                dbs.libpq_url(target_db),
                                str(base),
                                str(restored),
                            )
                        )
                    else:
                        target_env = environ(workdir, settings(dbs.sqlalchemy_url(target_db), restored))
                        runs["app_restore"].append(run_command([mandiri, "restore", str(out)], env=target_env))
                        verify_objects(objects, restored)
                        counts = dbs.row_counts(target_db)
                        if counts != expected_rows:
                            changed = {n: (expected_rows.get(n), c) for n, c in counts.items()}
                            raise RuntimeError(f"jumlah baris pulihan berbeda (sumber, pulihan): {changed}")
                dbs.drop(target_db)
    medians = {k: _median(v) for k, v in runs.items()}
    ratio = medians["app_backup"] / medians["base_backup"]
    incremental = medians["app_incremental"] / medians["app_backup"]
    startup = medians["app_startup"]
    return {
        "runs_s": {k: [round(x, 4) for x in v] for k, v in runs.items()},
        "median_s": medians,
        "backup_ratio": round(ratio, 3),
        "incremental_of_first": round(incremental, 3),
        "restore_ratio": round(medians["app_restore"] / medians["base_restore"], 3),
        "without_startup": {
            "backup_ratio": round((medians["app_backup"] - startup) / medians["base_backup"], 3),
            "incremental_of_first": round(
                (medians["app_incremental"] - startup) / (medians["app_backup"] - startup), 3
            ),
            "restore_ratio": round((medians["app_restore"] - startup) / medians["base_restore"], 3),
        },
        "restore_verified": {
            "objects": len(objects),
            "tables": len(expected_rows),
            "rows": sum(expected_rows.values()),
        },
        "meets_backup_target": ratio <= TARGET_RATIO,
        "meets_incremental_target": incremental <= TARGET_INCREMENTAL,
    }


def run(
    evidence_mib: int = 1024, repeat: int = 3, base_dir: Path | None = None, pg_url: str = DEFAULT_PG
) -> dict[str, Any]:
    """Run B13 and return its results (nothing is printed or written); the temp dir and databases are removed."""
    if evidence_mib < 1 or repeat < 1:
        raise ValueError("evidence_mib dan repeat harus ≥ 1")
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-b13-", dir=base_dir))
    dbs = Databases(pg_url)
    try:
        need = (5 * evidence_mib + 256) * MIB  # the store, two backups, a restored store and the baseline's tar
        if shutil.disk_usage(workdir).free < need:
            raise RuntimeError(f"ruang disk kurang di {workdir}: perlu ~{need // MIB} MiB")
        for sub in ("tmp", "data"):
            (workdir / sub).mkdir()
        source_db = dbs.create("src")
        store = workdir / "store"
        app_settings = settings(dbs.sqlalchemy_url(source_db), store)
        env = environ(workdir, app_settings)
        setup_start = time.perf_counter()
        run_command([_bin("mandiri"), "init"], env=env)
        run_command([_bin("mandiri"), "demo", "--password", PASSWORD], env=env)
        sizes = evidence_sizes(evidence_mib)
        evidence_bytes = add_evidence(app_settings, workdir / "data", sizes)
        setup_s = time.perf_counter() - setup_start
        result = measure(workdir, dbs, source_db, store, repeat)
    finally:
        dbs.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "id": "B13",
        "what": "mandiri backup (demo + evidence, PostgreSQL, local store), the same backup again (incremental, "
        "nothing changed), mandiri restore into a new database and store; each a mandiri process",
        "baseline": {"backup": BASELINE_BACKUP, "restore": BASELINE_RESTORE},
        "target": {"backup_ratio_max": TARGET_RATIO, "incremental_of_first_max": TARGET_INCREMENTAL},
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_mib": psutil.virtual_memory().total // MIB,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "repeat": repeat,
        "evidence_files": len(sizes),
        "evidence_mib": round(evidence_bytes / MIB, 1),
        "setup_s": round(setup_s, 1),
        **result,
    }


# ------------------------------------------------------------------------------------------------ reporting


def format_table(result: dict[str, Any]) -> str:
    m = result["median_s"]
    backup_ok = "ok" if result["meets_backup_target"] else "MISS"
    incremental_ok = "ok" if result["meets_incremental_target"] else "MISS"
    verified = result["restore_verified"]
    bare = result["without_startup"]
    return "\n".join(
        [
            f"B13 backup/restore: demo + {result['evidence_files']} evidence files ({result['evidence_mib']} MiB), "
            f"PostgreSQL; median of {result['repeat']}",
            f"  backup       {m['app_backup']:>8.3f} s   baseline {m['base_backup']:>8.3f} s   "
            f"{result['backup_ratio']:.2f}×  target ≤{TARGET_RATIO}×: {backup_ok}",
            f"  incremental  {m['app_incremental']:>8.3f} s   {result['incremental_of_first']:.3f}× the first   "
            f"target ≤{TARGET_INCREMENTAL}×: {incremental_ok}",
            f"  restore      {m['app_restore']:>8.3f} s   baseline {m['base_restore']:>8.3f} s   "
            f"{result['restore_ratio']:.2f}×  verified: {verified['objects']} objects by SHA-256, "
            f"{verified['rows']} rows in {verified['tables']} tables",
            f"  start-up of a mandiri process {m['app_startup']:.3f} s; "
            f"without it: backup {bare['backup_ratio']:.2f}×, "
            f"incremental {bare['incremental_of_first']:.3f}× the first, restore {bare['restore_ratio']:.2f}×",
        ]
    )


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Merge ``result`` into ``path`` under the key "B13" (other benchmarks' keys are kept)."""
    merge_results(path, {"B13": result})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--evidence-mib", type=int, default=1024, help="evidence to back up, MiB (default 1024)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3; the median is reported)")
    parser.add_argument("--pg", default=os.environ.get("MANDIRI_BENCH_PG_URL", DEFAULT_PG), help="PostgreSQL server")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to make the temporary directory")
    args = parser.parse_args(argv)
    result = run(args.evidence_mib, args.repeat, args.tmp, args.pg)
    print(format_table(result))
    write_results(args.out, result)
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
