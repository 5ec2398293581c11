"""The read model of the audit trail: filters, one page of entries as display rows, the filter choices, and
the CSV export's rows in batches.

Entries hold codes; every row here carries their translated labels (:mod:`assess.audit`), never the codes.
Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime, get_timezone
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from assess.audit import (
    OBJECT_TYPE_LABELS,
    STATE_LABELS,
    action_label,
    field_label,
    object_type_label,
)
from assess.converters import MAX_ID
from assess.extensions import db
from assess.models import Assessment, AuditEntry, CycleStage, DocType, Evidence, Indicator, Unit, User
from assess.models.base import as_utc
from assess.texts import render
from assess.workflow import stage_headings
from forms.evidence import DOC_TYPE_LABELS

PER_PAGE = 50
#: Rows fetched per query while streaming the CSV export (keyset pagination, so memory stays flat).
CSV_BATCH = 500
#: Longer change values are cut in the list, the full text stays available in a ``<details>``.
SHORT_TEXT = 120
SYSTEM = "sistem"
UNIT_FIELDS = {"assignee_unit_id", "owner_unit_id"}
USER_FIELDS = {"assignee_user_id"}
DATETIME_FIELDS = {"deleted_at", "resolved_at", "done_at"}
DATE_FIELDS = {"deadline", "doc_date", "starts_on", "ends_on"}


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """The filters of the audit list, parsed from the query string (anything invalid is dropped)."""

    person: str = ""  # a user id, or SYSTEM for entries without an actor
    object_type: str = ""
    action: str = ""
    indicator: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        person = (args.get("orang") or "").strip()
        object_type = args.get("jenis") or ""
        return cls(
            person=person if person == SYSTEM or _is_id(person) else "",
            object_type=object_type if object_type in OBJECT_TYPE_LABELS else "",
            action=(args.get("aksi") or "").strip()[:48],
            indicator=(args.get("indikator") or "").strip().upper()[:16],
            date_from=_parse_date(args.get("dari")),
            date_to=_parse_date(args.get("sampai")),
            q=(args.get("q") or "").strip()[:200],
        )

    def args(self) -> dict[str, Any]:
        """The non-empty filters as query-string arguments (for pagination and the export link)."""
        raw = {
            "orang": self.person,
            "jenis": self.object_type,
            "aksi": self.action,
            "indikator": self.indicator,
            "dari": self.date_from.isoformat() if self.date_from else "",
            "sampai": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
        }
        return {k: v for k, v in raw.items() if v}

    def conditions(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.person == SYSTEM:
            out.append(AuditEntry.actor_id.is_(None))
        elif self.person:
            out.append(AuditEntry.actor_id == int(self.person))
        if self.object_type:
            out.append(AuditEntry.object_type == self.object_type)
        if self.action:
            out.append(AuditEntry.action == self.action)
        if self.indicator:
            out.append(AuditEntry.indicator_code == self.indicator)
        if self.date_from:
            out.append(AuditEntry.at >= _start_of(self.date_from))
        if self.date_to:
            out.append(AuditEntry.at < _start_of(self.date_to + timedelta(days=1)))
        if self.q:
            out.append(AuditEntry.summary.icontains(self.q, autoescape=True))
        return out


def _is_id(text: str) -> bool:
    """A whole number a database id can be (a larger one would make the database refuse the comparison)."""
    return text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) and int(text) <= MAX_ID


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None


def zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def _start_of(day: date) -> datetime:
    """Midnight of a local (Asia/Jakarta) date, in UTC: the bound of a period filter."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


def for_indicator(code: str) -> list[ColumnElement[bool]]:
    return [AuditEntry.indicator_code == code]


def for_evidence(evidence_id: int) -> list[ColumnElement[bool]]:
    return [AuditEntry.evidence_id == evidence_id]


# --------------------------------------------------------------------------- presentation


@dataclass(frozen=True)
class ChangeRow:
    label: str
    old: str
    new: str
    old_full: str
    new_full: str
    #: Each value is data (a text, a title, a name: shown in the language it was written in), not a label.
    old_data: bool = False
    new_data: bool = False

    @property
    def truncated(self) -> bool:
        return self.old != self.old_full or self.new != self.new_full


@dataclass(frozen=True)
class EntryRow:
    id: int
    at: datetime
    person: str | None  # None: the system (no actor)
    object_type: str
    action: str
    label: str
    indicator_code: str | None
    evidence_id: int | None
    evidence_title: str | None
    summary: str
    changes: list[ChangeRow]
    #: The summary as a stored text (key and parameters); ``summary`` then is its copy, else user data.
    summary_text: dict[str, Any] | None = None


@dataclass(frozen=True)
class Names:
    """Names of the units and people that assignment and ownership changes refer to by id."""

    units: dict[int, str]
    users: dict[int, str]


def is_data(name: str, value: Any) -> bool:
    """A change value written by someone (a text, a title) or naming someone or something, not a label of ours."""
    if value is None or value == "" or isinstance(value, bool | int | float):
        return False
    try:
        Decimal(str(value))
        return False  # a number (a value, a level, a weight)
    except ArithmeticError:
        pass
    base = name.rsplit(".", 1)[-1]
    stage = base == "stage" and value in CycleStage._value2member_map_
    labelled = (base == "state" and value in STATE_LABELS) or stage
    return not (labelled or base in ("doc_type", *DATE_FIELDS, *DATETIME_FIELDS))


def value_text(name: str, value: Any, names: Names) -> str:
    """A change value as a reader wants it: names for ids, labels for states, ya/tidak, dates in the locale."""
    if value is None or value == "":
        return _("(kosong)")
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    base = name.rsplit(".", 1)[-1]
    try:
        if base in UNIT_FIELDS:
            return names.units.get(int(value), f"#{value}")
        if base in USER_FIELDS:
            return names.users.get(int(value), f"#{value}")
        if base == "state" and value in STATE_LABELS:
            return str(STATE_LABELS[value])
        if base == "stage":
            return stage_headings()[CycleStage(value)]
        if base == "doc_type":
            return str(DOC_TYPE_LABELS[DocType(value)])
        if base in DATE_FIELDS:
            return str(format_date(date.fromisoformat(value)))
        if base in DATETIME_FIELDS:
            return str(format_datetime(as_utc(datetime.fromisoformat(value)), "short"))
    except (TypeError, ValueError, KeyError):
        pass
    return str(value)


def _short(text: str) -> str:
    return text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT].rstrip() + "…"


def _names(changes: Sequence[Sequence[dict[str, Any]] | None], instansi_id: int) -> Names:
    """The units and people named by id in ``changes``: at most two queries."""
    unit_ids: set[int] = set()
    user_ids: set[int] = set()
    for entry_changes in changes:
        for change in entry_changes or ():
            base = str(change.get("field", "")).rsplit(".", 1)[-1]
            target = unit_ids if base in UNIT_FIELDS else user_ids if base in USER_FIELDS else None
            if target is not None:
                target.update(v for v in (change.get("old"), change.get("new")) if isinstance(v, int))
    units = (
        {
            uid: short or name
            for uid, short, name in db.session.execute(
                select(Unit.id, Unit.short_name, Unit.name).where(
                    Unit.id.in_(unit_ids), Unit.instansi_id == instansi_id
                )
            )
        }
        if unit_ids
        else {}
    )
    users = (
        {row.id: row.name for row in db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return Names(units, users)


def _changes(action: str, changes: Sequence[dict[str, Any]] | None, names: Names) -> list[ChangeRow]:
    out = []
    for change in changes or ():
        name = str(change.get("field", ""))
        old = value_text(name, change.get("old"), names)
        new = value_text(name, change.get("new"), names)
        out.append(
            ChangeRow(
                field_label(name, action),
                _short(old),
                _short(new),
                old,
                new,
                is_data(name, change.get("old")),
                is_data(name, change.get("new")),
            )
        )
    return out


def _rows(results: Sequence[Any], instansi_id: int) -> list[EntryRow]:
    """Display rows for ``(entry, evidence title)`` results, with at most two more queries for names."""
    names = _names([entry.changes for entry, _title in results], instansi_id)
    return [
        EntryRow(
            id=entry.id,
            at=as_utc(entry.at),
            person=entry.actor.name if entry.actor is not None else None,
            object_type=entry.object_type,
            action=entry.action,
            label=action_label(entry.action),
            indicator_code=entry.indicator_code,
            evidence_id=entry.evidence_id,
            evidence_title=title,
            summary=entry.summary or "",
            changes=_changes(entry.action, entry.changes, names),
            summary_text=entry.summary_text,
        )
        for entry, title in results
    ]


# --------------------------------------------------------------------------- loading

#: The document an entry names, only ever from the entry's own assessment.
_same_document = and_(Evidence.id == AuditEntry.evidence_id, Evidence.assessment_id == AuditEntry.assessment_id)


def with_instansi(assessment_id: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.id == assessment_id).options(joinedload(Assessment.instansi))
    )


def indicator_of(assessment: Assessment, code: str) -> Indicator | None:
    return db.session.scalar(
        select(Indicator).where(Indicator.instrument_id == assessment.instrument_id, Indicator.code == code)
    )


def evidence_of(assessment: Assessment, evidence_id: int) -> Evidence | None:
    return db.session.scalar(
        select(Evidence).where(Evidence.id == evidence_id, Evidence.assessment_id == assessment.id)
    )


@dataclass(frozen=True)
class Page:
    rows: list[EntryRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max((self.total + PER_PAGE - 1) // PER_PAGE, 1)


def entry_page(assessment: Assessment, conditions: Sequence[ColumnElement[bool]], page: int) -> Page:
    """One page of entries, newest first, with the actor and the document title: two queries, and two for names."""
    where = [AuditEntry.assessment_id == assessment.id, *conditions]
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    results = db.session.execute(
        select(AuditEntry, Evidence.title)
        .outerjoin(Evidence, _same_document)
        .where(*where)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return Page(_rows(results, assessment.instansi_id), total, page)


def people(assessment_id: int) -> list[Any]:
    """``(id, name)`` of everyone with an entry in the assessment, by name: the person filter's choices."""
    return list(
        db.session.execute(
            select(User.id, User.name)
            .where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.assessment_id == assessment_id)))
            .order_by(User.name)
        ).all()
    )


def actions(assessment_id: int) -> list[tuple[str, str]]:
    """``(code, label)`` of the actions recorded in the assessment, by label: the action filter's choices."""
    codes = db.session.scalars(select(AuditEntry.action).where(AuditEntry.assessment_id == assessment_id).distinct())
    return sorted(((code, action_label(code)) for code in codes), key=lambda pair: pair[1].lower())


# --------------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class CsvRow:
    at: str
    person: str
    email: str
    object_type: str
    action: str
    indicator_code: str
    evidence_title: str
    summary: str
    changes: str


def csv_batches(assessment: Assessment, filters: Filters) -> Iterator[list[CsvRow]]:
    """The export's rows, a batch at a time, newest first (keyset pagination on time and id), with labels."""
    local = zone()
    system = _("sistem")
    batch_size = CSV_BATCH
    base = _csv_query(assessment.id, filters, batch_size)
    last: tuple[datetime, int] | None = None
    while True:
        query = base
        if last is not None:
            query = query.where(or_(AuditEntry.at < last[0], and_(AuditEntry.at == last[0], AuditEntry.id < last[1])))
        batch = db.session.execute(query).all()
        names = _names([row.changes for row in batch], assessment.instansi_id)
        rows = [
            CsvRow(
                at=as_utc(row.at).astimezone(local).isoformat(sep=" ", timespec="seconds"),
                person=row.name if row.name is not None else system,
                email=row.email or "",
                object_type=object_type_label(row.object_type),
                action=action_label(row.action),
                indicator_code=row.indicator_code or "",
                evidence_title=row.title or "",
                summary=render(row.summary_text, fallback=row.summary or ""),
                changes="\n".join(
                    f"{c.label}: {c.old_full} → {c.new_full}" for c in _changes(row.action, row.changes, names)
                ),
            )
            for row in batch
        ]
        if rows:
            yield rows
        if len(batch) < batch_size:
            return
        last = (batch[-1].at, batch[-1].id)


def _csv_query(assessment_id: int, filters: Filters, batch_size: int) -> Select[Any]:
    """Plain columns, not entities: nothing accumulates in the session while a big trail streams."""
    return (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.object_type,
            AuditEntry.action,
            AuditEntry.indicator_code,
            AuditEntry.summary,
            AuditEntry.summary_text,
            AuditEntry.changes,
            User.name,
            User.email,
            Evidence.title,
        )
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .outerjoin(Evidence, _same_document)
        .where(AuditEntry.assessment_id == assessment_id, *filters.conditions())
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(batch_size)
    )
