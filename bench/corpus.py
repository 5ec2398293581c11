"""A seeded evidence corpus like the one QUALITY.md describes, generated into a directory at run time.

At ``scale=1.0``: 200 text PDFs of 3–8 pages (Helvetica text content streams of Indonesian words), 100 JPEG scans
(A4 at 200 dpi, about 600 KB, from :mod:`bench.images`), 5 scanned PDFs of about 25 MB (230 pages each, every
page a greyscale JPEG of seeded noise and text-like strokes, embedded as it is with ``/DCTDecode``), 20 PNG
screenshots, 8 DOCX and 8 XLSX documents (minimal OOXML written with :mod:`zipfile`, fixed timestamps).
About 330 files and 2,400 printed pages. Smaller scales keep at least one file of every kind.

The same seed and scale give the same bytes (and SHA-256) on every run.
"""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

import pikepdf
from PIL import Image, ImageDraw

from bench.images import make_scan, make_screenshot

SEED = 20260406
A4 = (595.28, 841.89)
#: Files of each kind at scale 1.0, and the page range of text PDFs and the pages of a scanned PDF.
COUNTS = {"text": 200, "scan": 100, "scanned_pdf": 5, "screenshot": 20, "docx": 8, "xlsx": 8}
TEXT_PAGES = (3, 8)
#: Pages of each text PDF of the many-small-files corpus (:func:`generate_small`): 8.5 on average.
SMALL_PAGES = (4, 13)
SCANNED_PAGES = 230
SCANNED_PIXELS = (1000, 1414)  # A4 at about 120 dpi
SCANNED_NOISE = 6  # ± grey levels: about 110 KB a page at quality 50, so 230 pages make about 25 MB
SCANNED_QUALITY = 50
ZIP_TIME = (2026, 1, 5, 9, 30, 0)

_VOCABULARY = (
    "pemerintah daerah kota kabupaten provinsi layanan sistem pemerintahan berbasis elektronik aplikasi umum "
    "khusus data informasi teknologi komunikasi peraturan wali bupati gubernur keputusan tentang penetapan "
    "tim koordinasi pelaksanaan evaluasi penilaian mandiri indikator aspek domain kebijakan internal tata "
    "kelola manajemen risiko keamanan audit infrastruktur pusat jaringan intra integrasi arsitektur peta "
    "rencana induk anggaran belanja kegiatan program dinas badan bagian sekretariat kepala pegawai aparatur "
    "sipil negara kompetensi pelatihan sosialisasi rapat notulen berita acara laporan dokumen lampiran "
    "pengelolaan pengadaan barang jasa kepegawaian perencanaan keuangan kinerja akuntabilitas pengaduan "
    "publik arsip dinamis satu portal situs web jaringan pusat cadangan pemulihan bencana standar operasional "
    "prosedur pedoman penyusunan ditetapkan dilaksanakan berdasarkan sesuai dengan dalam rangka untuk pada "
    "dan atau serta yang telah akan oleh dari bahwa tahun bulan tanggal nomor pasal ayat huruf"
)
WORDS = tuple(_VOCABULARY.split())
HEADINGS = (
    "Peraturan Wali Kota tentang Sistem Pemerintahan Berbasis Elektronik",
    "Keputusan Bupati tentang Tim Koordinasi SPBE",
    "Laporan Evaluasi Penerapan SPBE",
    "Notulen Rapat Koordinasi Tim SPBE",
    "Dokumen Arsitektur SPBE Pemerintah Daerah",
    "Rencana Induk Teknologi Informasi dan Komunikasi",
    "Standar Operasional Prosedur Pengelolaan Data",
    "Laporan Audit Keamanan Informasi",
    "Pedoman Manajemen Risiko SPBE",
    "Berita Acara Sosialisasi Layanan Publik Elektronik",
)


class CorpusFile(NamedTuple):
    path: Path
    extension: str
    sha256: str
    #: Pages as printed in the bundle (PDFs and images); None for Office documents (it depends on the converter).
    pages: int | None


def counts(scale: float) -> dict[str, int]:
    """Files of each kind at ``scale`` (at least one of every kind)."""
    if scale <= 0:
        raise ValueError("scale harus > 0")
    return {kind: max(1, round(n * scale)) for kind, n in COUNTS.items()}


def scanned_pages(scale: float) -> int:
    return max(2, round(SCANNED_PAGES * scale))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def pdf_literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def font(pdf: pikepdf.Pdf, base: str) -> pikepdf.Object:
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name(base),
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )


def _text_page(rng: random.Random, heading: str | None, number: int, total: int) -> bytes:
    """One page of typeset-looking text: an optional heading, about 48 lines of 10-pt Helvetica, a page number."""
    lines: list[bytes] = [b"BT"]
    y = 780.0
    if heading is not None:
        lines += [b"/F2 13 Tf 14 TL 72 %.1f Td" % y, pdf_literal(heading) + b" Tj", b"ET BT"]
        y -= 36
    lines.append(b"/F1 10 Tf 13.5 TL 72 %.1f Td" % y)
    while y > 80:
        if rng.random() < 0.12:
            lines.append(b"T*")  # a paragraph break
        else:
            lines.append(pdf_literal(_sentence(rng, rng.randrange(9, 13))[:92]) + b" Tj T*")
        y -= 13.5
    lines += [b"ET", b"BT /F1 9 Tf 290 40 Td " + pdf_literal(f"Halaman {number} dari {total}") + b" Tj ET"]
    return b"\n".join(lines) + b"\n"


def make_text_pdf(path: Path, seed: int, page_range: tuple[int, int] = TEXT_PAGES) -> CorpusFile:
    """A born-digital document of 3–8 pages (``page_range``) with real text operators (compressed content
    streams)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    pages = rng.randint(*page_range)
    heading = f"{rng.choice(HEADINGS)} Nomor {rng.randrange(1, 99)} Tahun {rng.randrange(2019, 2026)}"
    with pikepdf.new() as pdf:
        fonts = pikepdf.Dictionary(F1=font(pdf, "/Helvetica"), F2=font(pdf, "/Helvetica-Bold"))
        for number in range(1, pages + 1):
            content = _text_page(rng, heading if number == 1 else None, number, pages)
            page = pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=pikepdf.Array([0, 0, *A4]),
                Resources=pikepdf.Dictionary(Font=fonts),
                Contents=pdf.make_stream(content),
            )
            pdf.pages.append(pikepdf.Page(pdf.make_indirect(page)))
        pdf.docinfo[pikepdf.Name.Title] = heading
        pdf.save(path, deterministic_id=True)
    return CorpusFile(path, "pdf", _sha256(path), pages)


def _scanned_page(rng: random.Random) -> bytes:
    """A greyscale JPEG page: paper noise that does not compress much, and dark strokes like printed lines."""
    width, height = SCANNED_PIXELS
    amplitude = SCANNED_NOISE
    lut = [232 + (v * (2 * amplitude + 1)) // 256 - amplitude for v in range(256)]
    page = Image.frombytes("L", SCANNED_PIXELS, rng.randbytes(width * height)).point(lut)
    draw = ImageDraw.Draw(page)
    y = 150
    while y < height - 150:
        x = 120
        end = width - 120 - (rng.randrange(0, 300) if rng.random() < 0.2 else 0)
        while x < end:
            word = rng.randrange(18, 90)
            draw.rectangle((x, y, min(x + word, end), y + 11), fill=rng.randrange(25, 80))
            x += word + 9
        y += 26 + (26 if rng.random() < 0.1 else 0)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=SCANNED_QUALITY, dpi=(120, 120))
    return out.getvalue()


def make_scanned_pdf(path: Path, seed: int, pages: int) -> CorpusFile:
    """A scanned document: one full-page JPEG image per A4 page, embedded as it is (``/DCTDecode``)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    width, height = SCANNED_PIXELS
    draw = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n" % A4
    with pikepdf.new() as pdf:
        for _ in range(pages):
            image = pikepdf.Stream(pdf, _scanned_page(rng))
            image.Type = pikepdf.Name.XObject
            image.Subtype = pikepdf.Name.Image
            image.Width, image.Height = width, height
            image.ColorSpace = pikepdf.Name.DeviceGray
            image.BitsPerComponent = 8
            image.Filter = pikepdf.Name.DCTDecode
            page = pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=pikepdf.Array([0, 0, *A4]),
                Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                Contents=pdf.make_stream(draw),
            )
            pdf.pages.append(pikepdf.Page(pdf.make_indirect(page)))
        pdf.docinfo[pikepdf.Name.Title] = "Pindaian dokumen"
        pdf.save(path, deterministic_id=True)
    return CorpusFile(path, "pdf", _sha256(path), pages)


def _zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode())


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_docx(path: Path, seed: int) -> CorpusFile:
    """A minimal Word document: a heading and 20–60 paragraphs of Indonesian words."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    paragraphs = [rng.choice(HEADINGS)] + [_sentence(rng, rng.randrange(20, 60)) for _ in range(rng.randrange(20, 60))]
    body = "".join(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in paragraphs)
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    _zip(
        path,
        {
            "[Content_Types].xml": (
                f'{_XML}<Types xmlns="{_CT}"><Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
            ),
            "_rels/.rels": (
                f'{_XML}<Relationships xmlns="{_REL}"><Relationship Id="rId1" '
                f'Type="{_OFFICE_REL}/officeDocument" Target="word/document.xml"/></Relationships>'
            ),
            "word/document.xml": (
                f'{_XML}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{body}</w:body></w:document>"
            ),
        },
    )
    return CorpusFile(path, "docx", _sha256(path), None)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def make_xlsx(path: Path, seed: int) -> CorpusFile:
    """A minimal workbook: one sheet of 40–200 rows (a text column, numbers), inline strings."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    rows = []
    for r in range(1, rng.randrange(40, 200) + 1):
        cells = [f'<c r="A{r}" t="inlineStr"><is><t>{escape(_sentence(rng, rng.randrange(3, 8)))}</t></is></c>']
        cells += [f'<c r="{_column(c)}{r}"><v>{rng.randrange(0, 10_000_000)}</v></c>' for c in range(1, 6)]
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    book_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    _zip(
        path,
        {
            "[Content_Types].xml": (
                f'{_XML}<Types xmlns="{_CT}"><Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{book_type}"/>'
                f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}"/></Types>'
            ),
            "_rels/.rels": (
                f'{_XML}<Relationships xmlns="{_REL}"><Relationship Id="rId1" '
                f'Type="{_OFFICE_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'{_XML}<workbook xmlns="{ns}" xmlns:r="{_OFFICE_REL}"><sheets>'
                '<sheet name="Rekap" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                f'{_XML}<Relationships xmlns="{_REL}"><Relationship Id="rId1" '
                f'Type="{_OFFICE_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ),
            "xl/worksheets/sheet1.xml": (
                f'{_XML}<worksheet xmlns="{ns}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
            ),
        },
    )
    return CorpusFile(path, "xlsx", _sha256(path), None)


def generate(directory: Path, scale: float = 1.0, seed: int = SEED) -> list[CorpusFile]:
    """Write the corpus into ``directory`` (created if needed) and return its files in a seeded mixed order."""
    directory.mkdir(parents=True, exist_ok=True)
    n = counts(scale)
    pages = scanned_pages(scale)
    makers: list[Callable[[], CorpusFile]] = []
    makers += [partial(make_text_pdf, directory / f"dokumen-{i + 1:03d}.pdf", seed + i) for i in range(n["text"])]
    makers += [partial(_scan, directory / f"pindaian-{i + 1:03d}.jpg", seed + 1000 + i) for i in range(n["scan"])]
    makers += [
        partial(make_scanned_pdf, directory / f"pindaian-dokumen-{i + 1:02d}.pdf", seed + 2000 + i, pages)
        for i in range(n["scanned_pdf"])
    ]
    makers += [
        partial(_screenshot, directory / f"tangkapan-{i + 1:02d}.png", seed + 3000 + i) for i in range(n["screenshot"])
    ]
    makers += [partial(make_docx, directory / f"notulen-{i + 1:02d}.docx", seed + 4000 + i) for i in range(n["docx"])]
    makers += [partial(make_xlsx, directory / f"rekap-{i + 1:02d}.xlsx", seed + 5000 + i) for i in range(n["xlsx"])]
    files = [make() for make in makers]
    random.Random(seed).shuffle(files)  # noqa: S311 - test data, not cryptography
    return files


def generate_small(directory: Path, count: int, seed: int = SEED) -> list[CorpusFile]:
    """``count`` small text PDFs of 4–13 pages (about 1.8 KB a page: 600 make about 5,100 pages and 9 MB) into
    ``directory``: an instansi whose evidence is many short letters and decrees."""
    if count < 1:
        raise ValueError("count harus ≥ 1")
    directory.mkdir(parents=True, exist_ok=True)
    return [make_text_pdf(directory / f"surat-{i + 1:04d}.pdf", seed + 6000 + i, SMALL_PAGES) for i in range(count)]


def _scan(path: Path, seed: int) -> CorpusFile:
    sample = make_scan(path, seed)
    return CorpusFile(path, "jpg", sample.sha256, 1)


def _screenshot(path: Path, seed: int) -> CorpusFile:
    sample = make_screenshot(path, seed)
    return CorpusFile(path, "png", sample.sha256, 1)


def total_bytes(files: list[CorpusFile]) -> int:
    return sum(f.path.stat().st_size for f in files)
