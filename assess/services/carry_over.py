"""Next year's assessment opened from this year's: answers, assignees and evidence links carried over and marked
"perlu dicek ulang", the library copied on the same blobs; and the list of what still needs that re-check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from assess import texts
from assess.audit import record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Answer, AnswerEvidence, AnswerItem, Assessment, Evidence, EvidenceVersion, Instrument, User
from assess.queries.engine import engine_instrument
from assess.scoring import check_value
from assess.services.answers import review_checks
from assess.services.assessments import open_assessment
from assess.workflow import mark_edited

log = logging.getLogger(__name__)


def copy_library(previous: Assessment, new: Assessment) -> dict[int, Evidence]:
    """Copy the live library documents as new Evidence rows with their versions, pointing at the SAME blobs."""
    mapping: dict[int, Evidence] = {}
    docs = db.session.scalars(
        select(Evidence)
        .where(Evidence.assessment_id == previous.id, Evidence.deleted_at.is_(None))
        .options(selectinload(Evidence.versions))
        .order_by(Evidence.id)
    ).all()
    for doc in docs:
        copy = Evidence(
            assessment_id=new.id,
            kind=doc.kind,
            title=doc.title,
            doc_type=doc.doc_type,
            number=doc.number,
            doc_date=doc.doc_date,
            owner_unit_id=doc.owner_unit_id,
            notes=doc.notes,
            url=doc.url,
            access_note=doc.access_note,
            created_by_id=doc.created_by_id,
        )
        db.session.add(copy)
        current = None
        for version in doc.versions:
            v = EvidenceVersion(
                evidence=copy,
                number=version.number,
                blob_id=version.blob_id,
                original_name=version.original_name,
                uploaded_by_id=version.uploaded_by_id,
                uploaded_at=version.uploaded_at,
            )
            db.session.add(v)
            if version.id == doc.current_version_id:
                current = v
        db.session.flush()
        if current is not None:
            copy.current_version_id = current.id
        mapping[doc.id] = copy
    db.session.flush()
    return mapping


def live_links(assessment_id: int) -> list[AnswerEvidence]:
    return list(
        db.session.scalars(
            select(AnswerEvidence)
            .join(Answer, Answer.id == AnswerEvidence.answer_id)
            .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
            .where(Answer.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
            .options(joinedload(AnswerEvidence.item))
            .order_by(AnswerEvidence.id)
        )
    )


def open_from_previous(*, previous: Assessment, instrument: Instrument, actor: User | None) -> Assessment:
    """Next year's assessment from ``previous``: answers, assignees and evidence links carried over and
    marked "perlu dicek ulang"; library documents copied as new rows on the same blobs. ``previous`` is
    only read."""
    if instrument.code != previous.instrument.code or instrument.version < previous.instrument.version:
        raise DomainError(
            _l("Pilih versi instrumen yang sama atau lebih baru dari kode yang sama."), field="instrument"
        )
    new = open_assessment(instansi=previous.instansi, instrument=instrument, year=previous.year + 1, created_by=actor)
    new.previous_id = previous.id
    inst = engine_instrument(instrument)
    docs = copy_library(previous, new)
    old_answers = {
        a.indicator.code: a
        for a in db.session.scalars(
            select(Answer)
            .where(Answer.assessment_id == previous.id)
            .options(joinedload(Answer.indicator), selectinload(Answer.items).joinedload(AnswerItem.item))
        ).unique()
    }
    new_answers = {a.indicator.code: a for a in new.answers}
    items_by_code = {(i.indicator.code, i.code): i for a in new.answers for i in a.indicator.items}
    carried = 0
    for code, answer in new_answers.items():
        old = old_answers.get(code)
        if old is None:
            continue
        value = old.claimed_value
        if value is not None:
            try:
                check_value(inst, code, value)
            except ValueError:
                value = None
        answer.claimed_value = value
        answer.source_value = old.source_value
        answer.fakta, answer.analisis = old.fakta, old.analisis
        answer.assignee_unit_id, answer.assignee_user_id = old.assignee_unit_id, old.assignee_user_id
        answer.needs_recheck = True
        if value is not None or old.fakta or old.analisis:
            mark_edited(answer)
        for mark in old.items:
            item = items_by_code.get((code, mark.item.code))
            if item is not None:
                answer.items.append(
                    AnswerItem(
                        item=item,
                        fulfilled=mark.fulfilled,
                        note=mark.note,
                        assignee_unit_id=mark.assignee_unit_id,
                        assignee_user_id=mark.assignee_user_id,
                    )
                )
        carried += 1
    answer_by_old_id = {old_answers[c].id: new_answers[c] for c in new_answers if c in old_answers}
    links = 0
    for link in live_links(previous.id):
        target = answer_by_old_id.get(link.answer_id)
        if target is None or link.evidence_id not in docs:
            continue
        item_id = None
        if link.item is not None:
            item = items_by_code.get((target.indicator.code, link.item.code))
            item_id = item.id if item else None
        target.links.append(
            AnswerEvidence(
                evidence=docs[link.evidence_id],
                level=link.level,
                item_id=item_id,
                note=link.note,
                created_by_id=actor.id if actor else link.created_by_id,
            )
        )
        links += 1
    db.session.flush()
    record_assessment(
        new,
        actor=actor,
        action="assessment.carry_over",
        summary=texts.text(
            "audit.carry_over",
            id=previous.id,
            year=previous.year,
            answers=carried,
            docs=len(docs),
            links=links,
        ),
        changes=[("previous_id", None, previous.id)],
    )
    log.info("penilaian %s dibuka dari %s: %s jawaban, %s dokumen", new.id, previous.id, carried, len(docs))
    return new


@dataclass(frozen=True)
class RecheckRow:
    code: str
    name: str
    stale: tuple[str, ...]


def recheck_rows(assessment: Assessment, *, today: date | None = None) -> list[RecheckRow]:
    """Answers still marked "perlu dicek ulang", with the freshness warnings of their documents."""
    rows = []
    for answer in sorted(assessment.answers, key=lambda a: a.indicator.position):
        if not answer.needs_recheck:
            continue
        checks = review_checks(answer, today=today)
        stale = tuple(c.message for c in checks if c.check == "stale_evidence")
        rows.append(RecheckRow(answer.indicator.code, answer.indicator.short_name, stale))
    return rows
