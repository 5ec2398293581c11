"""One stored evidence file → PDF pages for the submission bundle, or one placeholder page that says why not.

:func:`prepare` first checks the file's SHA-256 against the database while reading it, then:

* PDF: opened with pikepdf (content streams are never decoded) and used as it is, without a copy;
* JPEG/PNG: img2pdf, lossless (JPEG data is embedded byte for byte), each image fitted into an A4 page;
* Office documents: LibreOffice (``soffice --convert-to pdf``) in its own process group, killed on timeout;
* anything else (video): a placeholder page that carries the original as an embedded file attachment.

Every problem with the content (missing or altered file, password, damage, a failed conversion) becomes a
placeholder page with the exact reason; only programming errors and I/O errors in ``workdir`` propagate.
The placeholder page is drawn directly with pikepdf: standard Helvetica fonts (WinAnsiEncoding, not embedded)
and, when the original is attached, a FileAttachment annotation on the page itself, so the attachment travels
with the page when it is copied into another PDF.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import img2pdf
import pikepdf
from PIL import Image

from uploads.errors import format_size

CHUNK: Final = 1024 * 1024
A4: Final = (595.28, 841.89)
SHORT_HASH: Final = 12
DETAIL_MAX: Final = 200

IMAGE_EXTENSIONS: Final = frozenset({"jpg", "jpeg", "png"})
OFFICE_EXTENSIONS: Final = frozenset({"docx", "xlsx", "pptx", "odt", "ods"})
MIME: Final = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "mp4": "video/mp4",
}
DEFAULT_MIME: Final = "application/octet-stream"


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` made of one evidence file."""

    outcome: str  # "pdf", "image", "office", "placeholder" or "failed"
    pdf_path: Path  # the source itself for "pdf", otherwise a new file in workdir
    pages: int  # page count of pdf_path (>= 1)
    reason: str | None  # Indonesian, for "placeholder" and "failed"
    attached: bool  # the original is embedded in the placeholder page as a file attachment
    #: The stored bytes matched their recorded SHA-256 (False: missing, unreadable or altered; never passed on).
    verified: bool = True


class _UnusableError(Exception):
    """The content cannot become PDF pages; ``reason`` says why (Indonesian)."""

    def __init__(self, reason: str, *, outcome: str = "failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome


@dataclass(frozen=True)
class _Source:
    sha256: str
    size: int
    data: bytes  # the verified bytes when ``kept``, else empty
    kept: bool


# Exceptions Pillow and img2pdf raise for bad image data. Decoding happens in memory, so an OSError here is
# about the content, never about the workdir.
_IMAGE_ERRORS: Final = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    LookupError,
    ArithmeticError,
    AssertionError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
    img2pdf.ImageOpenError,
    img2pdf.AlphaChannelError,
    img2pdf.UnsupportedColorspaceError,
    img2pdf.JpegColorspaceError,
    img2pdf.PdfTooLargeError,
    img2pdf.ExifOrientationError,
    img2pdf.NegativeDimensionError,
)
_JPEG_FORMATS: Final = frozenset({"JPEG", "MPO"})
#: A4 with a 1 cm border, so the bundle's margin stamp never covers the image.
_A4_LAYOUT: Final = img2pdf.get_layout_fun(
    (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)),
    border=(img2pdf.mm_to_pt(10), img2pdf.mm_to_pt(10)),
    fit=img2pdf.FitMode.into,
    auto_orient=True,
)


# --------------------------------------------------------------------------------------------------- prepare


def prepare(
    src: Path,
    *,
    extension: str,
    expected_sha256: str,
    original_name: str,
    title: str,
    workdir: Path,
    soffice: str | None = None,
    soffice_timeout: float = 120.0,
    attach_max_bytes: int = 50 * 1024 * 1024,
    validated: bool = False,
) -> Prepared:
    """Turn the stored file ``src`` into a PDF to append to the bundle, or into a placeholder page saying why not.

    ``validated``: these bytes passed :func:`uploads.validation.validate` when they were stored (the library's
    files all did), so the image damage check it made is not repeated; the SHA-256 check says they are the same.
    """
    ext = extension.lower().lstrip(".")
    expected = expected_sha256.strip().lower()
    if ext in IMAGE_EXTENSIONS:
        keep: int | None = None
    elif ext == "pdf":
        keep = 0  # a PDF is used as it is; read again only if it has to be attached to a placeholder
    else:
        keep = attach_max_bytes
    context = _Context(src, ext, expected, original_name, title, workdir, attach_max_bytes)
    try:
        source = _read_verified(src, keep)
    except FileNotFoundError:
        return context.placeholder("failed", "berkas tersimpan tidak ditemukan", None)
    except OSError as exc:
        return context.placeholder("failed", f"berkas tersimpan tidak dapat dibaca: {exc.strerror or exc}", None)
    if source.sha256 != expected:
        reason = (
            "SHA-256 berkas tersimpan tidak cocok dengan catatan: "
            f"tercatat {_short(expected)}, terbaca {_short(source.sha256)}"
        )
        return context.placeholder("failed", reason, None)
    try:
        if ext == "pdf":
            return Prepared(outcome="pdf", pdf_path=src, pages=_pdf_pages(src), reason=None, attached=False)
        if ext in IMAGE_EXTENSIONS:
            return context.image(source.data, checked=validated)
        if ext in OFFICE_EXTENSIONS:
            if not soffice:
                raise _UnusableError("LibreOffice (soffice) tidak terpasang di server", outcome="placeholder")
            return context.office(source, soffice, soffice_timeout)
        kind = "Video" if ext == "mp4" else f"Berkas .{ext}" if ext else "Berkas tanpa ekstensi"
        raise _UnusableError(f"{kind} tidak dapat dicetak ke PDF", outcome="placeholder")
    except _UnusableError as unusable:
        return context.placeholder(unusable.outcome, unusable.reason, source)


@dataclass(frozen=True)
class _Context:
    src: Path
    ext: str
    expected: str
    original_name: str
    title: str
    workdir: Path
    attach_max_bytes: int

    def job_dir(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="bukti-", dir=self.workdir))

    def image(self, data: bytes, *, checked: bool) -> Prepared:
        try:
            pdf_bytes = _image_to_pdf(data, checked=checked)
            pages = _pdf_bytes_pages(pdf_bytes)
        except Image.UnidentifiedImageError:
            raise _UnusableError("berkas gambar rusak atau bukan gambar JPEG/PNG: formatnya tidak dikenali") from None
        except _IMAGE_ERRORS as exc:
            raise _UnusableError(
                f"berkas gambar rusak atau tidak dapat dibaca: {_detail(str(exc), self.src)}"
            ) from None
        dest = self.job_dir() / "gambar.pdf"
        dest.write_bytes(pdf_bytes)
        return Prepared(outcome="image", pdf_path=dest, pages=pages, reason=None, attached=False)

    def office(self, source: _Source, soffice: str, timeout: float) -> Prepared:
        job = self.job_dir()
        inbox, outbox, profile = job / "masuk", job / "keluar", job / "profil"
        for directory in (inbox, outbox, profile):
            directory.mkdir()
        document = inbox / f"dokumen.{self.ext}"
        if source.kept:
            document.write_bytes(source.data)
        else:
            shutil.copyfile(self.src, document)
        try:
            _run_soffice(soffice, document, outbox, profile, job / "soffice.log", timeout)
        finally:
            shutil.rmtree(profile, ignore_errors=True)
            document.unlink()
        result = outbox / "dokumen.pdf"
        if not result.is_file():
            raise _UnusableError("konversi LibreOffice tidak menghasilkan PDF")
        try:
            pages = _pdf_pages(result)
        except _UnusableError as bad:
            raise _UnusableError(f"hasil konversi LibreOffice tidak dapat dipakai: {bad.reason}") from None
        return Prepared(outcome="office", pdf_path=result, pages=pages, reason=None, attached=False)

    def placeholder(self, outcome: str, reason: str, source: _Source | None) -> Prepared:
        """A one-page placeholder; the original is attached when its content was verified and is small enough."""
        attachment: bytes | None = None
        if source is not None:
            if source.size > self.attach_max_bytes:
                reason += (
                    f"; berkas asli ({format_size(source.size)}) melebihi batas lampiran "
                    f"{format_size(self.attach_max_bytes)}, tersedia di ZIP"
                )
            else:
                attachment = self.attachment(source)
                reason += (
                    "; berkas asli dilampirkan di halaman ini dan tersedia di ZIP"
                    if attachment is not None
                    else "; berkas asli berubah saat dibaca ulang sehingga tidak dilampirkan"
                )
        status = "Bukti ini gagal disertakan dalam bundel." if outcome == "failed" else "Bukti ini tidak dapat dicetak."
        lines = [
            status,
            "",
            f"Nama berkas: {self.original_name}",
            f"Jenis: .{self.ext}" + (f", ukuran {format_size(source.size)}" if source is not None else ""),
            f"SHA-256 tercatat: {self.expected}",
            "",
            f"Alasan: {reason}",
        ]
        dest = self.job_dir() / "pengganti.pdf"
        pages = _write_placeholder(
            dest,
            heading=self.title,
            lines=lines,
            attachment=attachment,
            attachment_name=self.original_name,
            attachment_mime=MIME.get(self.ext, DEFAULT_MIME),
        )
        return Prepared(
            outcome=outcome,
            pdf_path=dest,
            pages=pages,
            reason=reason,
            attached=attachment is not None,
            verified=source is not None,
        )

    def attachment(self, source: _Source) -> bytes | None:
        """The verified bytes; a file that was not kept in memory is read again and checked again."""
        if source.kept:
            return source.data
        try:
            again = _read_verified(self.src, None)
        except OSError:
            return None
        return again.data if again.sha256 == self.expected else None


def _read_verified(src: Path, keep: int | None) -> _Source:
    """SHA-256 and size of ``src``, read once in 1 MiB chunks; the bytes are kept if size ≤ ``keep`` (None: always)."""
    digest = hashlib.sha256()
    chunks: list[bytes] | None = [] if keep is None or keep > 0 else None
    size = 0
    with open(src, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if chunks is not None:
                if keep is not None and size > keep:
                    chunks = None
                else:
                    chunks.append(chunk)
    kept = chunks is not None
    return _Source(sha256=digest.hexdigest(), size=size, data=b"".join(chunks or ()), kept=kept)


def _short(digest: str) -> str:
    return f"{digest[:SHORT_HASH]}…" if digest else "(kosong)"


def _detail(message: str, src: Path) -> str:
    """A library's message without the server path (qpdf prefixes it), cut to a readable length."""
    text = " ".join(message.replace(str(src), "").split()).lstrip(":; ") or "tanpa keterangan"
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


# ------------------------------------------------------------------------------------------------------- PDF


def _pdf_pages(path: Path) -> int:
    """Page count of a usable PDF; :class:`_UnusableError` for a user password, damage, or no pages."""
    try:
        # attempt_recovery=False, as at upload: a file qpdf would have to reconstruct is damaged, not repaired.
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            pages = len(pdf.pages)
            damaged = [str(w) for w in pdf.get_warnings() if "reconstruct" in str(w).lower()]
    except pikepdf.PasswordError:
        raise _UnusableError("PDF dilindungi kata sandi pembuka (user password)") from None
    except (pikepdf.PdfError, OSError, ValueError, RuntimeError) as exc:
        raise _UnusableError(f"berkas PDF rusak: {_detail(str(exc), path)}") from None
    if damaged:
        raise _UnusableError(f"berkas PDF rusak: {_detail(damaged[0], path)}")
    if pages < 1:
        raise _UnusableError("berkas PDF rusak: tidak berisi halaman")
    return pages


def _pdf_bytes_pages(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
    if pages < 1:
        raise ValueError("hasil konversi tidak berisi halaman")
    return pages


# ---------------------------------------------------------------------------------------------------- images


def _image_to_pdf(data: bytes, *, checked: bool = False) -> bytes:
    """img2pdf on the original bytes; images with transparency are flattened onto white first (lossless PNG).

    JPEG data is always embedded as it is. A PNG that img2pdf refuses (or cannot embed directly) goes through
    Pillow to an 8-bit-or-more lossless PNG first. The image is fully checked before conversion, because img2pdf
    copies JPEG data and PNG chunks without decoding them — unless upload validation already ``checked`` them.
    """
    with Image.open(io.BytesIO(data)) as image:
        fmt = image.format or ""
        transparent = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info
    if not checked:
        _check_image(data, fmt)
    if fmt in _JPEG_FORMATS:
        return _img2pdf(data)
    if transparent:
        return _img2pdf(_flatten_png(data))
    # img2pdf looks for a PNG's orientation by decoding the whole image: only done when one may be there.
    rotation = img2pdf.Rotation.ifvalid if fmt != "PNG" or png_may_have_orientation(data) else img2pdf.Rotation.none
    try:
        return _img2pdf(data, rotation)
    except _IMAGE_ERRORS:
        return _img2pdf(_lossless_png(data))


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Text chunks whose keyword ImageMagick uses for EXIF data (Pillow reads the orientation from it too).
_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt"})
_PNG_EXIF_KEYWORD = b"Raw profile type exif\0"


def png_may_have_orientation(data: bytes) -> bool:
    """Whether a PNG carries EXIF data (an ``eXIf`` chunk, or EXIF in a text chunk), from its chunk headers alone.
    ``True`` when in doubt (not a PNG, or its chunks run past the end)."""
    if not data.startswith(_PNG_SIGNATURE):
        return True
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        if kind == b"eXIf":
            return True
        if kind in _PNG_TEXT_CHUNKS and data.startswith(_PNG_EXIF_KEYWORD, position + 8):
            return True
        if kind == b"IEND":
            return False
        position += 12 + length
    return True


def _img2pdf(data: bytes, rotation: img2pdf.Rotation = img2pdf.Rotation.ifvalid) -> bytes:
    result = img2pdf.convert(data, layout_fun=_A4_LAYOUT, rotation=rotation, nodate=True)
    if not isinstance(result, bytes):
        raise ValueError("img2pdf tidak menghasilkan PDF")
    return result


def _check_image(data: bytes, fmt: str) -> None:
    """Decode enough to notice damage: PNG chunk CRCs, a JPEG at 1/8 scale, anything else in full."""
    with Image.open(io.BytesIO(data)) as image:
        if fmt == "PNG":
            image.verify()
            return
        if fmt in _JPEG_FORMATS:
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()


def _flatten_png(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return _png_bytes(flat)


def _lossless_png(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return _png_bytes(image)


def _png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- Office


def _run_soffice(soffice: str, document: Path, outdir: Path, profile: Path, log: Path, timeout: float) -> None:
    """``soffice --convert-to pdf`` in a new session; the whole process group is killed when it ends or times out."""
    cmd = [
        soffice, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--convert-to", "pdf", "--outdir", str(outdir), str(document),
    ]  # fmt: skip
    with open(log, "wb") as output:
        try:
            process = subprocess.Popen(  # noqa: S603 - configured converter, our own file names as arguments
                cmd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, cwd=outdir,
                start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise _UnusableError(f"LibreOffice tidak dapat dijalankan: {exc.strerror or exc}") from None
        code: int | None = None
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if code is None:
        raise _UnusableError(f"konversi LibreOffice melebihi batas waktu {timeout:g} detik dan dihentikan")
    if code != 0:
        raise _UnusableError(f"konversi LibreOffice gagal (kode keluar {code}){_last_line(log)}")


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[-1] if len(lines[-1]) <= DETAIL_MAX else lines[-1][: DETAIL_MAX - 1] + "…"
    return f": {text}"


def find_soffice(configured: str | None) -> str | None:
    """configured path/command if given and executable (empty string means: disabled, return None), else
    shutil.which('soffice') or which('libreoffice')."""
    if configured == "":
        return None
    if configured is not None:
        found = shutil.which(configured)
        if found:
            return found
    return shutil.which("soffice") or shutil.which("libreoffice")


# ----------------------------------------------------------------------------------------- placeholder page

_MARGIN: Final = 56.0
_PADDING: Final = 20.0
_HEADING_SIZE: Final = 15.0
_HEADING_LEADING: Final = 19.0
_TEXT_SIZE: Final = 10.5
_TEXT_LEADING: Final = 14.5
_ICON: Final = (16.0, 20.0)

# Standard Helvetica / Helvetica-Bold widths (1/1000 em) for ASCII 32–126; other WinAnsi bytes use _OTHER_WIDTHS.
_HELVETICA: Final = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 "
    "278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 "
    "667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 "
    "556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_HELVETICA_BOLD: Final = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 333 "
    "333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 611 722 "
    "667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 "
    "611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_OTHER_WIDTHS: Final = {0x85: 1000, 0x95: 350, 0x96: 556, 0x97: 1000}


def _width_table(spec: str, default: int) -> tuple[int, ...]:
    ascii_widths = [int(w) for w in spec.split()]
    return tuple(
        ascii_widths[code - 32] if 32 <= code <= 126 else _OTHER_WIDTHS.get(code, default) for code in range(256)
    )


_WIDTHS: Final = {"F1": _width_table(_HELVETICA, 556), "F2": _width_table(_HELVETICA_BOLD, 611)}
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _winansi(text: str) -> bytes:
    """Text as WinAnsi bytes: NFC first (so é stays é), control characters → space, anything else → "?"."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    return text.encode("cp1252", errors="replace")


def _width(data: bytes, font: str, size: float) -> float:
    table = _WIDTHS[font]
    return sum(table[b] for b in data) * size / 1000


def _wrap(text: str, font: str, size: float, max_width: float) -> list[bytes]:
    """Greedy word wrap in WinAnsi bytes; a word longer than the line (a hash, a long name) is broken anywhere."""
    lines: list[bytes] = []
    current = b""
    for word in _winansi(text).split(b" "):
        candidate = current + b" " + word if current else word
        if _width(candidate, font, size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = b""
        for byte in word:
            piece = current + bytes([byte])
            if current and _width(piece, font, size) > max_width:
                lines.append(current)
                piece = bytes([byte])
            current = piece
    lines.append(current)
    return lines


def _pdf_string(data: bytes) -> bytes:
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _fit(lines: list[bytes], room: int) -> list[bytes]:
    """At most ``room`` lines; the last one kept ends with an ellipsis when some were cut."""
    if len(lines) <= room:
        return lines
    kept = lines[: max(room, 1)]
    kept[-1] = kept[-1][:-3] + b"\x85" if len(kept[-1]) > 3 else b"\x85"
    return kept


def placeholder_pdf(
    dest: Path,
    *,
    heading: str,
    lines: Sequence[str],
    attachment: Path | None = None,
    attachment_name: str | None = None,
    attachment_mime: str | None = None,
) -> int:
    """Write a one-page A4 placeholder PDF; returns its page count (1)."""
    data = attachment.read_bytes() if attachment is not None else None
    name = attachment_name or (attachment.name if attachment is not None else None)
    return _write_placeholder(
        dest, heading=heading, lines=lines, attachment=data, attachment_name=name, attachment_mime=attachment_mime
    )


def _write_placeholder(
    dest: Path,
    *,
    heading: str,
    lines: Sequence[str],
    attachment: bytes | None,
    attachment_name: str | None,
    attachment_mime: str | None,
) -> int:
    page_width, page_height = A4
    left, top = _MARGIN + _PADDING, page_height - _MARGIN - _PADDING
    text_width = page_width - 2 * (_MARGIN + _PADDING)
    name = attachment_name or "lampiran"
    body = list(lines)
    if attachment is not None:
        body += [
            "",
            f"Lampiran: {name} ({format_size(len(attachment))}). Buka lewat ikon penjepit kertas di sebelah kanan "
            "atau panel lampiran penampil PDF.",
        ]

    heading_lines = _fit(_wrap(heading, "F2", _HEADING_SIZE, text_width), 4)
    room = int((top - _MARGIN - _PADDING - len(heading_lines) * _HEADING_LEADING - _TEXT_LEADING) // _TEXT_LEADING)
    wrapped: list[bytes] = []
    for line in body:
        wrapped += _wrap(line, "F1", _TEXT_SIZE, text_width - (_ICON[0] + 8 if attachment is not None else 0))
    wrapped = _fit(wrapped, room)

    first_baseline = top - _HEADING_SIZE
    text_top = first_baseline - (len(heading_lines) - 1) * _HEADING_LEADING - _HEADING_LEADING - _TEXT_LEADING / 2
    last_baseline = text_top - (len(wrapped) - 1) * _TEXT_LEADING
    box_bottom = last_baseline - _PADDING
    box = (_MARGIN, box_bottom, page_width - 2 * _MARGIN, page_height - _MARGIN - box_bottom)

    parts = [
        b"q 0.8 w 0.25 G %.2f %.2f %.2f %.2f re S Q" % box,
        b"BT 0 g /F2 %.1f Tf %.1f TL %.2f %.2f Td" % (_HEADING_SIZE, _HEADING_LEADING, left, first_baseline),
    ]
    parts += [_pdf_string(line) + b" Tj T*" for line in heading_lines]
    parts.append(b"ET BT 0 g /F1 %.1f Tf %.1f TL %.2f %.2f Td" % (_TEXT_SIZE, _TEXT_LEADING, left, text_top))
    parts += [_pdf_string(line) + b" Tj T*" for line in wrapped]
    parts.append(b"ET")

    pdf = pikepdf.new()
    fonts = pikepdf.Dictionary(
        F1=pdf.make_indirect(_font("/Helvetica")),
        F2=pdf.make_indirect(_font("/Helvetica-Bold")),
    )
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=pikepdf.Array([0, 0, page_width, page_height]),
        Resources=pikepdf.Dictionary(Font=fonts),
        Contents=pdf.make_stream(b"\n".join(parts) + b"\n"),
    )
    if attachment is not None:
        icon_x = page_width - _MARGIN - _PADDING - _ICON[0]
        icon_y = last_baseline - 4
        rect = pikepdf.Array([icon_x, icon_y, icon_x + _ICON[0], icon_y + _ICON[1]])
        page.Annots = pdf.make_indirect(
            pikepdf.Array([_attachment_annotation(pdf, attachment, name, attachment_mime or DEFAULT_MIME, rect)])
        )
    pdf.pages.append(pikepdf.Page(pdf.make_indirect(page)))
    # Streams are left as they are: the attachment is usually compressed already (ZIP, MP4, PDF).
    pdf.save(dest, compress_streams=False, min_version="1.7", deterministic_id=True)
    return len(pdf.pages)


def _font(base: str) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type1,
        BaseFont=pikepdf.Name(base),
        Encoding=pikepdf.Name.WinAnsiEncoding,
    )


def _attachment_annotation(pdf: pikepdf.Pdf, data: bytes, name: str, mime: str, rect: pikepdf.Array) -> pikepdf.Object:
    """A FileAttachment annotation whose file specification embeds ``data`` (travels with the page)."""
    embedded = pdf.make_stream(data)
    embedded.Type = pikepdf.Name.EmbeddedFile
    embedded.Subtype = pikepdf.Name("/" + mime)
    embedded.Params = pikepdf.Dictionary(Size=len(data))
    ascii_name = _winansi(name).decode("cp1252").encode("ascii", errors="replace").decode("ascii")
    filespec = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec,
            F=pikepdf.String(ascii_name.replace("/", "_").replace("\\", "_")),
            UF=pikepdf.String(name),
            Desc=pikepdf.String(f"Berkas asli: {name}"),
            EF=pikepdf.Dictionary(F=embedded),
        )
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.FileAttachment,
            Rect=rect,
            FS=filespec,
            Contents=pikepdf.String(f"Berkas asli: {name}"),
            Name=pikepdf.Name.Paperclip,
            F=4,
        )
    )
