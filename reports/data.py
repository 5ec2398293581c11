"""What the report and the bundle are made of, read from the database once into frozen dataclasses.

:func:`collect` issues a fixed number of queries whatever the number of indicators, links and comments; the
rendering (:mod:`reports.render`), the bundle (:mod:`reports.bundle`) and the ZIP work from the result only.

Values: the report shows, per indicator, the koordinator's final value; where there is none yet (a draft
export before the assessment is final) the reviewer's value, else the claimed one, and says which.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from assess.extensions import db
from assess.instruments import Instrument as EngineInstrument
from assess.models import (
    Answer,
    AnswerEvidence,
    AssessmentState,
    Comment,
    Evidence,
    EvidenceKind,
    EvidenceVersion,
)
from assess.queries import DomainGroup, Projection, claimed_values, load_assessment, overview
from assess.scoring import Score, score
from assess.services.answers import graded_answer_value
from assess.services.instruments import engine_instrument
from assess.services.planning import Radar, bar_rows, radar, value_display
from forms.evidence import DOC_TYPE_LABELS

#: Where an indicator's value comes from, in the order of preference.
VALUE_SOURCES = ("final", "reviewer", "claimed")


@dataclass(frozen=True)
class StoredFile:
    """The stored bytes of a document's current version."""

    sha256: str
    size: int
    extension: str
    mime: str
    storage_key: str
    original_name: str
    pages: int | None
    #: qpdf's full check of a PDF: whether it ran (after the upload, or in an earlier export), and what it found.
    checked: bool = False
    check_problem: str | None = None


@dataclass(frozen=True)
class EvidenceEntry:
    """One document as listed under one indicator.

    ``lampiran`` numbers the indicator's entries 1…n. A document linked to several indicators is printed once,
    under the first indicator that lists it (``home_indicator``/``home_lampiran``); the other entries refer to it.
    """

    evidence_id: int
    indicator: str
    lampiran: int
    title: str
    doc_type: str
    number: str | None
    doc_date: date | None
    kind: str  # "file" or "link"
    url: str | None
    level: int | None
    item_code: str | None
    note: str
    file: StoredFile | None
    home_indicator: str
    home_lampiran: int
    #: Name inside the indicator's ZIP folder (``I12_L3_01_Perwali-SPBE.pdf``; the extension is set by the ZIP).
    portal_stem: str

    @property
    def is_home(self) -> bool:
        return self.home_indicator == self.indicator and self.home_lampiran == self.lampiran

    @property
    def sha_short(self) -> str | None:
        return self.file.sha256[:12] if self.file else None


@dataclass(frozen=True)
class ItemMark:
    code: str
    level: int
    text: str
    fulfilled: bool


@dataclass(frozen=True)
class ReviewSummary:
    claimed_display: str
    reviewer_display: str
    final_display: str
    reviewer_note: str
    final_reason: str
    open_comments: int
    resolved_comments: int


@dataclass(frozen=True)
class IndicatorSection:
    code: str
    asesor_code: str | None
    name: str
    aspect_code: str
    aspect_name: str
    domain_code: str | None
    domain_name: str | None
    weight: Fraction
    value: Fraction | None
    value_display: str
    value_source: str | None  # one of VALUE_SOURCES, None when unanswered
    level: int | None
    level_name: str | None
    criteria: str | None
    fakta: str
    analisis: str
    items: tuple[ItemMark, ...]
    evidence: tuple[EvidenceEntry, ...]
    review: ReviewSummary | None

    @property
    def anchor(self) -> str:
        return f"ind-{self.code}"


@dataclass(frozen=True)
class Signatory:
    name: str
    position: str
    nip: str
    place: str


@dataclass(frozen=True)
class ReportData:
    assessment_id: int
    year: int
    state: str
    draft: bool
    instansi_name: str
    instansi_kind: str
    logo_key: str | None
    logo_mime: str | None
    instrument_code: str
    instrument_title: str
    regulation: str
    provisional: bool
    provisional_note: str | None
    value_type: str
    scale_max: int
    generated_at: datetime
    signatory: Signatory
    #: Signed scans printed in place of the generated Berita Acara / Pernyataan pages (documents from the library).
    signed_minutes: EvidenceEntry | None
    signed_consent: EvidenceEntry | None
    score: Score
    groups: tuple[DomainGroup, ...]
    radar: Radar
    bars: tuple[tuple[str, float, str], ...]
    sections: tuple[IndicatorSection, ...]
    include_review: bool

    @property
    def title(self) -> str:
        return f"Laporan Penilaian Mandiri {self.instrument_title} {self.year} — {self.instansi_name}"

    def files_in_order(self) -> list[EvidenceEntry]:
        """Every printed document once, in indicator order: what the bundle appends after the report."""
        return [e for s in self.sections for e in s.evidence if e.file is not None and e.is_home]


def slug(text: str, limit: int = 60) -> str:
    """A portal- and file-system-friendly form of a title: ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")
    return cleaned[:limit].rstrip("-") or "dokumen"


def _report_values(
    inst: EngineInstrument, claimed: dict[str, Fraction | None], answers: dict[str, Answer]
) -> tuple[dict[str, Fraction | None], dict[str, str | None]]:
    values: dict[str, Fraction | None] = {}
    sources: dict[str, str | None] = {}
    for code in inst.indicators:
        answer = answers[code]
        chosen: tuple[Fraction | None, str | None] = (None, None)
        for source in VALUE_SOURCES:
            if source == "claimed":
                raw: Fraction | None = claimed.get(code)
            else:
                stored = getattr(answer, f"{source}_value")
                raw = None if stored is None else Fraction(stored)
            if raw is not None:
                chosen = (raw, source)
                break
        values[code], sources[code] = chosen
    return values, sources


def collect(assessment_id: int, *, include_review: bool = False, generated_at: datetime) -> ReportData:
    """Everything the report and the bundle need, in five or six queries whatever the size of the assessment."""
    assessment = load_assessment(assessment_id)
    if assessment is None:
        raise LookupError(f"penilaian {assessment_id} tidak ditemukan")
    inst = engine_instrument(assessment.instrument)
    answers = {a.indicator.code: a for a in assessment.answers}
    values, sources = _report_values(inst, claimed_values(inst, assessment), answers)
    s = score(inst, values, assessment.predikat_basis.value)

    links = db.session.scalars(
        select(AnswerEvidence)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(Evidence.assessment_id == assessment.id, Evidence.deleted_at.is_(None))
        .options(
            joinedload(AnswerEvidence.item),
            joinedload(AnswerEvidence.evidence).joinedload(Evidence.current_version).joinedload(EvidenceVersion.blob),
        )
        .order_by(AnswerEvidence.id)
    ).all()
    by_answer: dict[int, list[AnswerEvidence]] = {}
    for link in links:
        by_answer.setdefault(link.answer_id, []).append(link)

    comment_counts: Counter[tuple[int, bool]] = Counter()
    if include_review:
        rows = db.session.execute(
            select(Comment.answer_id, Comment.resolved_at.is_(None), func.count())
            .where(Comment.assessment_id == assessment.id, Comment.answer_id.is_not(None), Comment.parent_id.is_(None))
            .group_by(Comment.answer_id, Comment.resolved_at.is_(None))
        ).all()
        for answer_id, open_, count in rows:
            if answer_id is not None:
                comment_counts[(answer_id, bool(open_))] = int(count)

    signed_ids = [i for i in (assessment.signed_minutes_id, assessment.signed_consent_id) if i is not None]
    signed: dict[int, Evidence] = {}
    if signed_ids:
        signed = {
            e.id: e
            for e in db.session.scalars(
                select(Evidence)
                .where(Evidence.id.in_(signed_ids), Evidence.deleted_at.is_(None))
                .options(joinedload(Evidence.current_version).joinedload(EvidenceVersion.blob))
            )
        }

    home: dict[int, tuple[str, int]] = {}
    sections = []
    for code, ind in inst.indicators.items():
        answer = answers[code]
        entries: list[EvidenceEntry] = []
        stems: Counter[str] = Counter()
        per_level: Counter[int] = Counter()
        ordered = sorted(
            by_answer.get(answer.id, []),
            key=lambda link: (
                link.item.level if link.item else (link.level or 0),
                link.item.nn if link.item else 0,
                link.id,
            ),
        )
        seen: set[int] = set()
        for link in ordered:
            if link.evidence_id in seen:  # linked to two butir of one indicator: listed once
                continue
            seen.add(link.evidence_id)
            ev = link.evidence
            lampiran = len(entries) + 1
            stored = _stored(ev)
            if stored is not None:
                home.setdefault(ev.id, (code, lampiran))
            home_code, home_lampiran = home.get(ev.id, (code, lampiran))
            level = link.item.level if link.item else link.level
            if link.item:
                nn = link.item.nn
            else:
                per_level[level or 0] += 1
                nn = per_level[level or 0]
            stem = f"{code}_L{level or 0}_{nn:02d}_{slug(ev.title)}"
            stems[stem] += 1
            if stems[stem] > 1:
                stem = f"{stem}-{stems[stem]}"
            entries.append(
                EvidenceEntry(
                    evidence_id=ev.id,
                    indicator=code,
                    lampiran=lampiran,
                    title=ev.title,
                    doc_type=str(DOC_TYPE_LABELS[ev.doc_type]),
                    number=ev.number,
                    doc_date=ev.doc_date,
                    kind=ev.kind.value,
                    url=ev.url if ev.kind == EvidenceKind.LINK else None,
                    level=level,
                    item_code=link.item.code if link.item else None,
                    note=link.note,
                    file=stored,
                    home_indicator=home_code,
                    home_lampiran=home_lampiran,
                    portal_stem=stem,
                )
            )
        value = values[code]
        level_no = int(value) if value is not None and value >= 1 else None
        level_name = criteria = None
        if level_no is not None:
            level_no = min(level_no, inst.scale_max)
            level_name = inst.level_scales[ind.scale].level(level_no).name
            criteria = ind.levels[level_no - 1].criteria
        marks = {m.item.code: m.fulfilled for m in answer.items}
        items = tuple(
            ItemMark(item.code, item.level, item.text, marks.get(item.code, False))
            for lvl in ind.levels
            for item in lvl.items
        )
        review = None
        if include_review:
            review = ReviewSummary(
                claimed_display=value_display(inst, _claimed(inst, answer)),
                reviewer_display=value_display(
                    inst, None if answer.reviewer_value is None else Fraction(answer.reviewer_value)
                ),
                final_display=value_display(inst, None if answer.final_value is None else Fraction(answer.final_value)),
                reviewer_note=answer.reviewer_note,
                final_reason=answer.final_reason,
                open_comments=comment_counts[(answer.id, True)],
                resolved_comments=comment_counts[(answer.id, False)],
            )
        aspect = inst.aspects[ind.aspect]
        domain = inst.domains[aspect.domain] if aspect.domain else None
        sections.append(
            IndicatorSection(
                code=code,
                asesor_code=ind.asesor_code,
                name=ind.name,
                aspect_code=aspect.code,
                aspect_name=aspect.name,
                domain_code=domain.code if domain else None,
                domain_name=domain.name if domain else None,
                weight=ind.weight,
                value=value,
                value_display=value_display(inst, value),
                value_source=sources[code],
                level=level_no,
                level_name=level_name,
                criteria=criteria,
                fakta=answer.fakta,
                analisis=answer.analisis,
                items=items,
                evidence=tuple(entries),
                review=review,
            )
        )

    def signed_entry(evidence_id: int | None, label: str) -> EvidenceEntry | None:
        ev = signed.get(evidence_id) if evidence_id is not None else None
        stored = _stored(ev) if ev is not None else None
        if ev is None or stored is None:
            return None
        return EvidenceEntry(
            evidence_id=ev.id,
            indicator=label,
            lampiran=0,
            title=ev.title,
            doc_type=str(DOC_TYPE_LABELS[ev.doc_type]),
            number=ev.number,
            doc_date=ev.doc_date,
            kind=ev.kind.value,
            url=None,
            level=None,
            item_code=None,
            note="",
            file=stored,
            home_indicator=label,
            home_lampiran=0,
            portal_stem=f"{label}_{slug(ev.title)}",
        )

    instansi = assessment.instansi
    instrument = assessment.instrument
    return ReportData(
        assessment_id=assessment.id,
        year=assessment.year,
        state=assessment.state.value,
        draft=assessment.state != AssessmentState.FINAL,
        instansi_name=instansi.name,
        instansi_kind=instansi.kind.value,
        logo_key=instansi.logo_key,
        logo_mime=instansi.logo_mime,
        instrument_code=instrument.code,
        instrument_title=instrument.title,
        regulation=instrument.regulation,
        provisional=instrument.provisional,
        provisional_note=instrument.provisional_note,
        value_type=inst.value_type,
        scale_max=inst.scale_max,
        generated_at=generated_at,
        signatory=Signatory(
            assessment.signatory_name,
            assessment.signatory_position,
            assessment.signatory_nip,
            assessment.signing_place,
        ),
        signed_minutes=signed_entry(assessment.signed_minutes_id, "BA"),
        signed_consent=signed_entry(assessment.signed_consent_id, "PP"),
        score=s,
        groups=overview(assessment, Projection(inst, s)),
        radar=radar([(a.name, a.value) for a in s.aspects.values()], inst.scale_max),
        bars=tuple(bar_rows(inst, s)),
        sections=tuple(sections),
        include_review=include_review,
    )


def _claimed(inst: EngineInstrument, answer: Answer) -> Fraction | None:
    """The claimed value of one answer (exact for graded instruments)."""
    if inst.value_type == "graded":
        return graded_answer_value(inst, answer)
    return None if answer.claimed_value is None else Fraction(answer.claimed_value)


def _stored(ev: Evidence) -> StoredFile | None:
    version = ev.current_version
    if ev.kind != EvidenceKind.FILE or version is None:
        return None
    blob = version.blob
    return StoredFile(
        sha256=blob.sha256,
        size=blob.size,
        extension=blob.extension,
        mime=blob.mime,
        storage_key=blob.storage_key,
        original_name=version.original_name,
        pages=blob.pages,
        checked=blob.checked_at is not None,
        check_problem=blob.check_problem,
    )


__all__ = [
    "EvidenceEntry",
    "IndicatorSection",
    "ItemMark",
    "ReportData",
    "ReviewSummary",
    "Signatory",
    "StoredFile",
    "collect",
    "slug",
]
