"""The interview pack ("paket wawancara", Pemdi): one short PDF per indicator for the people the asesor will
interview, with the claimed and verified value, each butir with its counted verdict and note, the documents linked
to it, the PIC and the penjelasan in brief.

Read from the database once (:func:`collect`, a fixed number of queries whatever the number of indicators), laid out
with the report's stylesheet and WeasyPrint (:mod:`reports.layout`), in Bahasa Indonesia like the report.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assess import display
from assess.extensions import db
from assess.models import AnswerEvidence, Assessment, ButirVerdict, Evidence, Unit, User, Verdict
from assess.queries import claimed_values, load_assessment
from assess.queries.engine import engine_instrument
from assess.queries.verdicts import correction_deadline, current_verdicts, verified
from forms.evidence import DOC_TYPE_LABELS
from reports.layout import Job, render_all, render_part
from reports.render import LOCALE, breakable, long_date, paragraphs

TEMPLATE = "reports/interview.html"
#: The penjelasan is printed in brief: each of FAKTA and ANALISIS cut after about this many characters.
BRIEF = 700
VERDICT_LABELS = {Verdict.DITERIMA: "Diterima", Verdict.REVISI: "Revisi", Verdict.DITOLAK: "Ditolak"}


@dataclass(frozen=True)
class PackDocument:
    title: str
    doc_type: str
    number: str | None
    doc_date: date | None
    url: str | None


@dataclass(frozen=True)
class PackButir:
    code: str
    level: int
    text: str
    fulfilled: bool
    #: The instansi's own note on the butir (catatan mandiri).
    note: str
    pic: str | None
    verdict: str | None
    verdict_note: str
    #: For a revisi: whether the unit marked it corrected, and what it changed.
    corrected: bool
    correction_note: str
    documents: tuple[PackDocument, ...]


@dataclass(frozen=True)
class PackIndicator:
    code: str
    asesor_code: str | None
    name: str
    claimed_display: str
    #: ``None`` until the asesor has judged a butir of the assessment.
    verified_display: str | None
    pic_unit: str | None
    pic_person: str | None
    fakta: str
    analisis: str
    butir: tuple[PackButir, ...]
    #: Documents linked to the indicator but to none of its butir.
    other_documents: tuple[PackDocument, ...]

    @property
    def file_name(self) -> str:
        return f"{self.code}.pdf"


@dataclass(frozen=True)
class InterviewPack:
    assessment_id: int
    instansi_name: str
    instrument_title: str
    year: int
    generated_at: datetime
    correction_deadline: date | None
    indicators: tuple[PackIndicator, ...]

    def indicator(self, code: str) -> PackIndicator | None:
        return next((i for i in self.indicators if i.code == code), None)


def brief(text: str | None, limit: int = BRIEF) -> str:
    """``text`` cut after about ``limit`` characters, at a word, with an ellipsis."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip() + " …"


def _document(evidence: Evidence) -> PackDocument:
    return PackDocument(
        title=evidence.title,
        doc_type=str(DOC_TYPE_LABELS[evidence.doc_type]),
        number=evidence.number,
        doc_date=evidence.doc_date,
        url=evidence.url,
    )


def _links(assessment_id: int) -> dict[int, list[AnswerEvidence]]:
    """The documents (not deleted) linked to each answer, with the butir they support (one query)."""
    rows = db.session.scalars(
        select(AnswerEvidence)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(Evidence.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
        .options(joinedload(AnswerEvidence.item), joinedload(AnswerEvidence.evidence))
        .order_by(AnswerEvidence.id)
    ).all()
    by_answer: dict[int, list[AnswerEvidence]] = {}
    for link in rows:
        by_answer.setdefault(link.answer_id, []).append(link)
    return by_answer


def _names(assessment: Assessment) -> tuple[dict[int, str], dict[int, str]]:
    """The units and people the butir of the assessment are assigned to, by id (at most two queries)."""
    unit_ids = {m.assignee_unit_id for a in assessment.answers for m in a.items if m.assignee_unit_id}
    user_ids = {m.assignee_user_id for a in assessment.answers for m in a.items if m.assignee_user_id}
    units = (
        {u.id: u.short_name or u.name for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
        if unit_ids
        else {}
    )
    users = {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return units, users


def collect(assessment_id: int, *, generated_at: datetime) -> InterviewPack:
    """Everything the interview pack prints, in a fixed number of queries."""
    assessment = load_assessment(assessment_id)
    if assessment is None:
        raise LookupError(f"penilaian {assessment_id} tidak ditemukan")
    inst = engine_instrument(assessment.instrument)
    claimed = claimed_values(inst, assessment)
    verdicts = current_verdicts(assessment.id)
    checked = verified(inst, assessment, verdicts).values if verdicts else None
    by_item_code = {v.item.code: v for v in verdicts.values()}
    links = _links(assessment.id)
    units, users = _names(assessment)
    answers = {a.indicator.code: a for a in assessment.answers}
    indicators = []
    for code, ind in inst.indicators.items():
        answer = answers[code]
        marks = {m.item.code: m for m in answer.items}
        linked = links.get(answer.id, [])
        butir = []
        for item in ind.items:
            if not item.counted:
                continue
            mark = marks.get(item.code)
            verdict: ButirVerdict | None = by_item_code.get(item.code)
            pic = None
            if mark is not None and (mark.assignee_unit_id or mark.assignee_user_id):
                pic = " · ".join(
                    name
                    for name in (units.get(mark.assignee_unit_id or 0), users.get(mark.assignee_user_id or 0))
                    if name
                )
            butir.append(
                PackButir(
                    code=item.code,
                    level=item.level,
                    text=item.text,
                    fulfilled=bool(mark and mark.fulfilled),
                    note=mark.note if mark else "",
                    pic=pic or None,
                    verdict=VERDICT_LABELS[verdict.verdict] if verdict else None,
                    verdict_note=verdict.note if verdict else "",
                    corrected=bool(verdict and verdict.corrected_at is not None),
                    correction_note=verdict.correction_note if verdict else "",
                    documents=_unique(link.evidence for link in linked if link.item and link.item.code == item.code),
                )
            )
        indicators.append(
            PackIndicator(
                code=code,
                asesor_code=ind.asesor_code,
                name=ind.name,
                claimed_display=display.indicator_value(claimed[code], inst.value_type, locale=LOCALE),
                verified_display=None
                if checked is None
                else display.indicator_value(checked[code], inst.value_type, locale=LOCALE),
                pic_unit=(answer.assignee_unit.short_name or answer.assignee_unit.name)
                if answer.assignee_unit
                else None,
                pic_person=answer.assignee_user.name if answer.assignee_user else None,
                fakta=brief(answer.fakta),
                analisis=brief(answer.analisis),
                butir=tuple(butir),
                other_documents=_unique(link.evidence for link in linked if link.item is None),
            )
        )
    return InterviewPack(
        assessment_id=assessment.id,
        instansi_name=assessment.instansi.name,
        instrument_title=assessment.instrument.title,
        year=assessment.year,
        generated_at=generated_at,
        correction_deadline=correction_deadline(assessment.id),
        indicators=tuple(indicators),
    )


def _unique(evidence: Iterator[Evidence]) -> tuple[PackDocument, ...]:
    seen: set[int] = set()
    out = []
    for ev in evidence:
        if ev.id not in seen:
            seen.add(ev.id)
            out.append(_document(ev))
    return tuple(out)


def indicator_html(pack: InterviewPack, indicator: PackIndicator) -> str:
    """One indicator's sheet as HTML (needs an app context, not a request)."""
    with force_locale(LOCALE):
        return render_template(
            TEMPLATE,
            pack=pack,
            ind=indicator,
            breakable=breakable,
            paragraphs=paragraphs,
            long_date=long_date,
        )


def indicator_pdf(pack: InterviewPack, code: str) -> bytes | None:
    """One indicator's sheet as a PDF; ``None`` for a code the pack does not hold."""
    indicator = pack.indicator(code)
    if indicator is None:
        return None
    return render_part(indicator_html(pack, indicator)).pdf


def pack_zip(pack: InterviewPack, *, parallel: bool = False) -> bytes:
    """The whole pack: a ZIP with one ``I{n}.pdf`` per indicator, in the instrument's order."""
    jobs = [Job(indicator_html(pack, indicator)) for indicator in pack.indicators]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for indicator, part in zip(pack.indicators, render_all(jobs, parallel=parallel), strict=True):
            archive.writestr(zip_entry(indicator.file_name, pack.generated_at), part.pdf)
    return buffer.getvalue()


def zip_entry(name: str, moment: datetime) -> zipfile.ZipInfo:
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
