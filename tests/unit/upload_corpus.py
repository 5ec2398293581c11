"""Test files for the upload checks, built at run time (no binary fixtures in git).

Every builder returns bytes; :func:`build_corpus` writes them all into a directory once per test session.
The bombs are real but cheap to make: a run of zeros deflates to one repeating block once the compressor is
flushed, so ~1 GB (PDF) or ~2 GB (ZIP member) of zeros is a repeated 1 KiB piece, not a gigabyte of work.
:data:`CASES` is the R1 suite: each case names a file, the name it is uploaded under, and the expected outcome.
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image

from uploads.validation import FileInfo, Policy

MiB = 1024 * 1024
ACCEPTED = "accepted"

# ------------------------------------------------------------------------------------------------ helpers


def noise(n: int, seed: bytes = b"mandiri") -> bytes:
    """Deterministic incompressible bytes."""
    return hashlib.shake_256(seed).digest(n)


@functools.cache
def _zero_piece() -> tuple[bytes, bytes]:
    """The raw-deflate encoding of 1 MiB of zeros after a full flush (it repeats exactly) and the final block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return piece, compressor.flush(zlib.Z_FINISH)


def deflated_zeros(mebibytes: int) -> bytes:
    """Raw deflate data that inflates to ``mebibytes`` MiB of zeros (about 1 KiB per MiB)."""
    piece, final = _zero_piece()
    return piece * mebibytes + final


def zlib_zeros(mebibytes: int, prefix: bytes = b"") -> bytes:
    """A zlib stream (PDF /FlateDecode) of ``prefix`` followed by ``mebibytes`` MiB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH) if prefix else b""
    adler = zlib.adler32(prefix)
    low, high = adler & 0xFFFF, adler >> 16
    high = (high + mebibytes * MiB * low) % 65521  # Adler-32 over the zeros: the low sum stays, the high one grows
    return b"\x78\xda" + head + deflated_zeros(mebibytes) + ((high << 16) | low).to_bytes(4, "big")


@functools.cache
def crc32_zeros(mebibytes: int) -> int:
    block = bytes(MiB)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    return crc


# ---------------------------------------------------------------------------------------------------- PDF


def pdf_bytes(pages: int = 1, **save: object) -> bytes:
    """A real PDF made with pikepdf: ``pages`` pages with a line of text each."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        text = f"BT /F1 14 Tf 72 760 Td (Data dukung SPBE - halaman {number}) Tj ET".encode()
        page.Contents = pdf.make_stream(text)
    return _save(pdf, **save)


def _save(pdf: pikepdf.Pdf, **save: object) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **save)  # type: ignore[arg-type]
    pdf.close()
    return out.getvalue()


def pdf_owner_password() -> bytes:
    return _reopen_and_save(pdf_bytes(2), encryption=pikepdf.Encryption(owner="pemilik-rahasia", user=""))


def pdf_user_password() -> bytes:
    return _reopen_and_save(pdf_bytes(1), encryption=pikepdf.Encryption(owner="pemilik-rahasia", user="buka"))


def _reopen_and_save(data: bytes, **save: object) -> bytes:
    return _save(pikepdf.open(io.BytesIO(data)), **save)


def pdf_open_action_javascript() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(1)))
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('halo');"))
    return _save(pdf)


def pdf_link_javascript() -> bytes:
    """JavaScript in a direct action dictionary inside a link annotation (found by the recursive scan)."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(1)))
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("this.print();"))
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[72, 700, 200, 720], Border=[0, 0, 0], A=action
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
    return _save(pdf)


def pdf_open_action_goto() -> bytes:
    """/OpenAction as a plain destination (open at page 1): not active content."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(2)))
    pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
    return _save(pdf)


def raw_pdf(objects: list[bytes], *, root: int = 1, trailer: bytes = b"") -> tuple[bytes, int]:
    """A hand-written PDF with a classic xref table; returns the bytes and the xref offset."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, trailer, xref)
    return bytes(out), xref


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf_many_pages(pages: int, declared: int | None = None) -> bytes:
    """``pages`` tiny page objects sharing one content stream and inherited resources (≈ 40 bytes a page)."""
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
    count = pages if declared is None else declared
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Kids [%s] >>"
        % (count, kids),
        _stream(b"BT /F1 14 Tf 72 760 Td (Halaman) Tj ET"),
        _FONT,
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>"] * pages
    return raw_pdf(objects)[0]


def pdf_flate_bomb(mebibytes: int = 1024) -> bytes:
    """One page whose content stream inflates to ``mebibytes`` MiB of zeros (~1 MB on disk for 1 GiB)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        _stream(zlib_zeros(mebibytes), b"/Filter /FlateDecode "),
    ]
    return raw_pdf(objects)[0]


def pdf_object_stream_bomb(mebibytes: int = 1024) -> bytes:
    """Catalog, page tree and page inside an object stream padded to ``mebibytes`` MiB of zeros when inflated.

    qpdf decodes object streams in full when it opens the file, so this one attacks the validator itself.
    """
    inner = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    offsets, body = [], b""
    for obj in inner:
        offsets.append(len(body))
        body += obj + b"\n"
    index = b" ".join(b"%d %d" % (number, offset) for number, offset in enumerate(offsets, start=1)) + b"\n"
    data = zlib_zeros(mebibytes, prefix=index + body)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    objstm = len(out)
    out += b"4 0 obj\n" + _stream(data, b"/Type /ObjStm /N 3 /First %d /Filter /FlateDecode " % len(index))
    out += b"\nendobj\n"
    xref = len(out)
    rows = [(0, 0, 65535), (2, 4, 0), (2, 4, 1), (2, 4, 2), (1, objstm, 0), (1, xref, 0)]
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    out += b"5 0 obj\n" + _stream(table, b"/Type /XRef /W [1 4 2] /Size 6 /Root 1 0 R ") + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pdf_xref_stream_bomb(mebibytes: int = 1024) -> bytes:
    """A cross-reference stream whose table is followed by ``mebibytes`` MiB of zeros when inflated."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
        start=1,
    ):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    rows = [(0, 0, 65535)] + [(1, offset, 0) for offset in offsets] + [(1, xref, 0)]
    table = b"".join(struct.pack(">BIH", *row) for row in rows)
    data = zlib_zeros(mebibytes, prefix=table)
    out += b"4 0 obj\n" + _stream(data, b"/Type /XRef /W [1 4 2] /Size 5 /Root 1 0 R /Filter /FlateDecode ")
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _simple_objects() -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(b"BT /F1 14 Tf 72 760 Td (Surat Keputusan) Tj ET"),
        _FONT,
    ]


def pdf_raw_simple() -> bytes:
    return raw_pdf(_simple_objects())[0]


def pdf_incremental_update() -> bytes:
    """A valid file with an incremental update (two %%EOF markers, a /Prev chain), like a signed PDF."""
    base, base_xref = raw_pdf(_simple_objects())
    out = bytearray(base)
    offset = len(out)
    out += b"6 0 obj\n<< /Title (Perwali Arsitektur SPBE) /Producer (Mandiri uji) >>\nendobj\n"
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n6 1\n%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size 7 /Root 1 0 R /Info 6 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (base_xref, xref)
    return bytes(out)


def pdf_broken_startxref() -> bytes:
    """startxref points into the middle of an object: qpdf would reconstruct, we refuse."""
    data, xref = raw_pdf(_simple_objects())
    return data.replace(b"startxref\n%d\n" % xref, b"startxref\n%d\n" % (xref - 37))


def pdf_zero_pages() -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count 0 /Kids [] >>"])[0]


def pdf_truncated() -> bytes:
    data = pdf_bytes(6)
    return data[: len(data) // 2]


def pdf_truncated_with_eof() -> bytes:
    """Cut in half, then a %%EOF glued on so the tail check passes: the missing xref must still be noticed."""
    return pdf_truncated() + b"\n%%EOF\n"


def pdf_html_appended() -> bytes:
    return pdf_bytes(6) + b"<html><body><script>alert(document.cookie)</script></body></html>\n"


def pdf_html_head() -> bytes:
    return (
        b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
        + pdf_raw_simple()[len(b"%PDF-1.7\n") :]
    )


def html_then_pdf() -> bytes:
    return b"<!DOCTYPE html><html><body>halo</body></html>\n" + pdf_bytes(1)


def pdf_trailing_whitespace() -> bytes:
    return pdf_bytes(1) + b"\r\n\x00\x00\n"


# ------------------------------------------------------------------------------------------------- images


def _picture(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    width, height = size
    image = Image.frombytes("L", size, noise(width * height, b"gambar")).convert(mode)
    return image


def jpeg_bytes(size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    _picture(size).save(out, "JPEG", quality=90)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (160, 120), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    _picture(size, mode).save(out, "PNG")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    _picture((40, 30), "L").convert("P").save(out, "GIF")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_pixel_flood(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG header claiming width×height with a valid CRC and a few bytes of image data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _jpeg_sof_offset(data: bytes) -> int:
    position = 2
    while True:
        marker = data[position + 1]
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in (0xC0, 0xC1, 0xC2):
            return position
        position += 2 + length


def jpeg_pixel_flood(width: int = 65_000, height: int = 65_000) -> bytes:
    """A small real JPEG whose frame header (SOF) claims width×height."""
    data = bytearray(jpeg_bytes((64, 48)))
    sof = _jpeg_sof_offset(bytes(data))
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png_bad_crc() -> bytes:
    data = bytearray(png_bytes())
    data[-20] ^= 0xFF  # inside the last IDAT chunk
    return bytes(data)


# ------------------------------------------------------------------------------------------ other formats

SVG_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>\n"
)
HTML = b"<!DOCTYPE html>\n<html><head><title>Laporan</title></head><body><script>alert(1)</script></body></html>\n"


def exe_stub() -> bytes:
    """An 'MZ' DOS header pointing at a 'PE' signature: enough for any sniffer to call it a Windows program."""
    header = bytearray(256)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header) + b"This program cannot be run in DOS mode.\r\n" + noise(512)


def cfb_stub() -> bytes:
    """The OLE compound-file header of old .doc files and password-protected Office documents."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + noise(1536)


def mp4_bytes(brand: bytes = b"isom", compatible: bytes = b"isomiso2", mdat: int = 4096) -> bytes:
    """A minimal ISO-BMFF file: ftyp (major brand, minor version, compatible brands), free, mdat."""
    ftyp = struct.pack(">I", 16 + len(compatible)) + b"ftyp" + brand + struct.pack(">I", 512) + compatible
    free = struct.pack(">I", 8) + b"free"
    return ftyp + free + struct.pack(">I", 8 + mdat) + b"mdat" + noise(mdat, b"video")


def mp4_truncated() -> bytes:
    return mp4_bytes()[:2000]


# ----------------------------------------------------------------------------------------- office (ZIP)

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
XXE = '<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)

_OOXML_PARTS = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
        "<w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="{text}" sheetId="1" r:id="rId1"/></sheets></workbook>',
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
        '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>',
    ),
}
_EXTRA_PARTS = {
    "xlsx": {
        "xl/_rels/workbook.xml.rels": f'{XML_DECL}<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'{XML_DECL}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Indikator 1</t></is></c></row>'
        "</sheetData></worksheet>",
    },
}


def ooxml_parts(ext: str, *, main_prefix: str = XML_DECL, text: str = "Data dukung") -> dict[str, bytes]:
    main, content_type, body = _OOXML_PARTS[ext]
    types = (
        f'{XML_DECL}<Types xmlns="{CT_NS}"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main}" ContentType="{content_type}"/></Types>'
    )
    rels = f'{XML_DECL}<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}" Target="{main}"/>'
    rels += "</Relationships>"
    parts = {"[Content_Types].xml": types.encode(), "_rels/.rels": rels.encode()}
    parts[main] = (main_prefix + body.format(text=text)).encode()
    parts.update({name: value.encode() for name, value in _EXTRA_PARTS.get(ext, {}).items()})
    return parts


def odf_parts(ext: str) -> dict[str, bytes]:
    mime = {"odt": "text", "ods": "spreadsheet"}[ext]
    body = (
        "<office:text><text:p>Data dukung</text:p></office:text>"
        if ext == "odt"
        else '<office:spreadsheet><table:table table:name="Indikator"/></office:spreadsheet>'
    )
    content = (
        f'{XML_DECL}<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3">'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    manifest = (
        f'{XML_DECL}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        f'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
        f'manifest:media-type="application/vnd.oasis.opendocument.{mime}"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    return {
        "mimetype": f"application/vnd.oasis.opendocument.{mime}".encode(),
        "META-INF/manifest.xml": manifest.encode(),
        "content.xml": content.encode(),
    }


def zip_of(parts: dict[str, bytes]) -> bytes:
    """A ZIP written by :mod:`zipfile`; an ODF ``mimetype`` member goes first and uncompressed, as the spec says."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return out.getvalue()


@dataclass(frozen=True)
class RawMember:
    """A member given as ready raw-deflate data with its declared CRC and uncompressed size."""

    deflated: bytes
    crc: int
    size: int


def hand_zip(parts: dict[str, bytes | RawMember], *, flags: int = 0) -> bytes:
    """A ZIP written by hand, so a member can be pre-compressed (bombs) or carry odd flags."""
    out = bytearray()
    central = bytearray()
    for name, value in parts.items():
        if isinstance(value, RawMember):
            member = value
        else:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            member = RawMember(compressor.compress(value) + compressor.flush(), zlib.crc32(value), len(value))
        encoded = name.encode()
        offset = len(out)
        sizes = (member.crc, len(member.deflated), member.size)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, 0, 0x21, *sizes, len(encoded), 0)
        out += encoded + member.deflated
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, 8, 0, 0x21, *sizes, len(encoded), 0, 0, 0, 0, 0, offset
        )
        central += encoded
    start = len(out)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(central), start, 0)
    return bytes(out)


def zeros_member(mebibytes: int) -> RawMember:
    return RawMember(deflated_zeros(mebibytes), crc32_zeros(mebibytes), mebibytes * MiB)


def zip_bomb(ext: str, mebibytes: int = 2000) -> bytes:
    """A valid-looking document plus one member that inflates to ``mebibytes`` MiB of zeros."""
    parts: dict[str, bytes | RawMember] = dict(ooxml_parts(ext))
    parts["customXml/item1.bin"] = zeros_member(mebibytes)
    return hand_zip(parts)


def docx_many_members(count: int = 5001) -> bytes:
    parts = ooxml_parts("docx")
    parts.update({f"word/media/kosong{i}.txt": b"" for i in range(count)})
    return zip_of(parts)


def docx_with(extra: dict[str, bytes]) -> bytes:
    parts = ooxml_parts("docx")
    parts.update(extra)
    return zip_of(parts)


def plain_zip() -> bytes:
    return zip_of({"laporan.txt": b"Laporan kegiatan", "foto/kegiatan.jpg": jpeg_bytes((32, 24))})


# ---------------------------------------------------------------------------------------------------- all

BUILDERS: dict[str, Callable[[], bytes]] = {
    "pdf": lambda: pdf_bytes(1),
    "pdf_multi": lambda: pdf_bytes(12),
    "pdf_raw": pdf_raw_simple,
    "pdf_linearized": lambda: pdf_bytes(3, linearize=True),
    "pdf_object_streams": lambda: pdf_bytes(3, object_stream_mode=pikepdf.ObjectStreamMode.generate),
    "pdf_incremental": pdf_incremental_update,
    "pdf_trailing_whitespace": pdf_trailing_whitespace,
    "pdf_owner_password": pdf_owner_password,
    "pdf_user_password": pdf_user_password,
    "pdf_js_open_action": pdf_open_action_javascript,
    "pdf_js_link": pdf_link_javascript,
    "pdf_goto_open_action": pdf_open_action_goto,
    "pdf_truncated": pdf_truncated,
    "pdf_truncated_eof": pdf_truncated_with_eof,
    "pdf_broken_startxref": pdf_broken_startxref,
    "pdf_zero_pages": pdf_zero_pages,
    "pdf_html_appended": pdf_html_appended,
    "pdf_html_head": pdf_html_head,
    "html_then_pdf": html_then_pdf,
    "pdf_10000_pages": lambda: pdf_many_pages(10_000),
    "pdf_10000_pages_count_lies": lambda: pdf_many_pages(10_000, declared=1),
    "pdf_3_pages": lambda: pdf_many_pages(3),
    "pdf_flate_bomb": pdf_flate_bomb,
    "pdf_object_stream_small": lambda: pdf_object_stream_bomb(1),
    "pdf_object_stream_bomb": pdf_object_stream_bomb,
    "pdf_xref_stream_small": lambda: pdf_xref_stream_bomb(1),
    "pdf_xref_stream_bomb": pdf_xref_stream_bomb,
    "jpeg": jpeg_bytes,
    "png": png_bytes,
    "png_gray": lambda: png_bytes((64, 64), "L"),
    "gif": gif_bytes,
    "jpeg_truncated": lambda: jpeg_bytes()[: len(jpeg_bytes()) // 2],
    "png_truncated": lambda: png_bytes()[: len(png_bytes()) // 2],
    "png_bad_crc": png_bad_crc,
    "png_iend_cut": lambda: png_bytes()[:-2],
    "png_html_appended": lambda: png_bytes() + HTML,
    "png_pixel_flood": png_pixel_flood,
    "jpeg_pixel_flood": jpeg_pixel_flood,
    "png_signature_garbage": lambda: b"\x89PNG\r\n\x1a\n" + noise(2000),
    "svg_script": lambda: SVG_SCRIPT,
    "html": lambda: HTML,
    "exe": exe_stub,
    "cfb": cfb_stub,
    "zip": plain_zip,
    "docx": lambda: zip_of(ooxml_parts("docx", text="Perwali Nomor 12 Tahun 2024")),
    "xlsx": lambda: zip_of(ooxml_parts("xlsx", text="Indikator")),
    "pptx": lambda: zip_of(ooxml_parts("pptx")),
    "odt": lambda: zip_of(odf_parts("odt")),
    "ods": lambda: zip_of(odf_parts("ods")),
    "docx_xxe": lambda: zip_of(ooxml_parts("docx", main_prefix=XXE, text="&xxe;")),
    "xlsx_xxe": lambda: zip_of(ooxml_parts("xlsx", main_prefix=XXE, text="&xxe;")),
    "docx_laughs": lambda: zip_of(ooxml_parts("docx", main_prefix=LAUGHS, text="&lol3;")),
    "docx_zip_bomb": lambda: zip_bomb("docx"),
    "xlsx_zip_bomb": lambda: zip_bomb("xlsx"),
    "docx_ratio_bomb": lambda: zip_bomb("docx", mebibytes=16),
    "docx_many_members": docx_many_members,
    "docx_traversal_member": lambda: docx_with({"../evil.sh": b"#!/bin/sh\nrm -rf /\n"}),
    "docx_absolute_member": lambda: docx_with({"/etc/cron.d/evil": b"* * * * * root id\n"}),
    "docx_macro": lambda: docx_with({"word/vbaProject.bin": noise(2048)}),
    "docx_encrypted_flag": lambda: hand_zip(dict(ooxml_parts("docx")), flags=0x1),
    "docx_bad_xml": lambda: zip_of(ooxml_parts("docx", text="<tidak ditutup")),
    "docx_truncated": lambda: zip_of(ooxml_parts("docx"))[:300],
    "mp4": mp4_bytes,
    "mp4_quicktime": lambda: mp4_bytes(brand=b"qt  ", compatible=b"qt  "),
    "mp4_compatible_brand": lambda: mp4_bytes(brand=b"qt  ", compatible=b"qt  isom"),
    "mp4_truncated": mp4_truncated,
    "random": lambda: noise(4096, b"acak"),
    "empty": lambda: b"",
}


def build_corpus(directory: Path) -> dict[str, Path]:
    """Write every corpus file into ``directory``; returns file key → path."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, builder in BUILDERS.items():
        path = directory / f"{key}.bin"
        path.write_bytes(builder())
        paths[key] = path
    return paths


# ---------------------------------------------------------------------------------------------- R1 cases


@dataclass(frozen=True)
class Case:
    """One upload: corpus file, the name the user gave it, the expected outcome and optional extra checks."""

    id: str
    file: str
    name: str
    expected: str  # ACCEPTED or a rejection code
    policy: Policy = field(default_factory=Policy)
    check: Callable[[FileInfo], bool] | None = None
    display_name: str | None = None  # the cleaned name to expect, for accepted cases


def _pdf_size() -> int:
    return len(BUILDERS["pdf"]())


C = Case
CASES: list[Case] = [
    # --- accepted ------------------------------------------------------------------------------------------
    C("pdf", "pdf", "Perwali Nomor 12 Tahun 2024 – Arsitektur SPBE.pdf", ACCEPTED,
      check=lambda i: i.pages == 1 and not i.has_javascript and not i.owner_password,
      display_name="Perwali Nomor 12 Tahun 2024 – Arsitektur SPBE.pdf"),
    C("pdf-multi-page", "pdf_multi", "Laporan Evaluasi SPBE.pdf", ACCEPTED, check=lambda i: i.pages == 12),
    C("pdf-hand-written", "pdf_raw", "sk.pdf", ACCEPTED, check=lambda i: i.pages == 1),
    C("pdf-linearized", "pdf_linearized", "web.pdf", ACCEPTED, check=lambda i: i.pages == 3),
    C("pdf-object-streams", "pdf_object_streams", "ringkas.pdf", ACCEPTED, check=lambda i: i.pages == 3),
    C("pdf-incremental-update", "pdf_incremental", "ditandatangani.pdf", ACCEPTED),
    C("pdf-trailing-whitespace", "pdf_trailing_whitespace", "akhir.pdf", ACCEPTED),
    C("pdf-owner-password-only", "pdf_owner_password", "terkunci-edit.pdf", ACCEPTED,
      check=lambda i: i.owner_password and i.pages == 2),
    C("pdf-openaction-javascript", "pdf_js_open_action", "interaktif.pdf", ACCEPTED, check=lambda i: i.has_javascript),
    C("pdf-link-javascript", "pdf_js_link", "tautan.pdf", ACCEPTED, check=lambda i: i.has_javascript),
    C("pdf-openaction-goto-not-js", "pdf_goto_open_action", "buka-hal-1.pdf", ACCEPTED,
      check=lambda i: not i.has_javascript),
    C("pdf-flate-bomb-not-decoded", "pdf_flate_bomb", "bom.pdf", ACCEPTED, check=lambda i: i.pages == 1),
    C("pdf-object-stream", "pdf_object_stream_small", "objstm.pdf", ACCEPTED, check=lambda i: i.pages == 1),
    C("pdf-xref-stream", "pdf_xref_stream_small", "xrefstm.pdf", ACCEPTED, check=lambda i: i.pages == 1),
    C("pdf-upper-case-extension", "pdf", "LAPORAN.PDF", ACCEPTED, check=lambda i: i.extension == "pdf"),
    C("pdf-at-size-limit", "pdf", "pas.pdf", ACCEPTED, policy=Policy(max_bytes=_pdf_size())),
    C("pdf-at-page-limit", "pdf_3_pages", "tiga.pdf", ACCEPTED, policy=Policy(max_pdf_pages=3)),
    C("jpeg", "jpeg", "Foto Kegiatan Rapat SPBE.jpg", ACCEPTED,
      check=lambda i: (i.width, i.height, i.mime) == (320, 240, "image/jpeg")),
    C("jpeg-upper-case", "jpeg", "SCAN.JPG", ACCEPTED, check=lambda i: i.extension == "jpg", display_name="SCAN.JPG"),
    C("jpeg-extension-normalised", "jpeg", "foto.jpeg", ACCEPTED, check=lambda i: i.extension == "jpg"),
    C("png", "png", "tangkapan layar.png", ACCEPTED, check=lambda i: (i.width, i.height) == (160, 120)),
    C("png-grayscale", "png_gray", "bagan.png", ACCEPTED),
    C("image-at-pixel-limit", "jpeg", "pas.jpg", ACCEPTED, policy=Policy(max_image_pixels=320 * 240)),
    C("docx", "docx", "Notulen Rapat.docx", ACCEPTED, check=lambda i: i.kind == "office"),
    C("xlsx", "xlsx", "Rekap Indikator.xlsx", ACCEPTED),
    C("pptx", "pptx", "Paparan.pptx", ACCEPTED),
    C("odt", "odt", "Notulen.odt", ACCEPTED, check=lambda i: i.mime == "application/vnd.oasis.opendocument.text"),
    C("ods", "ods", "Rekap.ods", ACCEPTED),
    C("mp4", "mp4", "Video Sosialisasi.mp4", ACCEPTED, check=lambda i: i.kind == "video"),
    C("mp4-compatible-brand", "mp4_compatible_brand", "rekaman.mp4", ACCEPTED),
    # --- names that are cleaned, then accepted ---------------------------------------------------------------
    C("name-traversal-posix", "pdf", "../../etc/passwd.pdf", ACCEPTED, display_name="passwd.pdf"),
    C("name-traversal-windows", "pdf", "..\\..\\win.pdf", ACCEPTED, display_name="win.pdf"),
    C("name-nul", "pdf", "a\x00.pdf", ACCEPTED, display_name="a.pdf"),
    C("name-rtl-override-pdf", "pdf", "laporan\u202egnp.pdf", ACCEPTED, display_name="laporangnp.pdf"),
    C("name-reserved-con", "pdf", "CON.pdf", ACCEPTED, display_name="CON_.pdf"),
    C("name-reserved-nul", "docx", "nul.docx", ACCEPTED, display_name="nul_.docx"),
    C("name-300-chars", "pdf", "a" * 300 + ".pdf", ACCEPTED, display_name="a" * 196 + ".pdf"),
    C("name-control-chars", "pdf", "lap\toran\r\n2024.pdf", ACCEPTED, display_name="lap oran 2024.pdf"),
    # --- names refused ----------------------------------------------------------------------------------------
    C("name-only-traversal", "pdf", "../", "bad_name"),
    C("name-only-dots", "pdf", "...", "bad_name"),
    C("name-empty", "pdf", "", "bad_name"),
    C("name-only-bidi", "pdf", "\u202e\u2066", "bad_name"),
    C("name-dots-then-pdf", "pdf", "...pdf", "bad_extension"),
    C("name-no-extension", "pdf", "laporan", "bad_extension"),
    C("name-rtl-override-exe", "exe", "gambar\u202efdp.exe", "bad_extension"),
    C("double-extension-pdf-exe", "exe", "laporan.pdf.exe", "bad_extension"),
    C("double-extension-exe-pdf", "pdf", "laporan.exe.pdf", "dangerous_name"),
    C("double-extension-html-pdf", "pdf", "x.html.pdf", "dangerous_name"),
    C("double-extension-php-jpg", "jpeg", "foto.php.jpg", "dangerous_name"),
    C("double-extension-js-xlsx", "xlsx", "rekap.js.xlsx", "dangerous_name"),
    C("extension-exe", "exe", "setup.exe", "bad_extension"),
    C("extension-svg", "svg_script", "logo.svg", "bad_extension"),
    C("extension-html", "html", "index.html", "bad_extension"),
    C("extension-zip", "zip", "arsip.zip", "bad_extension"),
    C("extension-txt", "random", "catatan.txt", "bad_extension"),
    C("extension-doc", "cfb", "lama.doc", "bad_extension"),
    C("extension-not-in-policy", "mp4", "video.mp4", "bad_extension",
      policy=Policy(allowed_extensions=frozenset({"pdf"}))),
    # --- content does not match the extension ----------------------------------------------------------------
    C("pdf-named-jpg", "pdf", "foto.jpg", "mismatch"),
    C("png-named-pdf", "png", "dokumen.pdf", "mismatch"),
    C("jpeg-named-png", "jpeg", "gambar.png", "mismatch"),
    C("gif-named-png", "gif", "animasi.png", "mismatch"),
    C("html-named-pdf", "html", "laporan.pdf", "mismatch"),
    C("html-then-pdf-polyglot", "html_then_pdf", "gabungan.pdf", "mismatch"),
    C("svg-named-png", "svg_script", "logo.png", "mismatch"),
    C("exe-named-pdf", "exe", "laporan.pdf", "mismatch"),
    C("exe-named-docx", "exe", "laporan.docx", "mismatch"),
    C("zip-named-docx", "zip", "laporan.docx", "mismatch"),
    C("xlsx-named-docx", "xlsx", "laporan.docx", "mismatch"),
    C("docx-named-xlsx", "docx", "rekap.xlsx", "mismatch"),
    C("odt-named-ods", "odt", "rekap.ods", "mismatch"),
    C("odt-named-docx", "odt", "notulen.docx", "mismatch"),
    C("old-doc-named-docx", "cfb", "lama.docx", "mismatch"),
    C("random-named-pdf", "random", "acak.pdf", "mismatch"),
    C("random-named-jpg", "random", "acak.jpg", "mismatch"),
    C("random-named-docx", "random", "acak.docx", "mismatch"),
    C("random-named-mp4", "random", "acak.mp4", "mismatch"),
    C("quicktime-named-mp4", "mp4_quicktime", "rekaman.mp4", "mismatch"),
    C("pdf-named-mp4", "pdf", "video.mp4", "mismatch"),
    # --- broken or hostile content ------------------------------------------------------------------------------
    C("pdf-truncated", "pdf_truncated", "terpotong.pdf", "corrupt"),
    C("pdf-truncated-eof-glued", "pdf_truncated_eof", "terpotong2.pdf", "corrupt"),
    C("pdf-broken-startxref", "pdf_broken_startxref", "xref.pdf", "corrupt"),
    C("pdf-zero-pages", "pdf_zero_pages", "kosong.pdf", "corrupt"),
    C("pdf-html-polyglot-appended", "pdf_html_appended", "polyglot.pdf", "corrupt"),
    C("pdf-html-polyglot-head", "pdf_html_head", "polyglot2.pdf", "corrupt"),
    C("pdf-object-stream-bomb", "pdf_object_stream_bomb", "bom-objstm.pdf", "corrupt"),
    C("pdf-xref-stream-bomb", "pdf_xref_stream_bomb", "bom-xref.pdf", "corrupt"),
    C("pdf-user-password", "pdf_user_password", "rahasia.pdf", "encrypted"),
    C("pdf-10000-pages", "pdf_10000_pages", "tebal.pdf", "too_many_pages"),
    C("pdf-10000-pages-count-lies", "pdf_10000_pages_count_lies", "tebal2.pdf", "too_many_pages"),
    C("pdf-over-page-limit", "pdf_3_pages", "tiga.pdf", "too_many_pages", policy=Policy(max_pdf_pages=2)),
    C("jpeg-truncated", "jpeg_truncated", "potong.jpg", "corrupt"),
    C("png-truncated", "png_truncated", "potong.png", "corrupt"),
    C("png-bad-crc", "png_bad_crc", "crc.png", "corrupt"),
    C("png-end-cut-off", "png_iend_cut", "ujung.png", "corrupt"),
    C("png-html-appended", "png_html_appended", "polyglot.png", "corrupt"),
    C("png-signature-then-garbage", "png_signature_garbage", "palsu.png", "corrupt"),
    C("png-pixel-flood", "png_pixel_flood", "banjir.png", "image_too_large"),
    C("jpeg-pixel-flood", "jpeg_pixel_flood", "banjir.jpg", "image_too_large"),
    C("image-over-pixel-limit", "jpeg", "besar.jpg", "image_too_large", policy=Policy(max_image_pixels=320 * 240 - 1)),
    C("docx-xxe", "docx_xxe", "xxe.docx", "office_unsafe"),
    C("xlsx-xxe", "xlsx_xxe", "xxe.xlsx", "office_unsafe"),
    C("docx-billion-laughs", "docx_laughs", "tawa.docx", "office_unsafe"),
    C("docx-zip-bomb-2gb", "docx_zip_bomb", "bom.docx", "office_unsafe"),
    C("xlsx-zip-bomb-2gb", "xlsx_zip_bomb", "bom.xlsx", "office_unsafe"),
    C("docx-compression-ratio", "docx_ratio_bomb", "rasio.docx", "office_unsafe"),
    C("docx-too-many-members", "docx_many_members", "banyak.docx", "office_unsafe"),
    C("docx-traversal-member", "docx_traversal_member", "evil.docx", "office_unsafe"),
    C("docx-absolute-member", "docx_absolute_member", "evil2.docx", "office_unsafe"),
    C("docx-macro", "docx_macro", "makro.docx", "office_unsafe"),
    C("docx-encrypted-members", "docx_encrypted_flag", "sandi.docx", "encrypted"),
    C("docx-malformed-xml", "docx_bad_xml", "rusak.docx", "corrupt"),
    C("docx-truncated", "docx_truncated", "potong.docx", "corrupt"),
    C("mp4-truncated", "mp4_truncated", "potong.mp4", "corrupt"),
    # --- size -----------------------------------------------------------------------------------------------------
    C("zero-bytes", "empty", "kosong.pdf", "empty"),
    C("one-byte-over-limit", "pdf", "lebih.pdf", "too_large", policy=Policy(max_bytes=_pdf_size() - 1)),
    C("far-over-limit", "pdf_multi", "besar.pdf", "too_large", policy=Policy(max_bytes=1000)),
]  # fmt: skip
