"""The read model of the audit trail: filters, one page of entries as display rows, the filter choices, and
the CSV export's rows, streamed and ready to write.

Entries hold codes; every row here carries their translated labels (:mod:`assess.audit`), never the codes.
Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime, get_timezone
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, Text, and_, cast, false, func, or_, select, tuple_
from sqlalchemy.orm import joinedload

from assess.audit import (
    ACTION_LABELS,
    OBJECT_TYPE_LABELS,
    STATE_LABELS,
    action_label,
    field_label,
    object_type_label,
)
from assess.converters import MAX_ID
from assess.extensions import db
from assess.models import Assessment, AuditEntry, CycleStage, DocType, Evidence, Indicator, Membership, Unit, User
from assess.models.base import as_utc
from assess.texts import render
from assess.workflow import stage_headings
from forms.evidence import DOC_TYPE_LABELS
from reports import csvsafe

PER_PAGE = 50
#: Matching entries are counted up to this many; beyond it a page says "more than".
COUNT_LIMIT = 1000
#: Rows the CSV export's server-side cursor hands over at a time (memory stays flat).
CSV_BATCH = 2000
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
            # ILIKE on PostgreSQL, which the summary's trigram index serves.
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
class Cursor:
    """A place in the trail (an entry's time and id, the order of every listing): a page starts after or before it.

    In a link it is ``<microseconds since 1970 UTC>.<id>``; anything else reads as no place (the newest page)."""

    at: datetime
    id: int

    @classmethod
    def of(cls, row: EntryRow) -> Cursor:
        return cls(row.at, row.id)

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        micros, _dot, ident = (raw or "").partition(".")
        if not (_is_id(ident) and micros.isascii() and micros.isdigit() and len(micros) <= 18):
            return None
        at = EPOCH + timedelta(microseconds=int(micros))
        return cls(at, int(ident)) if at.year < 9999 else None

    def row(self) -> Any:
        """The place as a row value, compared with ``(at, id)``: the index's own order."""
        return tuple_(self.at, self.id)

    def token(self) -> str:
        return f"{(as_utc(self.at) - EPOCH) // timedelta(microseconds=1)}.{self.id}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    """One page of entries, newest first, with the places of the pages beside it (``None``: there is none).

    ``count`` is how many entries match, counted up to :data:`COUNT_LIMIT` and no further: ``more`` says there are
    more (a count of the whole trail would cost as much as the trail is long)."""

    rows: list[EntryRow]
    newer: Cursor | None
    older: Cursor | None
    count: int

    @property
    def more(self) -> bool:
        return self.count > COUNT_LIMIT

    @property
    def newest(self) -> bool:
        """The newest page: nothing newer matches."""
        return self.newer is None


def entry_page(
    assessment: Assessment,
    conditions: Sequence[ColumnElement[bool]],
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
) -> Page:
    """The page of entries just older than ``before`` (or just newer than ``after``; else the newest), with the actor
    and the document title: two queries (the page, a count up to :data:`COUNT_LIMIT`), and two for names.

    Each query walks one index of the assessment's trail in its order and stops: no offset, no full count."""
    where = [AuditEntry.assessment_id == assessment.id, *conditions]
    query = select(AuditEntry, Evidence.title).outerjoin(Evidence, _same_document).options(joinedload(AuditEntry.actor))
    if after is not None:
        where.append(tuple_(AuditEntry.at, AuditEntry.id) > after.row())
        query = query.where(*where).order_by(AuditEntry.at, AuditEntry.id)
    else:
        if before is not None:
            where.append(tuple_(AuditEntry.at, AuditEntry.id) < before.row())
        query = query.where(*where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    results = list(db.session.execute(query.limit(PER_PAGE + 1)).all())
    beyond = len(results) > PER_PAGE
    results = results[:PER_PAGE]
    if after is not None:
        results.reverse()
    rows = _rows(results, assessment.instansi_id)
    older_exists = beyond if after is None else True
    newer_exists = beyond if after is not None else before is not None
    # Counted in the index's order: the newest entries, so the count never wanders over the table.
    bounded = (
        select(AuditEntry.id)
        .where(AuditEntry.assessment_id == assessment.id, *conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(COUNT_LIMIT + 1)
    )
    count = db.session.scalar(select(func.count()).select_from(bounded.subquery())) or 0
    return Page(
        rows=rows,
        newer=Cursor.of(rows[0]) if rows and newer_exists else None,
        older=Cursor.of(rows[-1]) if rows and older_exists else None,
        count=count,
    )


def people(instansi_id: int, selected: str = "") -> list[Any]:
    """``(id, name)`` of the instansi's members by name, and the chosen person when they are no longer one: the person
    filter's choices, known without reading the trail."""
    members = select(Membership.user_id).where(Membership.instansi_id == instansi_id)
    chosen = User.id == int(selected) if _is_id(selected) else false()
    query = select(User.id, User.name).where(or_(User.id.in_(members), chosen)).order_by(User.name)
    return list(db.session.execute(query))


def actions() -> list[tuple[str, str]]:
    """``(code, label)`` of every action the application records, by label: the action filter's choices."""
    return sorted(((code, action_label(code)) for code in ACTION_LABELS), key=lambda pair: pair[1].lower())


# --------------------------------------------------------------------------- CSV


#: The CSV export's columns, in order.
CSV_COLUMNS = ("waktu", "pengguna", "surel", "jenis", "aksi", "indikator", "dokumen", "ringkasan", "perubahan")


def csv_chunks(assessment: Assessment, filters: Filters) -> Iterator[str]:
    """The export as CSV text, newest first: the header line, then a chunk of lines per :data:`CSV_BATCH` rows, as
    Python's ``csv.writer`` would write them, labels translated and every cell neutralised for spreadsheets
    (:func:`reports.csvsafe.neutralise`).

    One query, read through a server-side cursor, so memory stays flat whatever the size of the trail. The names of
    units and people in the changes come from the instansi's units and members, read once before; a person named who
    is no longer a member is looked up when first met. A million rows are written in seconds: everything that
    recurs (labels, people, documents, summaries, changes) is translated, formatted, neutralised and quoted once,
    and a line is its fields joined (a CSV writer would look at every character of every line again)."""
    local = zone()
    members = _people(User.id.in_(select(Membership.user_id).where(Membership.instansi_id == assessment.instansi_id)))
    words = _CsvWords(Names(_units(assessment.instansi_id), {uid: name for uid, (name, _email) in members.items()}))
    field = words.field

    def person(name: str, email: str) -> str:
        return f"{field(name)},{field(email)}"

    system = person(_("sistem"), "")
    people = {uid: person(name, email) for uid, (name, email) in members.items()}
    titles = {
        evidence_id: field(title)
        for evidence_id, title in db.session.execute(
            select(Evidence.id, Evidence.title).where(Evidence.assessment_id == assessment.id)
        )
    }
    yield ",".join(map(csvsafe.quoted, CSV_COLUMNS)) + "\r\n"
    # The session's connection, without the ORM's row handling: plain tuples.
    result = db.session.connection().execute(
        _csv_query(assessment.id, filters), execution_options={"stream_results": True, "yield_per": CSV_BATCH}
    )
    summary, changes, label = words.summary, words.changes, words.label
    for batch in result.partitions():
        if unknown := {row.actor_id for row in batch if row.actor_id is not None} - people.keys():
            people.update({uid: person(name, email) for uid, (name, email) in _people_named(unknown).items()})
        # No field of the time (an ISO date and time) needs quotes.
        yield "".join(
            [
                f"{as_utc(at).astimezone(local).isoformat(sep=' ', timespec='seconds')},"
                f"{people[actor] if actor is not None else system},"
                f"{label(object_type, object_type_label)},{label(action, action_label)},"
                f"{field(code or '')},{titles.get(evidence, '') if evidence is not None else ''},"
                f"{summary(stored, sentence or '')},{changes(action, raw) if raw else ''}\r\n"
                for (at, actor, object_type, action, code, evidence, sentence, stored, raw) in batch
            ]
        )


def _people(where: ColumnElement[bool]) -> dict[int, tuple[str, str]]:
    """``id → (name, e-mail)`` of the users ``where`` selects (one query)."""
    rows = db.session.execute(select(User.id, User.name, User.email).where(where))
    return {uid: (name, email) for uid, name, email in rows}


def _people_named(ids: set[int]) -> dict[int, tuple[str, str]]:
    """People named in the trail who are not members (an operator; someone since removed), ``#id`` for one who is
    gone: one query."""
    found = _people(User.id.in_(ids))
    return {uid: found.get(uid, (f"#{uid}", "")) for uid in ids}


#: Cells kept formatted during one export, per kind (the same texts recur, mostly close together: "Jawaban
#: disimpan", a state's change, an assignment made to many indicators at once).
KEPT = 2_000
#: The change values shown as they are (a text or a number), unless their field is looked up.
_AS_IS = frozenset({str, int, float})
#: Change fields whose values are shown through a lookup or a label (:func:`value_text`), not as they are.
_LOOKED_UP = UNIT_FIELDS | USER_FIELDS | DATE_FIELDS | DATETIME_FIELDS | {"state", "stage", "doc_type"}


def _keep(kept: dict[Any, str], key: Any, cell: str) -> str:
    """``cell`` kept under ``key``; once :data:`KEPT` are kept, they are all forgotten and keeping starts again."""
    if len(kept) >= KEPT:
        kept.clear()
    kept[key] = cell
    return cell


class _CsvWords:
    """What one CSV export writes again and again, each translated, formatted, neutralised and quoted once (a CSV
    field, ready to join): a translation per row would cost more than all the rest of the row. Labels, names and
    titles are kept, and a bounded number of summaries and changes, so it stays small."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self._templates: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        #: ``(field, action) → (label, the field's last part)``
        self._fields: dict[tuple[str, str], tuple[str, str]] = {}
        self._values: dict[tuple[str, Any], str] = {}
        self._summaries: dict[tuple[str, str], str] = {}
        self._changes: dict[tuple[str, str], str] = {}

    def field(self, text: str) -> str:
        """``text`` neutralised and quoted as a CSV field; for the values that recur (people, indicators, documents),
        kept."""
        cell = self._texts.get(text)
        if cell is None:
            cell = _keep(self._texts, text, csvsafe.field(text))
        return cell

    def label(self, code: str, translate: Callable[[str], str]) -> str:
        cell = self._labels.get(code)
        if cell is None:
            cell = self._labels[code] = csvsafe.field(translate(code))
        return cell

    def summary(self, stored: str | None, sentence: str) -> str:
        """The summary from its stored text (JSON) in the reader's language, as a field."""
        if not stored:
            return self.field(sentence)
        key = (stored, sentence)
        cell = self._summaries.get(key)
        if cell is None:
            cell = csvsafe.field(render(json.loads(stored), fallback=sentence, templates=self._templates))
            _keep(self._summaries, key, cell)
        return cell

    def changes(self, action: str, raw: str) -> str:
        """``label: old → new`` per change (the changes as JSON), as :func:`_changes` shows them in full, as a
        field."""
        key = (action, raw)
        cell = self._changes.get(key)
        if cell is not None:
            return cell
        changes = json.loads(raw)
        if any(field in raw for field in USER_FIELDS):
            _learn_users(self.names, [changes])
        lines = []
        for change in changes:
            name = str(change.get("field", ""))
            field = self._fields.get((name, action))
            if field is None:
                field = self._fields[(name, action)] = (field_label(name, action), name.rsplit(".", 1)[-1])
            label, base = field
            old, new = change.get("old"), change.get("new")
            lines.append(f"{label}: {self._value(name, base, old)} → {self._value(name, base, new)}")
        return _keep(self._changes, key, csvsafe.field("\n".join(lines)))

    def _value(self, name: str, base: str, value: Any) -> str:
        if base not in _LOOKED_UP and type(value) in _AS_IS and value != "":
            return str(value)  # a text or a number (not a bool: it reads "ya" or "tidak" below)
        if isinstance(value, list | dict):
            return value_text(name, value, self.names)
        text = self._values.get((base, value))
        if text is None:
            text = self._values[(base, value)] = value_text(name, value, self.names)
        return text


def _units(instansi_id: int) -> dict[int, str]:
    """The instansi's units by id, by their short names (one query)."""
    return {
        uid: short or name
        for uid, short, name in db.session.execute(
            select(Unit.id, Unit.short_name, Unit.name).where(Unit.instansi_id == instansi_id)
        )
    }


def _learn_users(names: Names, changes: Sequence[Sequence[dict[str, Any]] | None]) -> None:
    """Add to ``names`` the people named in ``changes`` it does not know yet (one query, only when there are: a
    person who is not a member of the instansi, once)."""
    unknown = {
        value
        for entry_changes in changes
        for change in entry_changes or ()
        if str(change.get("field", "")).rsplit(".", 1)[-1] in USER_FIELDS
        for value in (change.get("old"), change.get("new"))
        if isinstance(value, int) and value not in names.users
    }
    if unknown:
        names.users.update({uid: name for uid, (name, _email) in _people_named(unknown).items()})


def _csv_query(assessment_id: int, filters: Filters) -> Select[*tuple[Any, ...]]:
    """The trail's own columns only, in the index's order: people and titles come from the dictionaries read before
    (a join per row cost the database more than the rest of the row)."""
    return (
        select(
            AuditEntry.at,
            AuditEntry.actor_id,
            AuditEntry.object_type,
            AuditEntry.action,
            AuditEntry.indicator_code,
            AuditEntry.evidence_id,
            AuditEntry.summary,
            # As text, decoded by csv_chunks: the driver's JSON decoding cost more than all the rest of a row.
            cast(AuditEntry.summary_text, Text).label("summary_text"),
            cast(AuditEntry.changes, Text).label("changes"),
        )
        .where(AuditEntry.assessment_id == assessment_id, *filters.conditions())
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
