"""reports.convert: stored evidence → PDF pages for the bundle, or a placeholder page that says exactly why not."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import struct
import time
import zipfile
from pathlib import Path

import pikepdf
import psutil  # type: ignore[import-untyped]
import pytest
from PIL import Image

from reports.convert import A4, Prepared, find_soffice, placeholder_pdf, png_may_have_orientation, prepare

A4_PORTRAIT = (595.28, 841.89)
A4_LANDSCAPE = (841.89, 595.28)


# ---------------------------------------------------------------------------------------------------- inputs


def pdf_bytes(pages: int = 2, **save: object) -> bytes:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    for number in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 760 Td (Halaman %d) Tj ET" % (number + 1))
    out = io.BytesIO()
    pdf.save(out, **save)  # type: ignore[arg-type]
    pdf.close()
    return out.getvalue()


def noisy_image(mode: str, size: tuple[int, int], seed: int = 1) -> Image.Image:
    """Deterministic noise, so the encoded image has a realistic size and cannot be mistaken for another."""
    bands = len(Image.new(mode, (1, 1)).getbands())
    data = hashlib.shake_256(b"%d" % seed).digest(size[0] * size[1] * bands)
    return Image.frombytes(mode, size, data)


def image_bytes(image: Image.Image, fmt: str, **save: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def docx_bytes() -> bytes:
    """A minimal valid WordprocessingML package built with zipfile."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Laporan pelaksanaan SPBE</w:t></w:r></w:p></w:body></w:document>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def mp4_bytes(size: int = 4096) -> bytes:
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return head + hashlib.shake_256(b"video").digest(size - len(head))


def store(tmp_path: Path, name: str, data: bytes) -> tuple[Path, str]:
    path = tmp_path / "store" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def run(tmp_path: Path, name: str, data: bytes, ext: str, **kwargs: object) -> Prepared:
    src, digest = store(tmp_path, name, data)
    options: dict[str, object] = {
        "extension": ext,
        "expected_sha256": digest,
        "original_name": name,
        "title": "Bukti 1.1",
        "workdir": tmp_path / "work",
    }
    options.update(kwargs)
    return prepare(src, **options)  # type: ignore[arg-type]


def sizes(path: Path) -> list[tuple[float, float]]:
    with pikepdf.open(path) as pdf:
        return [(round(float(p.mediabox[2]), 2), round(float(p.mediabox[3]), 2)) for p in pdf.pages]


def attachment_of(path: Path) -> tuple[bytes, dict[str, str], list[str]]:
    """The embedded file of the page's FileAttachment annotation, its names and MIME type, and qpdf's check."""
    with pikepdf.open(path) as pdf:
        problems = [str(p) for p in pdf.check_pdf_syntax()]
        (page,) = pdf.pages
        annots = [a for a in page.get("/Annots", []) if a.get("/Subtype") == pikepdf.Name.FileAttachment]
        assert len(annots) == 1
        filespec = annots[0].FS
        assert filespec.Type == pikepdf.Name.Filespec
        embedded = filespec.EF.F
        assert embedded.Type == pikepdf.Name.EmbeddedFile
        data = embedded.read_bytes()
        assert int(embedded.Params.Size) == len(data)
        names = {"F": str(filespec.F), "UF": str(filespec.UF), "mime": str(embedded.Subtype)}
        return data, names, problems


def has_annotations(path: Path) -> bool:
    with pikepdf.open(path) as pdf:
        return any("/Annots" in page for page in pdf.pages)


def assert_placeholder(result: Prepared, outcome: str, workdir: Path) -> None:
    assert result.outcome == outcome
    assert result.pages == 1
    assert result.reason
    assert result.pdf_path.is_file()
    assert result.pdf_path.resolve().is_relative_to(workdir.resolve())
    assert sizes(result.pdf_path) == [A4_PORTRAIT]
    with pikepdf.open(result.pdf_path) as pdf:
        assert pdf.check_pdf_syntax() == []


# ------------------------------------------------------------------------------------------------------- PDF


def test_pdf_is_used_as_it_is(tmp_path: Path) -> None:
    result = run(tmp_path, "laporan.pdf", pdf_bytes(3), "PDF")
    assert result == Prepared(outcome="pdf", pdf_path=tmp_path / "store" / "laporan.pdf", pages=3, reason=None,
                              attached=False)  # fmt: skip
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())


def test_owner_password_only_pdf_is_fine(tmp_path: Path) -> None:
    data = pdf_bytes(2, encryption=pikepdf.Encryption(owner="pemilik-rahasia", user=""))
    result = run(tmp_path, "terkunci.pdf", data, "pdf")
    assert (result.outcome, result.pages, result.pdf_path) == ("pdf", 2, tmp_path / "store" / "terkunci.pdf")


def test_user_password_pdf_fails_with_the_original_attached(tmp_path: Path) -> None:
    data = pdf_bytes(1, encryption=pikepdf.Encryption(owner="pemilik-rahasia", user="buka"))
    result = run(tmp_path, "rahasia.pdf", data, "pdf")
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith("PDF dilindungi kata sandi pembuka (user password)")
    assert result.attached is True
    attached, filespec, problems = attachment_of(result.pdf_path)
    assert attached == data
    assert problems == []
    assert filespec["mime"] == "/application/pdf"


def test_truncated_pdf_fails(tmp_path: Path) -> None:
    data = pdf_bytes(3)
    result = run(tmp_path, "terpotong.pdf", data[: len(data) // 2], "pdf")
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith("berkas PDF rusak: ")
    assert str(tmp_path) not in result.reason  # qpdf's message names the server path; the user never sees it


def test_pdf_without_pages_fails(tmp_path: Path) -> None:
    result = run(tmp_path, "kosong.pdf", pdf_bytes(0), "pdf")
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith("berkas PDF rusak: tidak berisi halaman")


# ---------------------------------------------------------------------------------------------------- images


def test_jpeg_is_embedded_unchanged_on_a4(tmp_path: Path) -> None:
    data = image_bytes(noisy_image("RGB", (620, 877)), "JPEG", quality=85)
    result = run(tmp_path, "pindaian.jpg", data, "jpg")
    assert (result.outcome, result.pages, result.reason, result.attached) == ("image", 1, None, False)
    assert result.pdf_path.resolve().is_relative_to((tmp_path / "work").resolve())
    assert sizes(result.pdf_path) == [A4_PORTRAIT]
    with pikepdf.open(result.pdf_path) as pdf:
        xobjects = pdf.pages[0].Resources.XObject
        (key,) = list(xobjects.keys())
        image = xobjects[key]
        assert image.Filter == pikepdf.Name.DCTDecode
        assert image.read_raw_bytes() == data
    assert data in result.pdf_path.read_bytes()


#: The image layout keeps a 1 cm border for the bundle's margin stamp.
BORDER = 10 * 72 / 25.4


def test_landscape_screenshot_without_dpi_gets_an_a4_landscape_page(tmp_path: Path) -> None:
    screenshot = Image.new("RGB", (1920, 1080), (240, 240, 240))
    screenshot.paste(noisy_image("RGB", (800, 200)), (100, 100))
    data = image_bytes(screenshot, "PNG")
    with Image.open(io.BytesIO(data)) as check:
        assert "dpi" not in check.info
    result = run(tmp_path, "tangkapan.png", data, "png")
    assert (result.outcome, result.pages) == ("image", 1)
    assert sizes(result.pdf_path) == [A4_LANDSCAPE]
    with pikepdf.open(result.pdf_path) as pdf:
        content = pdf.pages[0].Contents.read_bytes().split()
        width, height = float(content[content.index(b"cm") - 6]), float(content[content.index(b"cm") - 3])
    inner = A4_LANDSCAPE[0] - 2 * BORDER  # fitted to the page width inside the border, not 1920 pt
    assert width == pytest.approx(inner, abs=0.5)
    assert height == pytest.approx(inner * 1080 / 1920, abs=0.5)


def _orientation(value: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = value  # Orientation
    return exif


def test_png_orientation_is_found_from_its_chunk_headers() -> None:
    plain = image_bytes(noisy_image("RGB", (40, 30)), "PNG")
    assert not png_may_have_orientation(plain)
    assert png_may_have_orientation(image_bytes(noisy_image("RGB", (40, 30)), "PNG", exif=_orientation(6)))
    # ImageMagick's way: the EXIF block as hex in a text chunk.
    keyword = b"Raw profile type exif\0"
    chunk = struct.pack(">I", len(keyword) + 4) + b"tEXt" + keyword + b"exif" + b"\0\0\0\0"
    assert png_may_have_orientation(plain[:33] + chunk + plain[33:])
    assert png_may_have_orientation(plain[:40])  # cut short: cannot tell
    assert png_may_have_orientation(b"GIF89a")


def test_png_with_exif_orientation_is_turned(tmp_path: Path) -> None:
    image = noisy_image("RGB", (400, 300))
    upright = run(tmp_path, "datar.png", image_bytes(image, "PNG"), "png")
    turned = run(tmp_path, "putar.png", image_bytes(image, "PNG", exif=_orientation(6)), "png")
    with pikepdf.open(upright.pdf_path) as pdf:
        assert "/Rotate" not in pdf.pages[0]
    with pikepdf.open(turned.pdf_path) as pdf:
        assert pdf.pages[0].Rotate == 90


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: image_bytes(noisy_image("RGBA", (300, 400)), "PNG"), id="rgba"),
        pytest.param(lambda: image_bytes(noisy_image("LA", (300, 400)), "PNG"), id="la"),
        pytest.param(lambda: image_bytes(noisy_image("P", (300, 400)), "PNG", transparency=0), id="palette-trns"),
        pytest.param(lambda: image_bytes(noisy_image("RGB", (300, 400)), "PNG", interlace=1), id="interlaced"),
        pytest.param(lambda: image_bytes(Image.new("I;16", (300, 400), 4000), "PNG"), id="16-bit-grey"),
    ],
)
def test_awkward_pngs_are_converted_to_one_opaque_page(tmp_path: Path, make: object) -> None:
    data = make()  # type: ignore[operator]
    result = run(tmp_path, "gambar.png", data, "png")
    assert (result.outcome, result.pages, result.reason) == ("image", 1, None)
    assert sizes(result.pdf_path) == [A4_PORTRAIT]
    with pikepdf.open(result.pdf_path) as pdf:
        assert pdf.check_pdf_syntax() == []
        xobjects = pdf.pages[0].Resources.XObject
        assert all(
            "/SMask" not in xobject for xobject in xobjects.as_dict().values()
        )  # transparency flattened onto white


def test_rgba_png_is_flattened_onto_white(tmp_path: Path) -> None:
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 20, 20))
    result = run(tmp_path, "logo.png", image_bytes(image, "PNG"), "png")
    with pikepdf.open(result.pdf_path) as pdf:
        (stream,) = pdf.pages[0].Resources.XObject.as_dict().values()
        assert isinstance(stream, pikepdf.Stream)
        pixels = pikepdf.PdfImage(stream).as_pil_image().convert("RGB")
    assert pixels.getpixel((5, 5)) == (200, 0, 0)
    assert pixels.getpixel((35, 5)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("ext", "make"),
    [
        pytest.param("jpg", lambda: b"\xff\xd8\xff\xe0 ini bukan JPEG" * 10, id="garbage-jpeg"),
        pytest.param("jpg", lambda: image_bytes(noisy_image("RGB", (400, 300)), "JPEG")[:3000], id="truncated-jpeg"),
        pytest.param("png", lambda: image_bytes(noisy_image("RGB", (400, 300)), "PNG")[:-40], id="truncated-png"),
        pytest.param("png", lambda: b"", id="empty"),
    ],
)
def test_corrupt_image_fails(tmp_path: Path, ext: str, make: object) -> None:
    data = make()  # type: ignore[operator]
    result = run(tmp_path, f"rusak.{ext}", data, ext)
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith("berkas gambar rusak")
    assert result.attached is True
    assert attachment_of(result.pdf_path)[0] == data


# ------------------------------------------------------------------------------------------ integrity checks


def test_tampered_file_fails_and_is_never_included(tmp_path: Path) -> None:
    original = image_bytes(noisy_image("RGB", (200, 200)), "JPEG")
    tampered = bytearray(original)
    tampered[500] ^= 0xFF
    src, _ = store(tmp_path, "bukti.jpg", bytes(tampered))
    expected = hashlib.sha256(original).hexdigest()
    actual = hashlib.sha256(tampered).hexdigest()
    result = prepare(src, extension="jpg", expected_sha256=expected, original_name="bukti.jpg", title="Bukti",
                     workdir=tmp_path / "work")  # fmt: skip
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith("SHA-256 berkas tersimpan tidak cocok dengan catatan")
    assert expected[:12] in result.reason
    assert actual[:12] in result.reason
    assert result.attached is False
    assert not has_annotations(result.pdf_path)
    assert bytes(tampered[:2000]) not in result.pdf_path.read_bytes()


def test_missing_file_fails(tmp_path: Path) -> None:
    result = prepare(tmp_path / "tidak-ada.pdf", extension="pdf", expected_sha256="ab" * 32, original_name="a.pdf",
                     title="Bukti", workdir=tmp_path / "work")  # fmt: skip
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason == "berkas tersimpan tidak ditemukan"
    assert result.attached is False


# ------------------------------------------------------------------------------------- Office, video, others


def test_docx_without_soffice_is_a_placeholder_carrying_the_original(tmp_path: Path) -> None:
    data = docx_bytes()
    result = run(tmp_path, "Laporan (final) é.docx", data, "docx", soffice=None)
    assert_placeholder(result, "placeholder", tmp_path / "work")
    assert result.reason == (
        "LibreOffice (soffice) tidak terpasang di server; berkas asli dilampirkan di halaman ini dan tersedia di ZIP"
    )
    assert result.attached is True
    attached, filespec, problems = attachment_of(result.pdf_path)
    assert attached == data
    assert problems == []
    assert filespec["UF"] == "Laporan (final) é.docx"
    assert filespec["mime"] == "/application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_mp4_is_a_placeholder_with_the_video_attached(tmp_path: Path) -> None:
    data = mp4_bytes()
    result = run(tmp_path, "rekaman.mp4", data, "mp4")
    assert_placeholder(result, "placeholder", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith("Video tidak dapat dicetak ke PDF")
    assert result.attached is True
    assert attachment_of(result.pdf_path)[0] == data


def test_attach_max_bytes_is_honoured(tmp_path: Path) -> None:
    data = mp4_bytes(10_000)
    exact = run(tmp_path, "pas.mp4", data, "mp4", attach_max_bytes=len(data))
    assert exact.attached is True
    over = run(tmp_path, "besar.mp4", data, "mp4", attach_max_bytes=len(data) - 1)
    assert_placeholder(over, "placeholder", tmp_path / "work")
    assert over.attached is False
    assert over.reason is not None
    assert "melebihi batas lampiran" in over.reason
    assert not has_annotations(over.pdf_path)


def test_unusable_pdf_over_the_attachment_limit_is_not_attached(tmp_path: Path) -> None:
    data = pdf_bytes(1, encryption=pikepdf.Encryption(owner="o", user="u"))
    result = run(tmp_path, "rahasia.pdf", data, "pdf", attach_max_bytes=100)
    assert (result.outcome, result.attached) == ("failed", False)
    assert not has_annotations(result.pdf_path)


def fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "bin" / "soffice"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(script)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_soffice_timeout_kills_the_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "sleep.pid"
    soffice = fake_soffice(tmp_path, f'sleep 60 &\necho $! > "{pidfile}"\nwait\n')
    data = docx_bytes()
    start = time.monotonic()
    result = run(tmp_path, "lambat.docx", data, "docx", soffice=soffice, soffice_timeout=1.0)
    elapsed = time.monotonic() - start
    assert elapsed < 10
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason == (
        "konversi LibreOffice melebihi batas waktu 1 detik dan dihentikan; "
        "berkas asli dilampirkan di halaman ini dan tersedia di ZIP"
    )
    assert attachment_of(result.pdf_path)[0] == data
    deadline = time.monotonic() + 5
    pid = int(pidfile.read_text())
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid), "the grandchild (sleep) survived: the process group was not killed"


def test_soffice_error_fails_with_its_exit_code(tmp_path: Path) -> None:
    soffice = fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2\nexit 3\n')
    result = run(tmp_path, "rusak.xlsx", b"PK\x03\x04 bukan xlsx", "xlsx", soffice=soffice)
    assert_placeholder(result, "failed", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith(
        "konversi LibreOffice gagal (kode keluar 3): Error: source file could not be loaded"
    )
    assert result.attached is True


def test_soffice_without_output_fails(tmp_path: Path) -> None:
    result = run(tmp_path, "diam.odt", b"PK odt", "odt", soffice=fake_soffice(tmp_path, "exit 0\n"))
    assert result.outcome == "failed"
    assert result.reason is not None
    assert result.reason.startswith("konversi LibreOffice tidak menghasilkan PDF")


def test_office_conversion_with_a_fake_soffice(tmp_path: Path) -> None:
    ready = tmp_path / "siap.pdf"
    ready.write_bytes(pdf_bytes(2))
    argsfile = tmp_path / "args.txt"
    soffice = fake_soffice(
        tmp_path,
        f'printf "%s\\n" "$@" > "{argsfile}"\n'
        'prev=""; for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; last="$a"; done\n'
        'name=$(basename "$last")\n'
        f'cp "{ready}" "$out/${{name%.*}}.pdf"\n',
    )
    data = docx_bytes()
    result = run(tmp_path, "../../etc/Laporan; rm -rf.docx", data, "docx", soffice=soffice)
    assert (result.outcome, result.pages, result.reason, result.attached) == ("office", 2, None, False)
    work = (tmp_path / "work").resolve()
    assert result.pdf_path.resolve().is_relative_to(work)
    assert result.pdf_path.read_bytes() == ready.read_bytes()

    args = argsfile.read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["--headless", "--norestore", "--nolockcheck"]
    profile = args[3].removeprefix("-env:UserInstallation=file://")
    assert args[3].startswith("-env:UserInstallation=file:///")
    assert Path(profile).is_relative_to(work)
    assert not Path(profile).exists()  # the throwaway profile is removed afterwards
    assert args[4:6] == ["--convert-to", "pdf"]
    assert args[6] == "--outdir"
    assert Path(args[7]).is_relative_to(work)
    document = Path(args[8])
    assert document.is_relative_to(work)
    assert document.suffix == ".docx"
    assert ";" not in document.name
    assert ".." not in document.parts


def test_office_conversion_output_that_is_not_a_pdf_fails(tmp_path: Path) -> None:
    soffice = fake_soffice(
        tmp_path,
        'prev=""; for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; last="$a"; done\n'
        'name=$(basename "$last")\necho "bukan pdf" > "$out/${name%.*}.pdf"\n',
    )
    result = run(tmp_path, "a.pptx", b"PK pptx", "pptx", soffice=soffice)
    assert result.outcome == "failed"
    assert result.reason is not None
    assert result.reason.startswith("hasil konversi LibreOffice tidak dapat dipakai: berkas PDF rusak")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) tidak terpasang di mesin ini")
def test_real_libreoffice_converts_a_docx(tmp_path: Path) -> None:
    soffice = find_soffice(None)
    result = run(tmp_path, "laporan.docx", docx_bytes(), "docx", soffice=soffice, soffice_timeout=180)
    assert (result.outcome, result.reason, result.attached) == ("office", None, False)
    assert result.pages >= 1


def test_other_extensions_are_placeholders(tmp_path: Path) -> None:
    result = run(tmp_path, "data.csv", b"a;b\n1;2\n", "csv")
    assert_placeholder(result, "placeholder", tmp_path / "work")
    assert result.reason is not None
    assert result.reason.startswith("Berkas .csv tidak dapat dicetak ke PDF")
    assert attachment_of(result.pdf_path)[0] == b"a;b\n1;2\n"


def test_every_call_gets_its_own_output(tmp_path: Path) -> None:
    first = run(tmp_path, "a.mp4", mp4_bytes(), "mp4", title="Bukti A")
    second = run(tmp_path, "a.mp4", mp4_bytes(), "mp4", title="Bukti B")
    assert first.pdf_path != second.pdf_path
    assert first.pdf_path.is_file()
    assert second.pdf_path.is_file()


# -------------------------------------------------------------------------------------------- placeholder page


def shown_text(page: pikepdf.Page) -> list[bytes]:
    """The strings the page shows with Tj, in order (WinAnsi bytes)."""
    return [
        bytes(instruction.operands[0])
        for instruction in pikepdf.parse_content_stream(page, "Tj")
        if isinstance(instruction, pikepdf.ContentStreamInstruction)
    ]


def test_placeholder_page_text_is_escaped_and_winansi(tmp_path: Path) -> None:
    dest = tmp_path / "pengganti.pdf"
    pages = placeholder_pdf(dest, heading="Bukti (1) \\ uji", lines=["Nama: laporan (final).pdf", "Ω 漢字 café…"])
    assert pages == 1
    with pikepdf.open(dest) as pdf:
        assert pdf.check_pdf_syntax() == []
        (page,) = pdf.pages
        assert [float(x) for x in page.mediabox] == [0, 0, *A4]
        fonts = page.Resources.Font
        assert {str(font.BaseFont) for font in fonts.as_dict().values()} == {"/Helvetica", "/Helvetica-Bold"}
        assert all(font.Encoding == pikepdf.Name.WinAnsiEncoding for font in fonts.as_dict().values())
        content = page.Contents.read_bytes()
        shown = shown_text(page)
    assert b"(Bukti \\(1\\) \\\\ uji) Tj" in content
    assert b"Bukti (1) \\ uji" in shown
    assert b"Nama: laporan (final).pdf" in shown
    assert "? ?? café…".encode("cp1252") in shown
    assert b" re S" in content  # the bordered box


def test_placeholder_wraps_long_text_inside_the_page(tmp_path: Path) -> None:
    dest = tmp_path / "panjang.pdf"
    placeholder_pdf(dest, heading="Judul " * 40, lines=["kata " * 900, "x" * 700])
    with pikepdf.open(dest) as pdf:
        assert pdf.check_pdf_syntax() == []
        shown = shown_text(pdf.pages[0])
    assert len(shown) > 10
    assert max(len(line) for line in shown) < 110  # about 480 pt of Helvetica at 10.5 pt
    assert shown[-1].endswith(b"\x85")  # what does not fit is cut, with an ellipsis


def test_placeholder_attachment_travels_with_the_copied_page(tmp_path: Path) -> None:
    original = tmp_path / "rekaman.mp4"
    original.write_bytes(mp4_bytes(2048))
    dest = tmp_path / "pengganti.pdf"
    placeholder_pdf(dest, heading="Video", lines=["Video tidak dapat dicetak."], attachment=original,
                    attachment_name="rekaman rapat.mp4", attachment_mime="video/mp4")  # fmt: skip
    bundle = tmp_path / "bundel.pdf"
    with pikepdf.open(dest) as source, pikepdf.new() as target:
        target.add_blank_page()
        target.pages.extend(source.pages)
        target.save(bundle)
    with pikepdf.open(bundle) as pdf:
        assert pdf.check_pdf_syntax() == []
        (annot,) = pdf.pages[1].Annots
        assert annot.Subtype == pikepdf.Name.FileAttachment
        assert str(annot.FS.UF) == "rekaman rapat.mp4"
        assert str(annot.FS.F) == "rekaman rapat.mp4"
        assert annot.FS.EF.F.Subtype == pikepdf.Name("/video/mp4")
        assert annot.FS.EF.F.read_bytes() == original.read_bytes()


# ------------------------------------------------------------------------------------------------ find_soffice


def test_find_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "kosong"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert find_soffice("") is None
    assert find_soffice(None) is None
    assert find_soffice(str(tmp_path / "tidak-ada")) is None
    script = fake_soffice(tmp_path, "exit 0\n")
    assert find_soffice(script) == script
    not_executable = tmp_path / "bukan-program"
    not_executable.write_text("#!/bin/sh\n", encoding="utf-8")
    assert find_soffice(str(not_executable)) is None
    monkeypatch.setenv("PATH", str(Path(script).parent))
    assert find_soffice(None) == script
    assert find_soffice("") is None
    assert os.access(script, os.X_OK)


def test_truncated_images_stay_refused_after_weasyprint_is_imported(tmp_path: Path) -> None:
    """WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported; the report module turns it off
    again, so a truncated scan is still refused in the worker (which has imported WeasyPrint)."""
    import reports.layout  # noqa: F401 — the import is the point

    truncated = image_bytes(noisy_image("RGB", (400, 300)), "JPEG")[:3000]
    result = run(tmp_path, "terpotong.jpg", truncated, "jpg")
    assert result.outcome == "failed"
    assert result.reason is not None
    assert result.reason.startswith("berkas gambar rusak")


def test_validated_images_skip_the_repeated_damage_check(tmp_path: Path) -> None:
    """Library files passed upload validation (the same decode check); the export does not decode them again."""
    truncated = image_bytes(noisy_image("RGB", (400, 300)), "JPEG")[:3000]
    digest = hashlib.sha256(truncated).hexdigest()
    src = tmp_path / "stored.jpg"
    src.write_bytes(truncated)
    common = {"extension": "jpg", "expected_sha256": digest, "original_name": "a.jpg", "title": "A"}
    unchecked = prepare(src, workdir=tmp_path / "w1", **common)  # type: ignore[arg-type]
    assert unchecked.outcome == "failed"
    trusted = prepare(src, workdir=tmp_path / "w2", validated=True, **common)  # type: ignore[arg-type]
    assert trusted.outcome == "image"
