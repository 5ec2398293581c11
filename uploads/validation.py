"""Is this upload what it claims to be? Name, then content sniffing, then a real parse of the format.

Every refusal is an :class:`~uploads.errors.UploadRejectedError` with a stable code and a translatable message
that says what to do (rendered in the language of the page that shows it). Nothing here decodes more than it must:
PDF streams stay compressed, images are checked from their headers before Pillow sees them, ZIP members are judged by
their declared sizes and only the few XML parts that prove the format are parsed (streaming, size-capped, DTDs
refused).
"""

from __future__ import annotations

import contextlib
import re
import struct
import threading
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

import filetype  # type: ignore[import-untyped]
import pikepdf
import pikepdf.settings
from defusedxml.common import DefusedXmlException
from defusedxml.expatreader import create_parser
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from PIL import Image

from uploads.errors import UploadRejectedError, lazy_number, lazy_size
from uploads.staging import empty, too_large

DEFAULT_EXTENSIONS: frozenset[str] = frozenset(
    {"pdf", "jpg", "jpeg", "png", "docx", "xlsx", "pptx", "odt", "ods", "mp4"}
)

MAX_NAME_LENGTH: Final = 200
SNIFF_BYTES: Final = 8192
PDF_TAIL_BYTES: Final = 1024
MAX_XML_PART_BYTES: Final = 128 * 1024 * 1024  # a single XML part we parse; real main parts are far smaller
ZIP_RATIO_MIN_SIZE: Final = 1024 * 1024  # below this a member cannot hurt, so its compression ratio is not judged
MAX_JPEG_SEGMENTS: Final = 4096
MAX_MP4_BOXES: Final = 100_000

DANGEROUS_EXTENSIONS: frozenset[str] = frozenset(
    {
        "exe", "com", "pif", "scr", "msi", "msp", "dll", "cpl", "sys", "drv",
        "bat", "cmd", "sh", "bash", "ps1", "psm1", "vbs", "vbe", "js", "jse", "mjs", "wsf", "wsh", "hta", "lnk",
        "reg", "inf", "jar", "apk", "app", "dmg", "deb", "rpm",
        "php", "php3", "php4", "php5", "phtml", "phar", "asp", "aspx", "jsp", "cgi", "pl", "py",
        "svg", "svgz", "htm", "html", "xhtml", "shtml", "xht", "mht", "mhtml",
    }
)  # fmt: skip
WINDOWS_RESERVED: frozenset[str] = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)
_BIDI_AND_INVISIBLE: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\ufeff"
)
_WHITESPACE = re.compile(r"\s+")

_MIME: Final = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "mp4": "video/mp4",
}
_KIND: Final = {
    "pdf": "pdf",
    "jpg": "image",
    "png": "image",
    "docx": "office",
    "xlsx": "office",
    "pptx": "office",
    "odt": "office",
    "ods": "office",
    "mp4": "video",
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_KIND) | {"jpeg"}
_LABEL: Final[dict[str, str | LazyString]] = {
    "pdf": "PDF",
    "jpg": _l("gambar JPEG"),
    "png": _l("gambar PNG"),
    "docx": _l("dokumen Word (DOCX)"),
    "xlsx": _l("lembar kerja Excel (XLSX)"),
    "pptx": _l("presentasi PowerPoint (PPTX)"),
    "odt": _l("dokumen OpenDocument (ODT)"),
    "ods": _l("lembar kerja OpenDocument (ODS)"),
    "odp": _l("presentasi OpenDocument (ODP)"),
    "mp4": _l("video MP4"),
    "zip": _l("arsip ZIP"),
    "doc": _l("dokumen Word lama (DOC) atau dokumen Office yang dilindungi kata sandi"),
    "xls": _l("lembar kerja Excel lama (XLS)"),
    "ppt": _l("presentasi PowerPoint lama (PPT)"),
    "exe": _l("program Windows (EXE)"),
    "elf": _l("program (ELF)"),
    "gif": _l("gambar GIF"),
    "webp": _l("gambar WebP"),
    "bmp": _l("gambar BMP"),
    "tif": _l("gambar TIFF"),
    "heic": _l("gambar HEIC"),
    "mov": _l("video QuickTime (MOV)"),
    "rar": _l("arsip RAR"),
    "7z": _l("arsip 7z"),
    "gz": _l("arsip GZIP"),
    "rtf": _l("dokumen RTF"),
    "html": _l("halaman HTML"),
    "svg": _l("gambar SVG"),
}
_OOXML_MAIN: Final = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
_ODF_MIMETYPE: Final = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
_MP4_BRANDS: Final = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"iso9", b"mp41", b"mp42", b"mp71",
     b"avc1", b"hvc1", b"hev1", b"av01", b"dash", b"cmfc", b"msnv", b"MSNV", b"M4V ", b"M4VH", b"M4VP",
     b"mmp4", b"f4v ", b"XAVC", b"NDSC", b"NDSH", b"NDXC", b"NDXH"}
)  # fmt: skip
_HTML_MARKERS: Final = (b"<html", b"<!doctype html", b"<script", b"<body", b"<iframe", b"<svg", b"<head")
_PNG_IEND: Final = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG_SOF: Final = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PDF_ACTIVE_KEYS: Final = frozenset({"/JS", "/JavaScript", "/AA"})
_PDF_ACTIVE_ACTIONS: Final = frozenset({"/JavaScript", "/Launch"})


@dataclass(frozen=True)
class Policy:
    """Limits for one upload; the defaults suit evidence documents."""

    allowed_extensions: frozenset[str] = DEFAULT_EXTENSIONS
    max_bytes: int = 100 * 1024 * 1024
    max_pdf_pages: int = 3000
    max_image_pixels: int = 60_000_000
    max_zip_members: int = 5000
    max_zip_uncompressed: int = 1024 * 1024 * 1024
    max_zip_ratio: int = 200


@dataclass(frozen=True)
class FileInfo:
    """What validation learned about an accepted file."""

    extension: str
    mime: str
    kind: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    has_javascript: bool = False
    owner_password: bool = False


# --------------------------------------------------------------------------------------------------- names


def _bad_name() -> UploadRejectedError:
    return UploadRejectedError(
        "bad_name",
        _l(
            "Nama berkas tidak dapat digunakan. Ganti nama berkas dengan huruf, angka dan ekstensi yang jelas "
            "(misalnya laporan.pdf) lalu unggah lagi."
        ),
    )


def clean_filename(name: str) -> str:
    """The display name to keep: never a path, free of control and bidi tricks, at most 200 characters.

    Raises ``UploadRejectedError("bad_name")`` when nothing usable remains.
    """
    if not isinstance(name, str):
        raise _bad_name()
    name = re.split(r"[/\\]", name)[-1]
    chars = []
    for char in name:
        if char in _BIDI_AND_INVISIBLE:
            continue
        category = unicodedata.category(char)
        if char.isspace() or category in ("Zl", "Zp"):
            chars.append(" ")
        elif category in ("Cc", "Cs"):
            continue
        else:
            chars.append(char)
    # NFC after the removals, so that a mark separated from its letter by an invisible character still composes
    name = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", "".join(chars))).strip()
    name = name.lstrip(".").rstrip(". ").strip()
    if not name:
        raise _bad_name()
    stem, dot, ext = name.partition(".")
    if stem.rstrip(" ").lower() in WINDOWS_RESERVED:
        name = f"{stem.rstrip(' ')}_{dot}{ext}"
    if len(name) > MAX_NAME_LENGTH:
        base, dot, ext = name.rpartition(".")
        if dot and base and 0 < len(ext) <= 16:
            name = base[: MAX_NAME_LENGTH - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH].rstrip(". ")
    name = unicodedata.normalize("NFC", name)
    if not name or name.startswith("."):
        raise _bad_name()
    return name


def _allowed(policy: Policy) -> frozenset[str]:
    """The policy's extensions (tolerating " PDF", ".docx" from configuration) that this module can validate."""
    return frozenset(ext.strip().lstrip(".").lower() for ext in policy.allowed_extensions) & SUPPORTED_EXTENSIONS


def _accepted_list(policy: Policy) -> str:
    return ", ".join(ext.upper() for ext in sorted(_allowed(policy)))


def check_name(original_name: str, policy: Policy) -> str:
    """Step 1 of :func:`validate`: clean the name and judge its extensions. Returns the cleaned name."""
    name = clean_filename(original_name)
    parts = name.split(".")
    ext = parts[-1].strip().lower() if len(parts) > 1 else ""
    if not ext or ext not in _allowed(policy):
        accepted = _accepted_list(policy)
        raise UploadRejectedError(
            "bad_extension",
            _l(
                "Jenis berkas .%(ext)s tidak diterima. Jenis yang diterima: %(accepted)s. Simpan ulang berkas dalam "
                "salah satu jenis tersebut lalu unggah lagi.",
                ext=ext[:20],
                accepted=accepted,
            )
            if ext
            else _l(
                "Berkas tanpa ekstensi tidak diterima. Jenis yang diterima: %(accepted)s. Simpan ulang berkas dalam "
                "salah satu jenis tersebut lalu unggah lagi.",
                accepted=accepted,
            ),
        )
    for inner in parts[1:-1]:
        inner_ext = inner.strip().lower()
        if inner_ext in DANGEROUS_EXTENSIONS:
            raise UploadRejectedError(
                "dangerous_name",
                _l(
                    "Nama berkas mengandung ekstensi berbahaya (.%(inner)s) sebelum .%(ext)s. Ganti nama berkas tanpa "
                    "ekstensi ganda lalu unggah lagi.",
                    inner=inner_ext,
                    ext=ext,
                ),
            )
    return name


def _normalise(ext: str) -> str:
    return "jpg" if ext == "jpeg" else ext


# ------------------------------------------------------------------------------------------------ messages


def _sentences(*parts: str | LazyString) -> LazyString:
    """Whole translated sentences shown one after the other (each rendered when the message is shown)."""
    return LazyString(lambda: " ".join(str(part) for part in parts))


def _mismatch(ext: str, detected: str | None = None) -> UploadRejectedError:
    label = _LABEL[ext]
    advice = _l(
        "Pastikan berkas tidak sekadar diganti namanya; simpan ulang sebagai %(label)s lalu unggah lagi.", label=label
    )
    if detected and detected != ext:
        found = _LABEL.get(detected, detected.upper())
        problem = _l(
            "Isi berkas bukan %(label)s seperti yang ditunjukkan ekstensinya (.%(ext)s) (terdeteksi: %(found)s).",
            label=label,
            ext=ext,
            found=found,
        )
    else:
        problem = _l(
            "Isi berkas bukan %(label)s seperti yang ditunjukkan ekstensinya (.%(ext)s).", label=label, ext=ext
        )
    return UploadRejectedError("mismatch", _sentences(problem, advice))


#: What a damaged file of each kind is, when nothing more precise is known (whole sentences).
_DAMAGED: Final = {
    "pdf": _l("Berkas PDF rusak atau tidak lengkap (misalnya terpotong saat diunduh atau disalin)."),
    "image": _l("Berkas gambar rusak atau tidak lengkap (misalnya terpotong saat diunduh atau disalin)."),
    "office": _l("Dokumen rusak atau tidak lengkap (misalnya terpotong saat diunduh atau disalin)."),
    "video": _l("Berkas video rusak atau tidak lengkap (misalnya terpotong saat diunduh atau disalin)."),
}
#: What to do about a damaged file of each kind.
_SAVE_AGAIN: Final = {
    "pdf": _l("Buka berkas di komputer Anda, simpan ulang sebagai PDF (Simpan Sebagai/Cetak ke PDF) lalu unggah lagi."),
    "image": _l("Buka gambar di komputer Anda, simpan ulang sebagai JPG atau PNG lalu unggah lagi."),
    "office": _l("Buka dokumen di aplikasinya, simpan ulang lalu unggah lagi."),
    "video": _l("Periksa apakah video dapat diputar di komputer Anda, ekspor ulang sebagai MP4 lalu unggah lagi."),
}


def _corrupt(kind: str, problem: LazyString | None = None) -> UploadRejectedError:
    """A damaged file: ``problem`` (a whole sentence) says how when it is known, then what to do."""
    return UploadRejectedError("corrupt", _sentences(problem or _DAMAGED[kind], _SAVE_AGAIN[kind]))


def _office_unsafe(problem: LazyString) -> UploadRejectedError:
    """A document refused as unsafe: ``problem`` is the whole sentence saying why, then what to do."""
    advice = _l(
        "Buka dokumen di Word, Excel atau LibreOffice, simpan ulang sebagai dokumen biasa lalu unggah lagi."
    )
    return UploadRejectedError("office_unsafe", _sentences(problem, advice))


def _encrypted(kind: str) -> UploadRejectedError:
    if kind == "pdf":
        message = _l(
            "Berkas PDF dilindungi kata sandi sehingga tidak dapat dibuka oleh penilai. Simpan ulang sebagai PDF "
            "tanpa kata sandi lalu unggah lagi."
        )
    else:
        message = _l(
            "Dokumen dilindungi kata sandi sehingga tidak dapat dibuka oleh penilai. Simpan ulang tanpa kata sandi "
            "lalu unggah lagi."
        )
    return UploadRejectedError("encrypted", message)


# ----------------------------------------------------------------------------------------------- validate


def validate(path: Path, original_name: str, policy: Policy = Policy()) -> FileInfo:
    """Check a staged file against its claimed name: extension, sniffed content, then a real parse."""
    name_ext = check_name(original_name, policy).rsplit(".", 1)[-1].lower()
    ext = _normalise(name_ext)
    size = path.stat().st_size
    if size == 0:
        raise empty()
    if size > policy.max_bytes:
        raise too_large(policy.max_bytes)
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    _sniff(ext, head)
    kind = _KIND[ext]
    if kind == "pdf":
        return _check_pdf(path, size, head, policy)
    if kind == "image":
        return _check_image(path, ext, head, policy)
    if kind == "office":
        return _check_office(path, ext, policy)
    return _check_mp4(path, size, head)


def _guess(head: bytes) -> str | None:
    kind = filetype.guess(head)
    if kind is None:
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if stripped.startswith((b"<!doctype html", b"<html")):
            return "html"
        if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in stripped):
            return "svg"
        return None
    return str(kind.extension)


def _sniff(ext: str, head: bytes) -> None:
    """The content must start like the format its extension names (filetype plus our own magic checks)."""
    guessed = _guess(head)
    if ext == "pdf":
        ok = head.startswith(b"%PDF-") and guessed == "pdf"
    elif ext == "jpg":
        ok = head.startswith(b"\xff\xd8\xff") and guessed == "jpg"
    elif ext == "png":
        ok = head.startswith(b"\x89PNG\r\n\x1a\n") and guessed in ("png", "apng")
    elif ext == "mp4":
        ok = _mp4_brand_ok(head)
    else:  # ZIP-based office formats; which one it really is shows in its members (see _check_office)
        ok = head.startswith(b"PK\x03\x04") and guessed in (None, "zip", ext)
    if not ok:
        raise _mismatch(ext, guessed)


# ---------------------------------------------------------------------------------------------------- PDF


class _QpdfDecodeLimits:
    """qpdf's decode-memory caps (Flate, RunLength), in force only while PDFs are being validated.

    Opening a PDF and walking its pages makes qpdf decode the structural streams (cross-reference streams and
    object streams) in full; a few kilobytes of Flate data can claim a gigabyte there. qpdf's limits are
    process-wide, so they are set when the first validation starts and restored when the last one ends
    (counted under a lock, so concurrent validations nest). A stream over the cap makes qpdf fail, which is
    reported as a corrupt PDF. Other pikepdf users in the process see the caps only during that window, and
    structural streams of real documents stay far below them.
    """

    CAP: Final = 64 * 1024 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: dict[str, int | bool] = {}

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                current = pikepdf.settings.get_qpdf_limits()
                self._saved = pikepdf.settings.set_qpdf_limits(
                    flate_max_memory=self._capped(current["flate_max_memory"]),
                    run_length_max_memory=self._capped(current["run_length_max_memory"]),
                )
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                pikepdf.settings.set_qpdf_limits(
                    flate_max_memory=int(self._saved["flate_max_memory"]),
                    run_length_max_memory=int(self._saved["run_length_max_memory"]),
                )

    def _capped(self, current: int | bool) -> int:
        return self.CAP if not current else min(int(current), self.CAP)


_QPDF_DECODE_LIMITS = _QpdfDecodeLimits()


def qpdf_decode_limits() -> _QpdfDecodeLimits:
    """The context manager that caps qpdf's decode memory (for other code that lets qpdf read untrusted PDFs)."""
    return _QPDF_DECODE_LIMITS


#: How a problem found by :func:`full_pdf_check` is stored (``blobs.check_problem``): this code, then qpdf's own words
#: (technical data, kept as qpdf wrote them). Shown through :func:`check_problem_text`, in the reader's language.
FULL_CHECK_PROBLEM: Final = "pdf.full_check:"


def full_pdf_check(path: Path) -> str | None:
    """qpdf's own checks, as ``qpdf --check``: every stream decoded (with the decode-memory caps), so slower than
    :func:`validate` (up to about a second for a 25 MB scan): run in the background after an upload, or by an export
    for a PDF not checked yet. ``None`` when clean, else what is wrong as a code to store, ``FULL_CHECK_PROBLEM``
    followed by the first errors (warnings are left out)."""
    try:
        with qpdf_decode_limits(), pikepdf.open(path) as pdf:
            errors = [p for p in pdf.check_pdf_syntax() if not p.startswith("WARNING")]
    except pikepdf.PdfError as exc:
        errors = [str(exc)]
    return FULL_CHECK_PROBLEM + "; ".join(errors[:3]) if errors else None


def check_problem_text(problem: str) -> str:
    """A stored check problem as the reader reads it: a code of :func:`full_pdf_check` in the current language;
    anything else (a sentence stored before the codes, or another reader's problem) as it was stored."""
    if problem.startswith(FULL_CHECK_PROBLEM):
        detail = problem.removeprefix(FULL_CHECK_PROBLEM)
        return gettext("PDF tidak dapat dibaca utuh oleh pemeriksa qpdf: %(detail)s", detail=detail)
    return problem


def _check_pdf(path: Path, size: int, head: bytes, policy: Policy) -> FileInfo:
    lowered = head[:PDF_TAIL_BYTES].lower()
    if any(marker in lowered for marker in _HTML_MARKERS):
        raise _corrupt(
            "pdf", _l("Berkas PDF berisi kode HTML di bagian awal (berkas gabungan/polyglot), bukan PDF murni.")
        )
    with open(path, "rb") as handle:
        handle.seek(max(0, size - PDF_TAIL_BYTES))
        tail = handle.read()
    eof = tail.rfind(b"%%EOF")
    if eof < 0:
        raise _corrupt(
            "pdf",
            _l(
                "Berkas PDF tidak lengkap: penanda akhir %(marker)s tidak ada (kemungkinan terpotong saat diunggah).",
                marker="%%EOF",
            ),
        )
    if tail[eof + 5 :].strip(b" \t\r\n\f\x00"):
        raise _corrupt(
            "pdf",
            _l("Berkas PDF berisi data tambahan setelah akhir dokumen (%(marker)s), bukan PDF murni.", marker="%%EOF"),
        )
    with _QPDF_DECODE_LIMITS:
        return _parse_pdf(path, policy)


def _parse_pdf(path: Path, policy: Policy) -> FileInfo:
    try:
        # attempt_recovery=False: a file qpdf would have to reconstruct (broken xref or trailer) fails here
        # instead of being silently repaired. Content streams are never decoded: a flate bomb there costs nothing.
        pdf = pikepdf.open(path, attempt_recovery=False)
    except pikepdf.PasswordError:
        raise _encrypted("pdf") from None
    except Exception:
        raise _corrupt("pdf") from None
    with pdf:
        try:
            declared = _declared_page_count(pdf)
            if declared > policy.max_pdf_pages:
                raise _too_many_pages(declared, policy)
            pages = len(pdf.pages)
            if pages > policy.max_pdf_pages:
                raise _too_many_pages(pages, policy)
            if pages == 0:
                raise _corrupt("pdf", _l("Berkas PDF tidak berisi halaman."))
            has_javascript = _pdf_has_active_content(pdf)
            if any("reconstruct" in str(w).lower() for w in pdf.get_warnings()):
                raise _corrupt("pdf")
            owner_password = bool(pdf.is_encrypted)
        except UploadRejectedError:
            raise
        except Exception:
            raise _corrupt("pdf") from None
    return FileInfo(
        extension="pdf",
        mime=_MIME["pdf"],
        kind="pdf",
        pages=pages,
        has_javascript=has_javascript,
        owner_password=owner_password,
    )


def _too_many_pages(pages: int, policy: Policy) -> UploadRejectedError:
    return UploadRejectedError(
        "too_many_pages",
        _l(
            "Berkas PDF berisi %(pages)s halaman, melebihi batas %(limit)s halaman. Bagi dokumen menjadi beberapa "
            "berkas lalu unggah lagi.",
            pages=lazy_number(pages),
            limit=lazy_number(policy.max_pdf_pages),
        ),
    )


def _declared_page_count(pdf: pikepdf.Pdf) -> int:
    """/Root/Pages/Count, read without walking the page tree (a cheap early refusal for huge documents)."""
    pages = pdf.Root.get("/Pages")
    if not isinstance(pages, pikepdf.Dictionary):
        raise _corrupt("pdf", _l("Berkas PDF tidak memiliki daftar halaman."))
    count = pages.get("/Count")
    try:
        return int(count) if count is not None else 0
    except (TypeError, ValueError):
        return 0  # an odd /Count decides nothing: the page tree walk counts for real


def _pdf_has_active_content(pdf: pikepdf.Pdf) -> bool:
    """JavaScript, additional actions (/AA), Launch actions, or an /OpenAction that is an action (not a page)."""
    open_action = pdf.Root.get("/OpenAction")
    if isinstance(open_action, pikepdf.Dictionary):
        return True
    return any(_active(obj, 0) for obj in pdf.objects)


def _active(obj: object, depth: int) -> bool:
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        keys = set(obj.keys())
        if keys & _PDF_ACTIVE_KEYS:
            return True
        action = obj.get("/S")
        if isinstance(action, pikepdf.Name) and str(action) in _PDF_ACTIVE_ACTIONS:
            return True
        if depth < 8:
            for key in keys:
                value = obj.get(key)
                if _direct_container(value) and _active(value, depth + 1):
                    return True
        return False
    if isinstance(obj, pikepdf.Array) and depth < 8:
        for item in obj:
            if _direct_container(item) and _active(item, depth + 1):
                return True
    return False


def _direct_container(value: object) -> bool:
    """A dictionary or array written inline (indirect objects are visited on their own by the caller)."""
    return isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect


# ------------------------------------------------------------------------------------------------- images


def _image_too_large(width: int, height: int, policy: Policy) -> UploadRejectedError:
    return UploadRejectedError(
        "image_too_large",
        _l(
            "Resolusi gambar terlalu besar (%(width)s×%(height)s piksel, batas %(limit)s piksel). Perkecil resolusi "
            "gambar lalu unggah lagi.",
            width=lazy_number(width),
            height=lazy_number(height),
            limit=lazy_number(policy.max_image_pixels),
        ),
    )


def _png_size(head: bytes) -> tuple[int, int] | None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _png_ends_with_iend(path: Path) -> bool:
    """A PNG ends with its IEND chunk: nothing cut off, nothing appended (no PNG+HTML/ZIP polyglot)."""
    with open(path, "rb") as handle:
        handle.seek(-len(_PNG_IEND), 2)
        return handle.read() == _PNG_IEND


def _jpeg_size(handle: BinaryIO) -> tuple[int, int] | None:
    """Width and height from the first SOF segment, found by walking the marker segments (no decoding)."""
    handle.seek(2)
    for _ in range(MAX_JPEG_SEGMENTS):
        byte = handle.read(1)
        if byte != b"\xff":
            return None
        marker = handle.read(1)
        while marker == b"\xff":
            marker = handle.read(1)
        if not marker:
            return None
        code = marker[0]
        if code == 0x01 or 0xD0 <= code <= 0xD8:
            continue
        if code in (0xD9, 0xDA):
            return None  # end of image or start of scan before any frame header
        raw = handle.read(2)
        if len(raw) < 2:
            return None
        (length,) = struct.unpack(">H", raw)
        if length < 2:
            return None
        if code in _JPEG_SOF:
            frame = handle.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        handle.seek(length - 2, 1)
    return None


def _check_image(path: Path, ext: str, head: bytes, policy: Policy) -> FileInfo:
    with open(path, "rb") as handle:
        dims = _png_size(head) if ext == "png" else _jpeg_size(handle)
    if dims is None or 0 in dims:
        raise _corrupt("image")
    width, height = dims
    if width * height > policy.max_image_pixels:
        raise _image_too_large(width, height, policy)
    if ext == "png" and not _png_ends_with_iend(path):
        raise _corrupt(
            "image", _l("Berkas gambar tidak lengkap atau berisi data tambahan setelah akhir gambar (IEND).")
        )
    fmt = "PNG" if ext == "png" else "JPEG"
    with contextlib.ExitStack() as stack:
        if _beyond_pillow_warning(width * height):
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[fmt]) as image:
                if image.size != (width, height):
                    raise _corrupt("image")
                image.verify()
            if fmt == "JPEG":
                # verify() checks little for JPEG; decode at 1/8 scale (cheap) so a truncated file is caught.
                with Image.open(path, formats=[fmt]) as image:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
        except Image.DecompressionBombError:
            raise _image_too_large(width, height, policy) from None
        except UploadRejectedError:
            raise
        except Exception:
            raise _corrupt("image") from None
    return FileInfo(extension=ext, mime=_MIME[ext], kind="image", width=width, height=height)


def _beyond_pillow_warning(pixels: int) -> bool:
    """Only a policy above Pillow's own limit needs its warning silenced; Pillow's global is never changed."""
    limit = Image.MAX_IMAGE_PIXELS
    return limit is not None and pixels > limit


# ------------------------------------------------------------------------------------------------- office


def _unsafe_member_name(name: str) -> bool:
    if "\x00" in name or name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[/\\]", name))


def _office_type(names: set[str], archive: zipfile.ZipFile) -> str:
    """What the archive really is, judged by its members: docx, xlsx, pptx, odt, ods, odp or zip."""
    if "mimetype" in names:
        declared = _read_capped(archive, "mimetype", 256).decode("ascii", "replace").strip()
        for ext, mime in _ODF_MIMETYPE.items():
            if declared == mime:
                return ext
        return "zip"
    for ext, main in _OOXML_MAIN.items():
        if main in names and "[Content_Types].xml" in names:
            return ext
    return "zip"


def _read_capped(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    with archive.open(name) as member:
        return member.read(cap)


def _iter_member(archive: zipfile.ZipFile, name: str, cap: int) -> Iterator[bytes]:
    total = 0
    with archive.open(name) as member:
        while chunk := member.read(64 * 1024):
            total += len(chunk)
            if total > cap:
                raise _office_unsafe(_l("Dokumen ditolak karena bagian %(part)s terlalu besar.", part=name))
            yield chunk


def _parse_xml(archive: zipfile.ZipFile, name: str) -> None:
    """Well-formed XML without DTD, entities or external references; streamed, so memory stays flat."""
    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        for chunk in _iter_member(archive, name, MAX_XML_PART_BYTES):
            parser.feed(chunk)
        parser.close()
    except DefusedXmlException:
        raise _office_unsafe(
            _l(
                "Dokumen ditolak karena bagian %(part)s memuat deklarasi DTD atau entitas XML yang tidak diizinkan.",
                part=name,
            )
        ) from None
    except UploadRejectedError:
        raise
    except Exception:  # SAXParseException, BadZipFile (CRC), zlib.error, unsupported compression, …
        raise _corrupt("office", _l("Dokumen rusak: bagian %(part)s tidak dapat dibaca.", part=name)) from None


def _check_office(path: Path, ext: str, policy: Policy) -> FileInfo:
    try:
        archive = zipfile.ZipFile(path)
    except Exception:  # BadZipFile, but a mangled central directory can raise almost anything
        raise _corrupt("office") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > policy.max_zip_members:
            raise _office_unsafe(
                _l(
                    "Dokumen ditolak karena berisi terlalu banyak bagian (%(members)s, batas %(limit)s).",
                    members=lazy_number(len(infos)),
                    limit=lazy_number(policy.max_zip_members),
                )
            )
        names = [info.filename for info in infos]
        if len(set(names)) != len(names) or any(_unsafe_member_name(name) for name in names):
            raise _office_unsafe(
                _l("Dokumen ditolak karena berisi nama bagian yang tidak aman (mis. '..' atau jalur absolut).")
            )
        if any(info.flag_bits & 0x1 for info in infos):
            raise _encrypted("office")
        total = sum(info.file_size for info in infos)
        if total > policy.max_zip_uncompressed:
            raise _office_unsafe(
                _l(
                    "Dokumen ditolak karena isinya setelah diekstrak terlalu besar (%(size)s, batas %(limit)s; "
                    "kemungkinan zip bomb).",
                    size=lazy_size(total),
                    limit=lazy_size(policy.max_zip_uncompressed),
                )
            )
        for info in infos:
            if info.file_size >= ZIP_RATIO_MIN_SIZE and info.file_size > policy.max_zip_ratio * max(
                info.compress_size, 1
            ):
                raise _office_unsafe(
                    _l(
                        "Dokumen ditolak karena berisi bagian yang dimampatkan secara tidak wajar (kemungkinan zip "
                        "bomb)."
                    )
                )
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise _office_unsafe(_l("Dokumen ditolak karena mengandung makro (VBA)."))
        present = set(names)
        try:
            actual = _office_type(present, archive)
        except Exception:
            raise _corrupt("office") from None
        if actual != ext:
            raise _mismatch(ext, actual)
        if ext in _OOXML_MAIN:
            _parse_xml(archive, "[Content_Types].xml")
            _parse_xml(archive, _OOXML_MAIN[ext])
        else:
            if "content.xml" not in present:
                raise _corrupt("office", _l("Dokumen tidak lengkap: bagian %(part)s tidak ada.", part="content.xml"))
            if "META-INF/manifest.xml" in present:
                try:
                    manifest = _read_capped(archive, "META-INF/manifest.xml", 1024 * 1024)
                except Exception:
                    raise _corrupt("office") from None
                if b"encryption-data" in manifest:
                    raise _encrypted("office")
            _parse_xml(archive, "content.xml")
    return FileInfo(extension=ext, mime=_MIME[ext], kind="office")


# -------------------------------------------------------------------------------------------------- video


def _mp4_brand_ok(head: bytes) -> bool:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    (box_size,) = struct.unpack(">I", head[:4])
    if box_size < 16 or box_size > len(head):
        return False
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, box_size - 3, 4)]
    return any(brand in _MP4_BRANDS for brand in brands)


def _check_mp4(path: Path, size: int, head: bytes) -> FileInfo:
    """Top-level ISO-BMFF boxes must tile the file exactly (a truncated upload leaves the last box short)."""
    position = 0
    with open(path, "rb") as handle:
        for _ in range(MAX_MP4_BOXES):
            if position == size:
                break
            handle.seek(position)
            header = handle.read(16)
            if len(header) < 8:
                raise _corrupt("video")
            (box_size,) = struct.unpack(">I", header[:4])
            header_size = 8
            if box_size == 1:
                if len(header) < 16:
                    raise _corrupt("video")
                (box_size,) = struct.unpack(">Q", header[8:16])
                header_size = 16
            elif box_size == 0:
                box_size = size - position
            if box_size < header_size or position + box_size > size:
                raise _corrupt("video")
            position += box_size
        else:
            raise _corrupt("video", _l("Berkas video memiliki struktur yang tidak wajar."))
    return FileInfo(extension="mp4", mime=_MIME["mp4"], kind="video")
