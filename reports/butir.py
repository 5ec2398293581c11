"""Per-butir files for the evaluation portal: one PDF per fulfilled butir, named by its code (``I1-L2-03.pdf``),
made of the documents linked to that butir in link order, each page stamped with the code; a ``catatan.csv`` with
the text to paste beside each file; and a ZIP of both.

The PDFs are built from the documents the bundle prepared (nothing is converted twice). A document that supports
several butir appears in each butir's file. Links (URL evidence) go into the catatan, not the PDF. On request, large
raster images inside the butir files are re-encoded (:func:`recompress_scans`): the bundle itself never is.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name
from PIL import Image

from reports.archive import ZipSource, file_sha256, write_zip
from reports.bundle import Stamper, sanitize_page
from reports.csvsafe import cell
from reports.data import Butir, ButirDocument

DIR_NAME = "per-butir"
ZIP_NAME = "per-butir.zip"
CATATAN_NAME = "catatan.csv"
CATATAN_FIELDS = ("butir", "catatan", "berkas", "halaman", "sha256")
#: Scans are brought down to this resolution (dots per inch of the page they fill) and JPEG quality.
SCAN_DPI = 150
SCAN_QUALITY = 70
#: What reading an image Pillow or pikepdf cannot decode raises: such an image stays as it is.
UNREADABLE = (pikepdf.PdfError, NotImplementedError, OSError, TypeError, ValueError, Image.DecompressionBombError)


@dataclass(frozen=True)
class ButirFile:
    code: str
    file: str  # the name inside the per-butir folder and the ZIP
    pages: int
    size: int
    sha256: str
    catatan: str
    #: The size before the scans were recompressed (None when they were not).
    size_before: int | None
    over_limit: bool
    #: Linked files the bundle could not print (left out of the butir's PDF, named in the catatan).
    unprinted: tuple[str, ...]


@dataclass(frozen=True)
class ButirResult:
    files: tuple[ButirFile, ...]
    #: Fulfilled butir with no printable file (no PDF made).
    missing: tuple[str, ...]
    zip_sha256: str
    zip_size: int

    def summary(self, *, max_mb: int | None, compressed: bool) -> dict[str, Any]:
        """What the export's summary records (``butir_files`` and the rest)."""
        return {
            "butir_files": [
                {
                    "code": f.code,
                    "file": f.file,
                    "pages": f.pages,
                    "size": f.size,
                    "sha256": f.sha256,
                    "size_before": f.size_before,
                    "over_limit": f.over_limit,
                    "unprinted": list(f.unprinted),
                }
                for f in self.files
            ],
            "butir_missing": list(self.missing),
            "butir_zip": {"sha256": self.zip_sha256, "size": self.zip_size},
            "portal_max_mb": max_mb,
            "compress_scans": compressed,
        }


def _pages_text(first: int, last: int) -> str:
    return f"hal. {first}" if first == last else f"hal. {first}–{last}"


def _document_text(doc: ButirDocument) -> str:
    return f"{doc.title} (No. {doc.number})" if doc.number else doc.title


def catatan(butir: Butir, ranges: Mapping[int, tuple[int, int]]) -> str:
    """The text to paste beside the butir's file: its note, each printed document with its pages in the file,
    the files that could not be printed, the links, and the PIC unit."""
    parts = [" ".join(butir.note.split())] if butir.note.strip() else []
    for doc in butir.documents:
        if doc.url is not None:
            parts.append(f"{_document_text(doc)}: {doc.url}")
        elif doc.evidence_id in ranges:
            parts.append(f"{_document_text(doc)}, {_pages_text(*ranges[doc.evidence_id])}")
        else:
            parts.append(f"{_document_text(doc)} (berkas tidak dapat dicetak ke PDF)")
    if butir.unit:
        parts.append(f"PIC: {butir.unit}")
    return "; ".join(parts)


def _image_dpi(page: pikepdf.Page, width: int, height: int) -> float:
    """The resolution of an image as if it filled the page (a scan does): a lower bound of its real one."""
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    longest = max(abs(x1 - x0), abs(y1 - y0)) / 72 or 1.0
    return max(width, height) / longest


def _reencoded(image: Image.Image, scale: float) -> bytes:
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=SCAN_QUALITY, optimize=True)
    return out.getvalue()


def recompress_scans(pdf: pikepdf.Pdf) -> int:
    """Re-encode the large raster images drawn directly on the pages (scans) as JPEG of quality ``SCAN_QUALITY``,
    brought down to ``SCAN_DPI`` when finer; an image is replaced only when that makes it smaller. Masks,
    transparent, bilevel and CMYK images are left as they are, and content streams (text, vector drawing) are never
    touched. Returns how many images were replaced."""
    seen: set[tuple[int, int]] = set()
    replaced = 0
    for page in pdf.pages:
        for raw in page.get_images().values():
            if not isinstance(raw, pikepdf.Stream) or raw.objgen in seen or raw.objgen == (0, 0):
                continue
            seen.add(raw.objgen)
            if raw.get("/ImageMask", False) or "/SMask" in raw or "/Mask" in raw:
                continue
            try:
                if int(raw.get("/BitsPerComponent", 8)) != 8:
                    continue
                image = pikepdf.PdfImage(raw).as_pil_image()
                if image.mode == "P":
                    image = image.convert("RGB")
                if image.mode not in ("L", "RGB"):
                    continue
                scale = min(1.0, SCAN_DPI / _image_dpi(page, image.width, image.height))
                data = _reencoded(image, scale)
            except UNREADABLE:
                continue
            if len(data) >= len(raw.read_raw_bytes()):
                continue
            with Image.open(io.BytesIO(data)) as written:
                width, height = written.size
            raw.write(data, filter=Name.DCTDecode)
            raw.Width, raw.Height, raw.BitsPerComponent = width, height, 8
            raw.ColorSpace = Name.DeviceGray if image.mode == "L" else Name.DeviceRGB
            for key in ("/DecodeParms", "/Decode"):
                if key in raw:
                    del raw[key]
            replaced += 1
    return replaced


def _write_pdf(
    butir: Butir, printable: Mapping[int, Path], dest: Path, *, compress: bool
) -> tuple[int, dict[int, tuple[int, int]], int | None]:
    """The butir's PDF at ``dest``: its pages, each document's pages (1-based), its size before recompression."""
    ranges: dict[int, tuple[int, int]] = {}
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(pikepdf.new())
        for doc in butir.documents:
            path = printable.get(doc.evidence_id)
            if doc.url is not None or path is None or doc.evidence_id in ranges:
                continue
            src = stack.enter_context(pikepdf.open(path))
            for page in src.pages:
                sanitize_page(page)
            first = len(out.pages) + 1
            out.pages.extend(src.pages)
            ranges[doc.evidence_id] = (first, len(out.pages))
        stamper = Stamper(out)
        total = len(out.pages)
        for number, page in enumerate(out.pages, start=1):
            stamper.margin_stamp(page, f"{butir.code} · hal. {number}/{total}")
        before = None
        if compress:
            out.save(dest, deterministic_id=True)
            before = dest.stat().st_size
            recompress_scans(out)
        out.save(dest, deterministic_id=True)
    return total, ranges, before


def catatan_csv(files: Sequence[ButirFile]) -> bytes:
    """The catatan table, UTF-8 with a BOM (spreadsheets then read it as UTF-8), no cell read as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CATATAN_FIELDS)
    for f in files:
        writer.writerow([cell(f.code), cell(f.catatan), cell(f.file), f.pages, f.sha256])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_butir_files(
    butir: Sequence[Butir],
    printable: Mapping[int, Path],
    out_dir: Path,
    *,
    generated_at: datetime,
    compress: bool = False,
    max_bytes: int | None = None,
) -> ButirResult:
    """Write ``per-butir/<code>.pdf``, ``per-butir/catatan.csv`` and ``per-butir.zip`` into ``out_dir``.

    ``printable`` maps a document (evidence id) to the PDF the bundle prepared of it, for every document the bundle
    printed as it is or converted. A butir with no printable file gets no PDF and is listed as missing."""
    folder = out_dir / DIR_NAME
    folder.mkdir()
    files: list[ButirFile] = []
    missing: list[str] = []
    for entry in butir:
        if not any(d.url is None and d.evidence_id in printable for d in entry.documents):
            missing.append(entry.code)
            continue
        name = f"{entry.code}.pdf"
        dest = folder / name
        pages, ranges, before = _write_pdf(entry, printable, dest, compress=compress)
        size = dest.stat().st_size
        files.append(
            ButirFile(
                code=entry.code,
                file=name,
                pages=pages,
                size=size,
                sha256=file_sha256(dest),
                catatan=catatan(entry, ranges),
                size_before=before,
                over_limit=max_bytes is not None and size > max_bytes,
                unprinted=tuple(d.title for d in entry.documents if d.url is None and d.evidence_id not in printable),
            )
        )
    table = folder / CATATAN_NAME
    table.write_bytes(catatan_csv(files))
    sources = [
        ZipSource(folder / f.file, f.file, "", None, f.code, None, f.code, "", None, "butir", f.sha256) for f in files
    ]
    sources.append(ZipSource(table, CATATAN_NAME, "", None, None, None, CATATAN_NAME, "", None, "catatan"))
    zip_tmp = out_dir / f".{ZIP_NAME}.tmp"
    write_zip(zip_tmp, sources, generated_at=generated_at, manifest=False)
    zip_path = out_dir / ZIP_NAME
    zip_tmp.replace(zip_path)
    return ButirResult(tuple(files), tuple(missing), file_sha256(zip_path), zip_path.stat().st_size)
