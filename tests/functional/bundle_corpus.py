"""A generated assessment whose evidence exercises every path of the bundle: PDFs (one with JavaScript and
automatic actions, one owner-password, one rotated), a JPEG scan, a PNG screenshot, a DOCX, a user-password PDF,
a corrupt file, a tampered stored file, a document linked to two indicators, and a link."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from flask import current_app
from PIL import Image
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, Assessment, Blob, DocType, Evidence, EvidenceKind, EvidenceVersion, Indicator, User
from assess.services import evidence as evidence_service
from assess.services.answers import save_level_answer
from assess.services.evidence import Metadata
from tests.functional.helpers import jpeg_bytes, pdf_bytes
from uploads import stage
from uploads.validation import Policy


def js_pdf(pages: int = 2) -> bytes:
    """A PDF that runs JavaScript when opened and when a page is shown."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(pages, "Dokumen dengan skrip")))
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
    pdf.Root.OpenAction = action
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=action)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def encrypted_pdf(*, user: str = "", owner: str = "pemilik") -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(2, "Dokumen terkunci")))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner=owner, user=user))
    return out.getvalue()


def rotated_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(1, "Halaman diputar")))
    pdf.pages[0].obj.Rotate = 90
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (1280, 720)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (240, 240, 250)).save(out, format="PNG")
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
            '+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Notulen rapat Tim SPBE</w:t></w:r></w:p></w:body>'
            "</w:document>",
        )
    return out.getvalue()


@dataclass
class Corpus:
    assessment: Assessment
    user: User
    documents: dict[str, Evidence] = field(default_factory=dict)
    #: Expected pages in the bundle per document key (placeholders count 1).
    pages: dict[str, int] = field(default_factory=dict)
    #: Expected outcome per document key.
    outcomes: dict[str, str] = field(default_factory=dict)
    #: The bytes uploaded per document key.
    raw: dict[str, bytes] = field(default_factory=dict)


def _answer(assessment: Assessment, code: str) -> Answer:
    answer = db.session.scalar(
        select(Answer)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .where(Answer.assessment_id == assessment.id, Indicator.code == code)
    )
    if answer is None:
        raise LookupError(code)
    return answer


def upload(corpus: Corpus, key: str, name: str, data: bytes, title: str) -> Evidence:
    evidence = evidence_service.upload(
        assessment=corpus.assessment,
        stream=io.BytesIO(data),
        filename=name,
        meta=Metadata(title=title, doc_type=DocType.LAPORAN),
        user=corpus.user,
        storage=current_app.extensions["storage"],
        policy=Policy(max_bytes=50 * 1024 * 1024),
    )
    corpus.documents[key] = evidence
    corpus.raw[key] = data
    return evidence


def store_unchecked(corpus: Corpus, key: str, name: str, data: bytes, extension: str, mime: str) -> Evidence:
    """A stored document that did not pass upload validation (as if the rules changed since it was stored)."""
    storage = current_app.extensions["storage"]
    staged = stage(io.BytesIO(data), storage.staging_dir(), max_bytes=len(data) + 1)
    storage_key = storage.put(staged)
    blob = Blob(sha256=staged.sha256, size=staged.size, mime=mime, extension=extension, storage_key=storage_key)
    db.session.add(blob)
    db.session.flush()
    evidence = Evidence(
        assessment_id=corpus.assessment.id,
        kind=EvidenceKind.FILE,
        title=f"Dokumen {key}",
        doc_type=DocType.LAINNYA,
        created_by_id=corpus.user.id,
    )
    db.session.add(evidence)
    db.session.flush()
    version = EvidenceVersion(evidence_id=evidence.id, number=1, blob_id=blob.id, original_name=name)
    db.session.add(version)
    db.session.flush()
    evidence.current_version_id = version.id
    db.session.flush()
    corpus.documents[key] = evidence
    return evidence


def link(corpus: Corpus, code: str, key: str, level: int) -> None:
    answer = _answer(corpus.assessment, code)
    evidence_service.link(
        answer=answer, evidence=corpus.documents[key], level=level, item=None, note="", user=corpus.user
    )


def answer(corpus: Corpus, code: str, level: int, text: str = "") -> None:
    row = _answer(corpus.assessment, code)
    save_level_answer(
        answer=row,
        expected_version=row.version,
        level=level,
        fakta=text or f"Fakta {code}: dokumen ditetapkan dan dipakai.",
        analisis=f"Analisis {code}: kriteria level {level} terpenuhi.",
        actor=corpus.user,
    )


def build(assessment: Assessment, user: User) -> Corpus:
    """Fill a spbe-2020 assessment with the mixed evidence described above (the caller commits)."""
    corpus = Corpus(assessment, user)
    for code, level in (("I1", 3), ("I2", 2), ("I3", 4), ("I4", 1), ("I5", 2)):
        answer(corpus, code, level)

    def add(key: str, pages: int, outcome: str, upload_args: tuple[str, bytes, str] | None = None) -> None:
        if upload_args is not None:
            upload(corpus, key, *upload_args)
        corpus.pages[key] = pages
        corpus.outcomes[key] = outcome

    add("perwali", 3, "pdf", ("perwali-spbe.pdf", pdf_bytes(3, "Peraturan Wali Kota"), "Perwali SPBE"))
    add("skrip", 2, "pdf", ("dokumen-skrip.pdf", js_pdf(2), "Dokumen berskrip"))
    add("pemilik", 2, "pdf", ("terkunci-pemilik.pdf", encrypted_pdf(), "Laporan dengan sandi pemilik"))
    add("putar", 1, "pdf", ("diputar.pdf", rotated_pdf(), "Denah diputar"))
    add("pindaian", 1, "image", ("sk-tim.jpg", jpeg_bytes((1240, 1754)), "SK Tim (pindaian)"))
    add("layar", 1, "image", ("tangkapan.png", png_bytes(), "Tangkapan layar portal"))
    add("notulen", 1, "placeholder", ("notulen.docx", docx_bytes(), "Notulen rapat"))
    store_unchecked(corpus, "sandi", "sandi-pengguna.pdf", encrypted_pdf(user="rahasia"), "pdf", "application/pdf")
    add("sandi", 1, "failed")
    store_unchecked(corpus, "rusak", "rusak.pdf", b"%PDF-1.7\nbukan pdf yang utuh\n%%EOF\n", "pdf", "application/pdf")
    add("rusak", 1, "failed")
    # Unique bytes: the stored file is changed on disk, and storage is shared by every test of the run.
    unique = pdf_bytes(2, f"Akan diubah di penyimpanan {uuid.uuid4().hex}")
    add("diubah", 1, "failed", ("diubah.pdf", unique, "Dokumen yang diubah"))

    link(corpus, "I1", "perwali", 3)
    link(corpus, "I1", "pindaian", 2)
    link(corpus, "I2", "skrip", 2)
    link(corpus, "I2", "perwali", 2)  # the same document under a second indicator: printed once
    link(corpus, "I3", "pemilik", 4)
    link(corpus, "I3", "putar", 3)
    link(corpus, "I3", "layar", 3)
    link(corpus, "I4", "notulen", 1)
    link(corpus, "I4", "sandi", 1)
    link(corpus, "I5", "rusak", 2)
    link(corpus, "I5", "diubah", 2)

    evidence_service.add_link(
        assessment=assessment,
        url="https://satudata.contoh.go.id",
        meta=Metadata(title="Portal Satu Data", doc_type=DocType.TANGKAPAN_LAYAR),
        access_note=None,
        user=user,
    )
    corpus.documents["tautan"] = db.session.scalars(
        select(Evidence).where(Evidence.assessment_id == assessment.id, Evidence.url.is_not(None))
    ).one()
    link(corpus, "I5", "tautan", 2)
    db.session.flush()
    return corpus


def tamper(corpus: Corpus, key: str = "diubah") -> None:
    """Change the stored bytes of a document behind the library's back (its recorded SHA-256 no longer matches)."""
    evidence = corpus.documents[key]
    version = evidence.current_version
    if version is None:
        raise LookupError(key)
    from tests.s3 import overwrite_blob, read_blob

    storage = current_app.extensions["storage"]
    key = version.blob.storage_key
    local = storage.local_path(key)
    if local is not None:
        local.chmod(0o644)
    data = bytearray(read_blob(storage, key))
    data[len(data) // 2] ^= 0x01
    overwrite_blob(storage, key, bytes(data))


def expected_evidence_pages(corpus: Corpus) -> int:
    return sum(corpus.pages.values())


__all__: list[Any] = ["Corpus", "build", "expected_evidence_pages", "tamper"]
