"""``mandiri backup`` and ``mandiri restore``: every row and every stored object, engine-neutral and verified.

A backup folder holds ``manifest.json`` (written last, atomically: a folder without it is an unfinished backup),
``rows-<time>/<table>.jsonl`` (one JSON array per row, values typed by column so that another engine gets them
back exactly) and ``objects/<storage key>`` (the stored blobs the rows name, each checked against its SHA-256).
The rows are read in one read-only snapshot transaction, so a backup taken while the app writes is consistent;
objects are content-addressed and never change, so copying them after the snapshot is safe, and an object copied
by an earlier backup into the same folder is not copied again.

A restore goes into an empty database and an empty store only: it checks every table file of the backup against
the manifest (size and SHA-256) and every object's size before writing anything, puts the objects through the
:class:`uploads.storage.Storage` protocol, each hashed while it is staged (one read) and compared with the
manifest, creates the schema at the backup's revision only once every object matched, loads the rows in
foreign-key order in one transaction, then upgrades the schema to the newest revision. Whatever fails on the way,
what it wrote is removed again.

Finished exports' files are derived data and not part of a backup: restored exports that were finished are marked
removed (``dihapus``, as the keep-the-newest pruning does) and those still queued or running as stopped.
"""

from __future__ import annotations

import base64
import enum
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    bindparam,
    column,
    func,
    insert,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import sort_tables_and_constraints
from sqlalchemy.types import Enum, TypeDecorator, TypeEngine

from assess.database import writing
from assess.extensions import db
from assess.models import Base, ExportState
from uploads.errors import UploadRejectedError
from uploads.keys import KEY_PATTERN, is_valid_key
from uploads.staging import discard, stage
from uploads.storage import Storage, fsync_dir

FORMAT = "mandiri-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
OBJECTS = "objects"
ROWS_PREFIX = "rows-"
CHUNK = 1024 * 1024
#: Bytes the kernel copies per ``copy_file_range`` call, and the read buffer of a copy through Python.
COPY_CHUNK = 8 * CHUNK
BATCH = 1000
#: Objects copied (on a backup) or put (on a restore) at once: reading, hashing, writing and S3 requests release the
#: interpreter lock, so one object is hashed on each core while the disk or the network moves another.
WORKERS = max(2, min(4, os.cpu_count() or 1))

#: The columns holding storage keys: every object they name is copied with the rows
#: (``tests/integration/test_backup.py`` holds this list to every ``*_key`` column of the models).
OBJECT_COLUMNS: tuple[tuple[str, str], ...] = (("blobs", "storage_key"), ("instansi", "logo_key"))

Progress = Callable[[str], None]


class BackupError(Exception):
    """An expected failure of a backup or a restore, with a message for the operator (nothing was left behind)."""


# --------------------------------------------------------------------------- values


def stored_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type a column's values are stored as: a decorated type (Flask-Security's lists) is read as stored."""
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


def column_kind(type_: TypeEngine[Any]) -> str:
    """How a column's values are written in a backup; the kinds are engine-neutral."""
    type_ = stored_type(type_)
    checks: Sequence[tuple[type[TypeEngine[Any]], str]] = (
        (Enum, "enum"),
        (Boolean, "bool"),
        (DateTime, "datetime_tz"),
        (Date, "date"),
        (JSON, "json"),
        (LargeBinary, "bytes"),
        (Float, "float"),
        (Numeric, "decimal"),
        (Integer, "int"),
        (String, "str"),
    )
    for cls, kind in checks:
        if isinstance(type_, cls):
            if kind == "datetime_tz" and not getattr(type_, "timezone", False):
                return "datetime"
            return kind
    raise BackupError(f"tipe kolom {type_!r} belum dikenal oleh cadangan")


def encode(kind: str, value: Any) -> Any:
    """A column value as JSON: times in UTC with their offset, decimals and JSON documents as text, bytes in base64."""
    if value is None:
        return None
    if kind == "datetime_tz":
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "enum":
        return value.value if isinstance(value, enum.Enum) else str(value)
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def decode(kind: str, value: Any) -> Any:
    """The inverse of :func:`encode`, for a column of the type :data:`LOAD_TYPES` gives the kind."""
    if value is None:
        return None
    if kind == "datetime_tz":
        return datetime.fromisoformat(value).astimezone(UTC)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "json":
        document = json.loads(value)
        return JSON.NULL if document is None else document
    if kind == "bytes":
        return base64.b64decode(value)
    return value


#: The column types rows are loaded with (enums as their stored text; SQL NULL and JSON null kept apart).
LOAD_TYPES: dict[str, Callable[[], TypeEngine[Any]]] = {
    "enum": Text,
    "bool": Boolean,
    "datetime_tz": lambda: DateTime(timezone=True),
    "datetime": DateTime,
    "date": Date,
    "json": lambda: JSON(none_as_null=True),
    "bytes": LargeBinary,
    "float": Float,
    "decimal": lambda: Numeric(asdecimal=True),
    "int": BigInteger,
    "str": Text,
}


# --------------------------------------------------------------------------- files


def _sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _copy_in_kernel(src: int, dst: int) -> bool:
    """Copy the file ``src`` into the empty file ``dst`` with ``copy_file_range`` (no pass through Python's
    memory); ``False`` when the kernel or the filesystems cannot, or stop short of ``src``'s size (then the caller
    copies it again itself)."""
    size = os.fstat(src).st_size
    copied = 0
    while copied < size:
        try:
            n = os.copy_file_range(src, dst, min(COPY_CHUNK, size - copied))
        except OSError as exc:
            if exc.errno in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                return False
            raise
        if n == 0:  # some filesystems copy nothing instead of refusing
            return False
        copied += n
    return True


def _size_or_none(path: Path) -> int | None:
    return path.stat().st_size if path.is_file() else None


def digest_of_key(key: str) -> str:
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        raise BackupError(f"kunci penyimpanan tidak sah: {key!r}")
    return match.group(3)


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} bukan cadangan yang lengkap: {MANIFEST} tidak ada")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} tidak dapat dibaca: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} bukan manifest cadangan Mandiri")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"format cadangan versi {manifest.get('version')} tidak dikenal (dikenal: {FORMAT_VERSION})")
    return manifest


def _write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)
    fsync_dir(path.parent)


# --------------------------------------------------------------------------- schema revisions


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _revision_of(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _is_ancestor(script: ScriptDirectory, older: str, newer: str) -> bool:
    return any(rev.revision == older for rev in script.iterate_revisions(newer, "base"))


# --------------------------------------------------------------------------- backup


@dataclass
class BackupReport:
    folder: Path
    revision: str
    tables: int = 0
    rows: int = 0
    copied: int = 0
    copied_bytes: int = 0
    reused: int = 0
    reused_bytes: int = 0
    #: Objects the rows name that the store does not have whole: (key, why); the rows are backed up as they are.
    unavailable: list[tuple[str, str]] = field(default_factory=list)


def _snapshot(conn: Connection) -> Connection:
    """The connection as one read-only snapshot: REPEATABLE READ READ ONLY on PostgreSQL; on SQLite a plain read
    transaction (WAL gives every read of it the same snapshot)."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return conn


def _dump_table(
    conn: Connection, tbl: Table, path: Path, refs: dict[str, list[str]], progress: Progress
) -> dict[str, Any]:
    columns = list(tbl.columns)
    kinds = [column_kind(c.type) for c in columns]
    json_columns = [c for c, kind in zip(columns, kinds, strict=True) if kind == "json"]
    pk = list(tbl.primary_key.columns)
    key_columns = [c.name for c in columns if (tbl.name, c.name) in OBJECT_COLUMNS]
    # Read through a plain copy of the table: values as stored, whatever a decorated type makes of them.
    plain = table(tbl.name, *(column(c.name, stored_type(c.type)) for c in columns))
    nulls = (plain.c[c.name].is_(None).label(f"_null_{c.name}") for c in json_columns)
    query = select(*plain.c, *nulls).order_by(*(plain.c[c.name] for c in pk))
    digest = hashlib.sha256()
    rows = 0
    with open(path, "wb") as out:
        result = conn.execution_options(yield_per=BATCH).execute(query)
        for partition in result.partitions():
            for row in partition:
                mapping = row._mapping
                values = []
                for col, kind in zip(columns, kinds, strict=True):
                    value = mapping[col.name]
                    if kind == "json" and value is None and not mapping[f"_null_{col.name}"]:
                        values.append("null")  # a JSON null, not SQL NULL
                    else:
                        values.append(encode(kind, value))
                line = (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
                digest.update(line)
                out.write(line)
                rows += 1
                for name in key_columns:
                    if mapping[name] is not None:
                        where = "/".join(str(mapping[c.name]) for c in pk)
                        refs.setdefault(mapping[name], []).append(f"{tbl.name}#{where}")
        out.flush()
        os.fsync(out.fileno())
    progress(f"  {tbl.name}: {rows} baris")
    return {
        "name": tbl.name,
        "file": f"{path.parent.name}/{path.name}",
        "rows": rows,
        "size": path.stat().st_size,
        "sha256": digest.hexdigest(),
        "columns": [[c.name, kind] for c, kind in zip(columns, kinds, strict=True)],
        "primary_key": [c.name for c in pk],
    }


def _dump_rows(folder: Path, progress: Progress) -> tuple[str, list[dict[str, Any]], dict[str, list[str]]]:
    refs: dict[str, list[str]] = {}
    tables = []
    with db.engine.connect() as raw:
        conn = _snapshot(raw)
        with conn.begin():
            revision = _revision_of(conn)  # the first read: on SQLite, the snapshot starts here
            head = _script().get_current_head()
            if revision is None:
                raise BackupError("basis data belum berisi skema Mandiri (jalankan `mandiri init`)")
            if revision != head:
                raise BackupError(
                    f"skema basis data di revisi {revision}, versi Mandiri ini di {head}: "
                    "jalankan `mandiri init` (migrasi) dulu, lalu cadangkan"
                )
            for tbl in Base.metadata.sorted_tables:
                for col in tbl.columns:
                    column_kind(col.type)  # an unknown type stops the backup before anything is written
            progress(f"Membaca basis data ({conn.dialect.name}, revisi {revision}) dalam satu snapshot …")
            for tbl in Base.metadata.sorted_tables:
                tables.append(_dump_table(conn, tbl, folder / f"{tbl.name}.jsonl", refs, progress))
    return revision, tables, refs


def _copy_object(storage: Storage, key: str, dest: Path) -> str | None:
    """Copy one object into the backup, checking it against its address; the problem found, or ``None``.

    From local disk the kernel copies the file and the copy is hashed (from the page cache it was just written
    to); from a remote store the bytes are hashed as they arrive."""
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = storage.local_path(key)
    try:
        with open(part, "wb") as out:
            if source is not None:
                with open(source, "rb") as src:
                    if not _copy_in_kernel(src.fileno(), out.fileno()):
                        src.seek(0)
                        out.seek(0)
                        out.truncate()
                        shutil.copyfileobj(src, out, COPY_CHUNK)
                out.flush()
                os.fsync(out.fileno())
                actual = _sha256_of(part)
            else:
                digest = hashlib.sha256()
                with storage.open(key) as remote:
                    while chunk := remote.read(COPY_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
                actual = digest.hexdigest()
        if actual != digest_of_key(key):
            part.unlink()
            return "isi di penyimpanan tidak cocok dengan SHA-256-nya (rusak)"
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return None


def backup(out: Path, *, storage: Storage, progress: Progress) -> BackupReport:
    """Back the database and the objects its rows name up into ``out`` (created if needed; incremental)."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        previous = {o["key"]: o for o in read_manifest(out)["objects"]} if (out / MANIFEST).exists() else {}
    except BackupError:
        previous = {}
    started = datetime.now(UTC)
    rows_dir = out / f"{ROWS_PREFIX}{started.strftime('%Y%m%dT%H%M%S%fZ')}"
    rows_dir.mkdir()
    try:
        revision, tables, refs = _dump_rows(rows_dir, progress)
        report = BackupReport(folder=out, revision=revision, tables=len(tables), rows=sum(t["rows"] for t in tables))
        objects = _copy_objects(out, storage, refs, previous, report, progress)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": started.isoformat(),
            "engine": db.engine.dialect.name,
            "revision": revision,
            "rows_dir": rows_dir.name,
            "tables": tables,
            "objects": objects,
            "unavailable": [{"key": key, "problem": why, "rows": refs[key]} for key, why in report.unavailable],
        }
        fsync_dir(rows_dir)
        _write_json_atomically(out / MANIFEST, manifest)
    except BaseException:
        shutil.rmtree(rows_dir, ignore_errors=True)
        raise
    for old in out.glob(f"{ROWS_PREFIX}*"):
        if old.is_dir() and old != rows_dir:
            shutil.rmtree(old, ignore_errors=True)
    return report


def _copy_objects(
    out: Path,
    storage: Storage,
    refs: dict[str, list[str]],
    previous: dict[str, dict[str, Any]],
    report: BackupReport,
    progress: Progress,
) -> list[dict[str, Any]]:
    keys = sorted(refs)
    progress(f"Menyalin {len(keys)} objek tersimpan …")

    def back_up(key: str) -> tuple[str, int, str | None]:
        """One object: ("copied" or "reused", its size, None) or ("", 0, the problem)."""
        if not is_valid_key(key):
            return "", 0, "kunci penyimpanan tidak sah"
        if not storage.exists(key):
            return "", 0, "tidak ada di penyimpanan"
        size = storage.size(key)
        dest = out / OBJECTS / key
        old = previous.get(key)
        if old and (old.get("size"), old.get("sha256")) == (size, digest_of_key(key)) and _size_or_none(dest) == size:
            return "reused", size, None
        problem = _copy_object(storage, key, dest)
        return ("", 0, problem) if problem else ("copied", size, None)

    objects = []
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="cadangan")
    try:
        for done, (key, (how, size, problem)) in enumerate(zip(keys, pool.map(back_up, keys), strict=True), start=1):
            if problem:
                report.unavailable.append((key, problem))
                continue
            if how == "reused":
                report.reused += 1
                report.reused_bytes += size
            else:
                report.copied += 1
                report.copied_bytes += size
            objects.append({"key": key, "size": size, "sha256": digest_of_key(key), "rows": refs[key]})
            if done % 100 == 0:
                progress(f"  objek {done}/{len(keys)}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a failure stops the objects not started yet
    return objects


# --------------------------------------------------------------------------- restore


@dataclass
class RestoreReport:
    revision: str
    head: str
    tables: int = 0
    rows: int = 0
    objects: int = 0
    object_bytes: int = 0
    unavailable: list[str] = field(default_factory=list)


def _used_by(entry: dict[str, Any]) -> str:
    rows = ", ".join(entry.get("rows", [])[:5])
    return f" (dipakai oleh {rows})" if rows else ""


def _incomplete(problems: list[str]) -> BackupError:
    return BackupError("cadangan tidak utuh, tidak ada yang dipulihkan:\n  " + "\n  ".join(problems))


def verify(folder: Path, manifest: dict[str, Any], progress: Progress) -> None:
    """Every table file of the backup is there with the size and SHA-256 of the manifest, every object with its size
    (an object's SHA-256 is compared while it is put: :func:`_put_objects`)."""
    problems = []
    for entry in manifest["tables"]:
        path = folder / entry["file"]
        if not path.is_file():
            problems.append(f"berkas tabel {entry['file']} tidak ada")
        elif path.stat().st_size != entry["size"] or _sha256_of(path) != entry["sha256"]:
            problems.append(f"berkas tabel {entry['file']} rusak (SHA-256 tidak cocok dengan manifest)")
    objects = manifest["objects"]
    progress(f"Memeriksa {len(manifest['tables'])} berkas tabel (SHA-256) dan {len(objects)} objek (ukuran) …")
    for entry in objects:
        key = entry["key"]
        path = folder / OBJECTS / key
        if not is_valid_key(key) or entry["sha256"] != digest_of_key(key):
            problems.append(f"objek {key} tidak sah di manifest{_used_by(entry)}")
        elif not path.is_file():
            problems.append(f"objek {key} tidak ada di cadangan{_used_by(entry)}")
        elif path.stat().st_size != entry["size"]:
            problems.append(f"objek {key} rusak: ukurannya tidak cocok dengan manifest{_used_by(entry)}")
    if problems:
        raise _incomplete(problems)


def _occupied(conn: Connection) -> list[str]:
    """What the target database already holds: ``table: N baris`` for each table with rows."""
    held = []
    for name in sorted(inspect(conn).get_table_names()):
        if name == "alembic_version":
            continue
        count = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
        if count:
            held.append(f"{name}: {count} baris")
    return held


def _prepare_schema(revision: str, progress: Progress) -> None:
    """The target's schema at ``revision`` (it has no rows; see :func:`_occupied`)."""
    script = _script()
    with db.engine.connect() as conn:
        current = _revision_of(conn)
    if current == revision:
        return
    progress(f"Membuat skema di revisi {revision} …")
    with writing():
        if current is not None and _is_ancestor(script, revision, current):
            downgrade(revision=revision)
        else:
            upgrade(revision=revision)


def _load_order(conn: Connection, names: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The tables in foreign-key order, and per table the columns filled only after every row is in: the nullable
    foreign keys that close a cycle of tables (``evidence.current_version_id``) or point to their own table."""
    reflected = MetaData()
    reflected.reflect(conn, only=names)
    tables = [reflected.tables[name] for name in names]
    needs = {t.name: {fkc.referred_table.name for fkc in t.foreign_key_constraints} for t in tables}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name == goal:
                return True
            if name not in seen:
                seen.add(name)
                todo.extend(needs.get(name, ()))
        return False

    later = {
        fkc
        for t in tables
        for fkc in t.foreign_key_constraints
        if all(c.nullable for c in fkc.columns) and reaches(fkc.referred_table.name, t.name)
    }
    ordered = sort_tables_and_constraints(tables, filter_fn=lambda fkc: fkc in later)
    deferred: dict[str, list[str]] = {}
    for fkc in later:
        deferred.setdefault(fkc.table.name, []).extend(c.name for c in fkc.columns)
    return [t.name for t, _fkcs in ordered if t is not None], deferred


def _settle_export(row: dict[str, Any]) -> None:
    """An export's files are not in the backup: a finished one is marked removed, one queued or running stopped."""
    from assess.services.exports import STOPPED

    state = row.get("state")
    if state == ExportState.DONE.value:
        row["state"] = ExportState.PRUNED.value
    elif state in (ExportState.QUEUED.value, ExportState.RUNNING.value):
        row["state"] = ExportState.FAILED.value
        if "finished_at" in row and row["finished_at"] is None:
            row["finished_at"] = datetime.now(UTC)
        if "error" in row:
            row["error"] = STOPPED.sentence()
        if "error_text" in row:
            row["error_text"] = STOPPED.stored()


def _rows(folder: Path, entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    names = [name for name, _kind in entry["columns"]]
    kinds = [kind for _name, kind in entry["columns"]]
    with open(folder / entry["file"], encoding="utf-8") as handle:
        for line in handle:
            values = json.loads(line)
            row = {n: decode(k, v) for n, k, v in zip(names, kinds, values, strict=True)}
            if entry["name"] == "exports":
                _settle_export(row)
            yield row


def _shape(shapes: MetaData, entry: dict[str, Any]) -> Table:
    """The table as the backup wrote it, with the types its values are loaded with."""
    return Table(
        entry["name"],
        shapes,
        *(Column(c, LOAD_TYPES[k](), primary_key=c in entry["primary_key"]) for c, k in entry["columns"]),
    )


def _insert(conn: Connection, shape: Table, rows: list[dict[str, Any]]) -> None:
    try:
        conn.execute(insert(shape), rows)
    except DBAPIError as exc:  # the driver's message names the constraint and the value
        raise BackupError(f"basis data tujuan menolak baris tabel {shape.name}: {exc.orig}") from None


def _load_rows(
    conn: Connection, folder: Path, manifest: dict[str, Any], report: RestoreReport, progress: Progress
) -> None:
    entries = {e["name"]: e for e in manifest["tables"]}
    order, deferred = _load_order(conn, list(entries))
    shapes = MetaData()
    fills: list[tuple[Any, list[dict[str, Any]]]] = []
    for name in order:
        entry, later = entries[name], deferred.get(name, [])
        shape = _shape(shapes, entry)
        pending: list[dict[str, Any]] = []
        batch: list[dict[str, Any]] = []
        for row in _rows(folder, entry):
            if any(row[c] is not None for c in later):
                pending.append({f"b_{c}": row[c] for c in later} | {f"k_{p}": row[p] for p in entry["primary_key"]})
            batch.append(row | dict.fromkeys(later))
            if len(batch) >= BATCH:
                _insert(conn, shape, batch)
                batch = []
        if batch:
            _insert(conn, shape, batch)
        if pending:
            statement = (
                update(shape)
                .where(*(shape.c[p] == bindparam(f"k_{p}") for p in entry["primary_key"]))
                .values({c: bindparam(f"b_{c}", type_=shape.c[c].type) for c in later})
            )
            fills.append((statement, pending))
        report.tables += 1
        report.rows += entry["rows"]
        progress(f"  {name}: {entry['rows']} baris")
    for statement, pending in fills:
        try:
            conn.execute(statement, pending)
        except DBAPIError as exc:
            raise BackupError(f"basis data tujuan menolak baris tabel {statement.table.name}: {exc.orig}") from None
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, [entries[name] for name in order])


def _reset_sequences(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Every serial or identity column's sequence continues after the highest restored value."""
    for entry in entries:
        for name in entry["primary_key"]:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": entry["name"], "c": name}
            ).scalar_one()
            if sequence is None:
                continue
            highest = conn.scalar(select(func.max(column(name))).select_from(table(entry["name"])))
            conn.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, false)"), {"s": sequence, "v": int(highest or 0) + 1}
            )


def _delete_rows(names: list[str]) -> None:
    """Remove every row a failed restore committed (children first)."""
    with writing(), db.engine.connect() as conn, conn.begin():
        for name in reversed(names):
            conn.execute(table(name).delete())


def restore(folder: Path, *, storage: Storage, progress: Progress) -> RestoreReport:
    """Restore the backup in ``folder`` into the app's database and store, which must both be empty."""
    manifest = read_manifest(folder)
    revision = manifest["revision"]
    script = _script()
    head = script.get_current_head()
    try:
        script.get_revision(revision)
    except CommandError:
        raise BackupError(
            f"cadangan berasal dari skema revisi {revision} yang tidak dikenal versi Mandiri ini: "
            "pasang versi Mandiri yang sama atau lebih baru"
        ) from None
    verify(folder, manifest, progress)
    with db.engine.connect() as conn:
        held = _occupied(conn)
    if held:
        raise BackupError("basis data tujuan tidak kosong, tidak ada yang dipulihkan:\n  " + "\n  ".join(held))
    present = sorted(storage.stored_keys())
    if present:
        raise BackupError(
            f"penyimpanan tujuan tidak kosong: {len(present)} objek sudah ada (mis. {present[0]}); "
            "tidak ada yang dipulihkan"
        )
    report = RestoreReport(revision=revision, head=head or revision)
    report.unavailable = [u["key"] for u in manifest.get("unavailable", [])]
    put: list[str] = []
    committed = False
    try:
        _put_objects(folder, manifest, storage, put, report, progress)
        _prepare_schema(revision, progress)
        progress(f"Memuat {sum(e['rows'] for e in manifest['tables'])} baris …")
        with writing(), db.engine.connect() as conn:
            with conn.begin():
                _load_rows(conn, folder, manifest, report, progress)
            committed = True
        if head != revision:
            progress(f"Memigrasikan skema ke revisi terbaru {head} …")
            with writing():
                upgrade()
    except BaseException:
        if committed:
            _delete_rows([e["name"] for e in manifest["tables"]])
        for key in put:
            storage.delete(key)
        raise
    return report


def _put_objects(
    folder: Path, manifest: dict[str, Any], storage: Storage, put: list[str], report: RestoreReport, progress: Progress
) -> None:
    """Put every object of the backup, each hashed while it is staged and put only when it matches the manifest.
    Every key put is added to ``put`` (the caller removes them on a failure); an object that does not match stops
    the restore after the others, naming each that did not."""
    objects = manifest["objects"]
    progress(f"Memasukkan {len(objects)} objek ke penyimpanan (SHA-256 diperiksa sambil disalin) …")

    def put_one(entry: dict[str, Any]) -> str | None:
        key = entry["key"]
        try:
            with open(folder / OBJECTS / key, "rb") as handle:
                staged = stage(handle, storage.staging_dir(), max_bytes=entry["size"], chunk_size=COPY_CHUNK)
        except UploadRejectedError as exc:
            raise BackupError(f"objek {key} tidak dapat dimasukkan ke penyimpanan: {exc.message}") from None
        if staged.sha256 != entry["sha256"] or staged.size != entry["size"]:
            discard(staged)
            return f"objek {key} rusak: SHA-256 tidak cocok{_used_by(entry)}"
        stored = storage.put(staged)
        put.append(stored)
        if stored != key:
            raise BackupError(f"penyimpanan menyimpan objek {key} dengan kunci lain ({stored})")
        return None

    problems = []
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pemulihan")
    try:
        for done, (entry, problem) in enumerate(zip(objects, pool.map(put_one, objects), strict=True), start=1):
            if problem:
                problems.append(problem)
            else:
                report.objects += 1
                report.object_bytes += entry["size"]
            if done % 100 == 0:
                progress(f"  objek {done}/{len(objects)}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # every put that started is in ``put`` before it is undone
    if problems:
        raise _incomplete(problems)
