"""The submission ZIP: the report, a folder per indicator with its documents under portal-friendly names, and a
manifest (JSON and CSV) with the SHA-256, size, indicator, level and original name of every file.

Entries are stored, not recompressed (PDFs and scans are compressed already). A document's SHA-256 is known from
the preparation step (it was verified against the library while read); only converted files are hashed here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from reports.csvsafe import cell

CHUNK = 1024 * 1024
MANIFEST_FIELDS = (
    "path",
    "sha256",
    "size",
    "indicator",
    "level",
    "butir",
    "lampiran",
    "title",
    "original_name",
    "source_sha256",
    "outcome",
)


@dataclass(frozen=True)
class ZipSource:
    """A file to put in the ZIP. ``sha256`` is given when already known (and verified), else computed."""

    path: Path
    arcname: str
    indicator: str
    level: int | None
    butir: str | None
    lampiran: int | None
    title: str
    original_name: str
    source_sha256: str | None
    outcome: str
    sha256: str | None = None


@dataclass(frozen=True)
class ManifestRow:
    path: str
    sha256: str
    size: int
    indicator: str
    level: int | None
    butir: str | None
    lampiran: int | None
    title: str
    original_name: str
    source_sha256: str | None
    outcome: str


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    moment = max(moment, datetime(1980, 1, 1, tzinfo=moment.tzinfo))
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _entry(name: str, when: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def write_zip(
    dest: Path, sources: Sequence[ZipSource], *, generated_at: datetime, manifest: bool = True
) -> list[ManifestRow]:
    """Write the ZIP to ``dest`` (a temporary name; the caller renames it) and return the manifest rows, which it
    holds as ``manifest.json`` and ``manifest.csv`` unless ``manifest`` is false."""
    when = _zip_time(generated_at)
    rows: list[ManifestRow] = []
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for source in sources:
            size = source.path.stat().st_size
            digest = hashlib.sha256() if source.sha256 is None else None
            with (
                open(source.path, "rb") as src,
                archive.open(_entry(source.arcname, when), "w", force_zip64=size > 0x7FFF0000) as dst,
            ):
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
                    if digest is not None:
                        digest.update(chunk)
            rows.append(
                ManifestRow(
                    path=source.arcname,
                    sha256=source.sha256 or (digest.hexdigest() if digest else ""),
                    size=size,
                    indicator=source.indicator,
                    level=source.level,
                    butir=source.butir,
                    lampiran=source.lampiran,
                    title=source.title,
                    original_name=source.original_name,
                    source_sha256=source.source_sha256,
                    outcome=source.outcome,
                )
            )
        if manifest:
            archive.writestr(_entry("manifest.json", when), manifest_json(rows))
            archive.writestr(_entry("manifest.csv", when), manifest_csv(rows))
    return rows


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_zip_hashed(dest: Path, sources: Sequence[ZipSource], generated_at: datetime) -> tuple[list[ManifestRow], str]:
    """:func:`write_zip`, and the ZIP's SHA-256, read back while the file is still in the page cache."""
    return write_zip(dest, sources, generated_at=generated_at), file_sha256(dest)


def manifest_json(rows: Sequence[ManifestRow]) -> str:
    return json.dumps({"files": [asdict(r) for r in rows]}, ensure_ascii=False, indent=2) + "\n"


def manifest_csv(rows: Sequence[ManifestRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANIFEST_FIELDS)
    for row in rows:
        # No text read as a formula, whatever separator the spreadsheet splits on; size, level, lampiran stay numbers.
        writer.writerow([cell(getattr(row, f)) for f in MANIFEST_FIELDS])
    return buffer.getvalue()
