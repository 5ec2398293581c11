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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from assess import display
from assess.extensions import db
from assess.instruments import Indicator as EngineIndicator
from assess.instruments import Instrument as EngineInstrument
from assess.models import (
    Answer,
    AnswerEvidence,
    AnswerItem,
    AssessmentState,
    Comment,
    Evidence,
    EvidenceItem,
    EvidenceKind,
    EvidenceVersion,
    Indicator,
    Unit,
)
from assess.queries import DomainGroup, Projection, claimed_values, load_assessment, overview
from assess.queries.engine import engine_instrument, graded_answer_value
from assess.scoring import Score, score
from assess.services.planning import Bars, Radar, bar_values, bars, radar
from forms.evidence import DOC_TYPE_LABELS

#: The language of the report.
LOCALE = "id"
#: Where an indicator's value comes from, in the order of preference.
VALUE_SOURCES = ("final", "reviewer", "claimed")
#: The report's bar chart: as wide as the page's text (172 mm at 96 px per inch), its rows in columns so that it
#: shares a page with the radar.
BARS_WIDTH = 640
BARS_PER_COLUMN = 24


def report_bars(rows: Sequence[tuple[str, Fraction | None]], scale_max: int) -> Bars:
    """The report's bar chart of (code, value) rows: as few columns as hold them at :data:`BARS_PER_COLUMN` a
    column, at most 3."""
    return bars(rows, scale_max, width=BARS_WIDTH, columns=min(3, max(1, -(-len(rows) // BARS_PER_COLUMN))))


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
class ButirDocument:
    """A document linked to a butir: a file (printed when the bundle could print it) or a link (``url``)."""

    evidence_id: int
    title: str
    number: str | None
    url: str | None = None


@dataclass(frozen=True)
class Butir:
    """A fulfilled butir of the assessment with its note, its PIC unit and its documents in link order."""

    code: str
    indicator: str
    note: str
    unit: str | None
    documents: tuple[ButirDocument, ...]


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
    #: What the indicator measures ("" when the instrument has no descriptions, as SPBE 2020).
    description: str
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
    bars: Bars
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
    by_answer = _links_by_answer(assessment.id)
    counts = _comment_counts(assessment.id) if include_review else Counter[tuple[int, bool]]()
    home: dict[int, tuple[str, int]] = {}
    sections = []
    for code in inst.indicators:
        answer = answers[code]
        entries = _evidence_entries(code, by_answer.get(answer.id, []), home)
        review = _review(inst, answer, counts) if include_review else None
        sections.append(_section(inst, code, answer, values[code], sources[code], entries, review))
    signed = _signed_documents(assessment.signed_minutes_id, assessment.signed_consent_id)
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
        signed_minutes=_signed_entry(signed, assessment.signed_minutes_id, "BA"),
        signed_consent=_signed_entry(signed, assessment.signed_consent_id, "PP"),
        score=s,
        groups=overview(assessment, Projection(inst, s)),
        radar=radar([(a.name, a.value) for a in s.aspects.values()], inst.scale_max),
        bars=report_bars(bar_values(inst, s), inst.scale_max),
        sections=tuple(sections),
        include_review=include_review,
    )


def collect_butir(assessment_id: int) -> tuple[Butir, ...]:
    """The assessment's fulfilled butir in the instrument's order, each with its note, its PIC unit (the butir's,
    else the indicator's) and the documents not deleted linked to it, in link order (two queries)."""
    marks = db.session.execute(
        select(AnswerItem, Unit.name)
        .join(Answer, Answer.id == AnswerItem.answer_id)
        .outerjoin(Unit, Unit.id == Answer.assignee_unit_id)
        .join(EvidenceItem, EvidenceItem.id == AnswerItem.item_id)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .where(Answer.assessment_id == assessment_id, AnswerItem.fulfilled.is_(True))
        .options(
            joinedload(AnswerItem.item).joinedload(EvidenceItem.indicator),
            joinedload(AnswerItem.assignee_unit),
        )
        .order_by(Indicator.position, EvidenceItem.level, EvidenceItem.nn)
    ).all()
    if not marks:
        return ()
    links = db.session.scalars(
        select(AnswerEvidence)
        .join(Answer, Answer.id == AnswerEvidence.answer_id)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(
            Answer.assessment_id == assessment_id,
            AnswerEvidence.item_id.is_not(None),
            Evidence.deleted_at.is_(None),
        )
        .options(joinedload(AnswerEvidence.evidence))
        .order_by(AnswerEvidence.id)
    ).all()
    documents: dict[tuple[int, int | None], list[ButirDocument]] = {}
    for link in links:
        ev = link.evidence
        documents.setdefault((link.answer_id, link.item_id), []).append(
            ButirDocument(ev.id, ev.title, ev.number, ev.url if ev.kind == EvidenceKind.LINK else None)
        )
    butir = []
    for mark, indicator_unit in marks:
        unit = mark.assignee_unit.name if mark.assignee_unit else indicator_unit
        butir.append(
            Butir(
                code=mark.item.code,
                indicator=mark.item.indicator.code,
                note=mark.note,
                unit=unit,
                documents=tuple(documents.get((mark.answer_id, mark.item_id), ())),
            )
        )
    return tuple(butir)


def shown(inst: EngineInstrument, value: Fraction | None) -> str:
    """An indicator's value as the report prints it (levels whole, graded values with two decimals, Indonesian)."""
    return display.indicator_value(value, inst.value_type, locale=LOCALE)


def _links_by_answer(assessment_id: int) -> dict[int, list[AnswerEvidence]]:
    """The assessment's links from answers to documents not deleted, per answer (one query)."""
    links = db.session.scalars(
        select(AnswerEvidence)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(Evidence.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
        .options(
            joinedload(AnswerEvidence.item),
            joinedload(AnswerEvidence.evidence).joinedload(Evidence.current_version).joinedload(EvidenceVersion.blob),
        )
        .order_by(AnswerEvidence.id)
    ).all()
    by_answer: dict[int, list[AnswerEvidence]] = {}
    for link in links:
        by_answer.setdefault(link.answer_id, []).append(link)
    return by_answer


def _comment_counts(assessment_id: int) -> Counter[tuple[int, bool]]:
    """How many comment threads each answer has, by (answer id, still open) (one query)."""
    counts: Counter[tuple[int, bool]] = Counter()
    rows = db.session.execute(
        select(Comment.answer_id, Comment.resolved_at.is_(None), func.count())
        .where(Comment.assessment_id == assessment_id, Comment.answer_id.is_not(None), Comment.parent_id.is_(None))
        .group_by(Comment.answer_id, Comment.resolved_at.is_(None))
    ).all()
    for answer_id, open_, count in rows:
        if answer_id is not None:
            counts[(answer_id, bool(open_))] = int(count)
    return counts


def _signed_documents(*evidence_ids: int | None) -> dict[int, Evidence]:
    """The signed scans chosen for the Berita Acara and the Pernyataan, if any (one query when there are)."""
    ids = [i for i in evidence_ids if i is not None]
    if not ids:
        return {}
    return {
        e.id: e
        for e in db.session.scalars(
            select(Evidence)
            .where(Evidence.id.in_(ids), Evidence.deleted_at.is_(None))
            .options(joinedload(Evidence.current_version).joinedload(EvidenceVersion.blob))
        )
    }


def evidence_entry(
    *,
    evidence_id: int,
    title: str,
    doc_type: str,
    number: str | None,
    doc_date: date | None,
    kind: str,
    indicator: str,
    lampiran: int,
    portal_stem: str,
    url: str | None = None,
    level: int | None = None,
    item_code: str | None = None,
    note: str = "",
    file: StoredFile | None = None,
    home: tuple[str, int] | None = None,
) -> EvidenceEntry:
    """A document as the report lists it: under an indicator as its ``lampiran``, or as a signed scan (``BA`` or
    ``PP``, lampiran 0). ``home`` is where a file listed again is printed (by default here)."""
    home_indicator, home_lampiran = home or (indicator, lampiran)
    return EvidenceEntry(
        evidence_id=evidence_id,
        indicator=indicator,
        lampiran=lampiran,
        title=title,
        doc_type=doc_type,
        number=number,
        doc_date=doc_date,
        kind=kind,
        url=url,
        level=level,
        item_code=item_code,
        note=note,
        file=file,
        home_indicator=home_indicator,
        home_lampiran=home_lampiran,
        portal_stem=portal_stem,
    )


def _evidence_entries(
    code: str, links: list[AnswerEvidence], home: dict[int, tuple[str, int]]
) -> tuple[EvidenceEntry, ...]:
    """An indicator's documents in level and butir order, each once, numbered as lampiran; a file is printed under
    the first indicator listing it (``home``, filled in as the indicators come)."""
    ordered = sorted(
        links,
        key=lambda link: (
            link.item.level if link.item else (link.level or 0),
            link.item.nn if link.item else 0,
            link.id,
        ),
    )
    entries: list[EvidenceEntry] = []
    stems: Counter[str] = Counter()
    per_level: Counter[int] = Counter()
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
            evidence_entry(
                evidence_id=ev.id,
                title=ev.title,
                doc_type=str(DOC_TYPE_LABELS[ev.doc_type]),
                number=ev.number,
                doc_date=ev.doc_date,
                kind=ev.kind.value,
                indicator=code,
                lampiran=lampiran,
                portal_stem=stem,
                url=ev.url if ev.kind == EvidenceKind.LINK else None,
                level=level,
                item_code=link.item.code if link.item else None,
                note=link.note,
                file=stored,
                home=home.get(ev.id),
            )
        )
    return tuple(entries)


def _review(inst: EngineInstrument, answer: Answer, counts: Counter[tuple[int, bool]]) -> ReviewSummary:
    return review_summary(
        inst,
        claimed=_claimed(inst, answer),
        reviewer=None if answer.reviewer_value is None else Fraction(answer.reviewer_value),
        final=None if answer.final_value is None else Fraction(answer.final_value),
        reviewer_note=answer.reviewer_note,
        final_reason=answer.final_reason,
        open_comments=counts[(answer.id, True)],
        resolved_comments=counts[(answer.id, False)],
    )


def review_summary(
    inst: EngineInstrument,
    *,
    claimed: Fraction | None,
    reviewer: Fraction | None,
    final: Fraction | None,
    reviewer_note: str,
    final_reason: str,
    open_comments: int,
    resolved_comments: int,
) -> ReviewSummary:
    """An indicator's review as the report prints it, its values shown as everywhere (:func:`shown`)."""
    return ReviewSummary(
        claimed_display=shown(inst, claimed),
        reviewer_display=shown(inst, reviewer),
        final_display=shown(inst, final),
        reviewer_note=reviewer_note,
        final_reason=final_reason,
        open_comments=open_comments,
        resolved_comments=resolved_comments,
    )


def _section(
    inst: EngineInstrument,
    code: str,
    answer: Answer,
    value: Fraction | None,
    source: str | None,
    entries: tuple[EvidenceEntry, ...],
    review: ReviewSummary | None,
) -> IndicatorSection:
    return indicator_section(
        inst,
        inst.indicators[code],
        code=code,
        value=value,
        source=source,
        fakta=answer.fakta,
        analisis=answer.analisis,
        marks={m.item.code: m.fulfilled for m in answer.items},
        evidence=entries,
        review=review,
    )


def indicator_section(
    inst: EngineInstrument,
    ind: EngineIndicator,
    *,
    code: str,
    value: Fraction | None,
    source: str | None,
    fakta: str,
    analisis: str,
    marks: Mapping[str, bool],
    evidence: tuple[EvidenceEntry, ...],
    review: ReviewSummary | None,
) -> IndicatorSection:
    """One indicator of the report (``ind`` printed as ``code``): its value and level, the butir with the marks
    given (by butir code), its documents and its review."""
    level_no = int(value) if value is not None and value >= 1 else None
    level_name = criteria = None
    if level_no is not None:
        level_no = min(level_no, inst.scale_max)
        level_name = inst.level_scales[ind.scale].level(level_no).name
        criteria = ind.levels[level_no - 1].criteria
    items = tuple(
        ItemMark(item.code, item.level, item.text, marks.get(item.code, False))
        for lvl in ind.levels
        for item in lvl.items
    )
    aspect = inst.aspects[ind.aspect]
    domain = inst.domains[aspect.domain] if aspect.domain else None
    return IndicatorSection(
        code=code,
        asesor_code=ind.asesor_code,
        name=ind.name,
        aspect_code=aspect.code,
        aspect_name=aspect.name,
        domain_code=domain.code if domain else None,
        domain_name=domain.name if domain else None,
        weight=ind.weight,
        value=value,
        value_display=shown(inst, value),
        value_source=source,
        level=level_no,
        level_name=level_name,
        criteria=criteria,
        description=ind.description,
        fakta=fakta,
        analisis=analisis,
        items=items,
        evidence=evidence,
        review=review,
    )


def _signed_entry(signed: dict[int, Evidence], evidence_id: int | None, label: str) -> EvidenceEntry | None:
    """A signed scan printed in place of a generated page (``BA`` or ``PP``), if it is a stored file."""
    ev = signed.get(evidence_id) if evidence_id is not None else None
    stored = _stored(ev) if ev is not None else None
    if ev is None or stored is None:
        return None
    return evidence_entry(
        evidence_id=ev.id,
        title=ev.title,
        doc_type=str(DOC_TYPE_LABELS[ev.doc_type]),
        number=ev.number,
        doc_date=ev.doc_date,
        kind=ev.kind.value,
        indicator=label,
        lampiran=0,
        portal_stem=f"{label}_{slug(ev.title)}",
        file=stored,
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
    "Butir",
    "ButirDocument",
    "EvidenceEntry",
    "IndicatorSection",
    "ItemMark",
    "ReportData",
    "ReviewSummary",
    "Signatory",
    "StoredFile",
    "collect",
    "collect_butir",
    "evidence_entry",
    "indicator_section",
    "review_summary",
    "shown",
    "slug",
]
