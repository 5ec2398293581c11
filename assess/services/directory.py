"""Setting up an instansi in one step: its units (OPD) and its users imported from a CSV or XLSX file.

Two steps, as the spreadsheet import: :func:`preview_units` / :func:`preview_users` read the file and compare it with
the instansi (nothing written); :func:`apply_units` / :func:`apply_users` take the rows the admin saw (carried signed
between the two pages, :func:`sign_rows`) and plan them again against the instansi as it is now, so a file applied
twice changes nothing the second time. Every problem names the row as the file shows it (the header is row 1) and the
column; when there is any, nothing is written.

Units are matched on their name (case-insensitive); a singkatan in the file is set, an empty one leaves the unit's as
it is. Users are matched on their address: a user of this instansi gets the roles and units of the file added (never
removed) and, when they hold roles only here, the file's name. An address with an account elsewhere (another
instansi, or none) is treated as the admin's user creation treats it (:func:`assess.services.admin.create_member`):
that account joins this instansi with the file's roles and units, its name, password and sessions stay its owner's,
and what the admin sees (the preview, the result, a link to hand over) is the same as for a new account, so the
import never tells which addresses are in use elsewhere. Only a new account gets a real invitation.

Columns: units ``nama,singkatan``; users ``email,nama,peran,unit`` (several roles or units separated by ``;``).
Headers are case-insensitive; a column the import does not know is refused, so that nothing typed is silently lost.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from assess import mail
from assess.errors import DomainError
from assess.extensions import db, security
from assess.models import Instansi, Membership, RoleName, Unit, UnitMember, User
from assess.services.invitations import invite
from assess.services.notifications import path_for

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
#: Columns read from an XLSX sheet; anything further right is not looked at.
MAX_COLUMNS = 30
SIGN_MAX_AGE = 30 * 60
UNIT_COLUMNS = ("nama", "singkatan")
USER_COLUMNS = ("email", "nama", "peran", "unit")
UNIT_TEMPLATE = "nama,singkatan\nDinas Komunikasi dan Informatika,Diskominfo\n"
USER_TEMPLATE = "email,nama,peran,unit\nbudi@contoh.go.id,Budi Santoso,pengisi;reviewer,Diskominfo\n"
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
_ROLE_ORDER = list(RoleName)

CREATE = "create"
CHANGE = "change"
UNCHANGED = "unchanged"


# -- reading a file ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The header (lower case, stripped) and the data rows as ``(row number in the file, cells)``."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DomainError(_l("Berkas CSV harus berenkode UTF-8, bukan UTF-16. Simpan ulang sebagai “CSV UTF-8”."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            _l(
                "Berkas CSV harus berenkode UTF-8 (dengan atau tanpa BOM); bita ke-%(at)s tidak terbaca. Simpan ulang "
                "sebagai “CSV UTF-8”.",
                at=exc.start + 1,
            ),
            field="file",
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise DomainError(_l("Berkas CSV tidak terbaca (tanda kutip tidak tertutup?)."), field="file") from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DomainError(_l("Berkas bukan XLSX yang sah."), field="file")
    try:
        # openpyxl parses with defusedxml (a dependency); only values are read, never formulas evaluated.
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise DomainError(_l("Berkas bukan XLSX yang sah."), field="file") from None
    try:
        if not wb.worksheets:
            raise DomainError(_l("Berkas XLSX tidak berisi lembar."), field="file")
        rows = []
        for n, row in enumerate(wb.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)):
            if n > MAX_ROWS:
                raise DomainError(_l("Terlalu banyak baris (maksimal %(n)s).", n=MAX_ROWS), field="file")
            rows.append([_cell(v) for v in row])
        return rows
    finally:
        wb.close()


def read_table(data: bytes, filename: str) -> Table:
    """The table of a ``.csv`` (comma or semicolon, UTF-8 with or without BOM) or ``.xlsx`` (its first sheet) file."""
    if len(data) > MAX_BYTES:
        raise DomainError(_l("Berkas terlalu besar (maksimal %(size)s).", size="2 MB"), field="file")
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise DomainError(_l("Unggah berkas .csv atau .xlsx."), field="file")
    if len(rows) > MAX_ROWS + 1:
        raise DomainError(_l("Terlalu banyak baris (maksimal %(n)s).", n=MAX_ROWS), field="file")
    if not rows or not any(rows[0]):
        raise DomainError(_l("Baris 1 harus berisi judul kolom; berkas ini kosong di sana."), field="file")
    body = [(n, cells) for n, cells in enumerate(rows[1:], start=2) if any(cells)]
    return Table(header=[h.strip().lower() for h in rows[0]], rows=body)


#: A problem of the file: its row (the header is row 1) and the sentence naming the row and the column.
Problem = tuple[int, str]


def _at(row: int, column: str, problem: str) -> Problem:
    return row, _("baris %(row)s, kolom %(column)s: %(problem)s", row=row, column=column, problem=problem)


def _in_order(problems: list[Problem]) -> list[str]:
    return [message for _row, message in sorted(problems, key=lambda p: p[0])]


def _columns(table: Table, wanted: Sequence[str], errors: list[Problem]) -> dict[str, int]:
    """Where each wanted column is; an unknown, repeated or missing column is an error on row 1."""
    where: dict[str, int] = {}
    for index, title in enumerate(table.header):
        letter = get_column_letter(index + 1)
        if not title:
            if any(index < len(cells) and cells[index] for _n, cells in table.rows):
                errors.append(_at(1, letter, _("kolom berisi data tetapi tidak berjudul")))
            continue
        if title not in wanted:
            errors.append(
                _at(
                    1,
                    letter,
                    _(
                        "kolom “%(title)s” tidak dikenal; kolom yang diterima: %(known)s",
                        title=title,
                        known=", ".join(wanted),
                    ),
                )
            )
        elif title in where:
            errors.append(_at(1, letter, _("kolom “%(title)s” muncul dua kali", title=title)))
        else:
            where[title] = index
    missing = [c for c in wanted if c not in where]
    if missing:
        errors.append((1, _("baris 1: kolom wajib tidak ada: %(columns)s", columns=", ".join(missing))))
    return where


def _get(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _split(value: str) -> list[str]:
    out: list[str] = []
    for part in value.split(";"):
        part = part.strip()
        if part and part.lower() not in (p.lower() for p in out):
            out.append(part)
    return out


# -- signing the previewed rows ----------------------------------------------------------------------


def sign_rows(kind: str, instansi: Instansi, rows: Iterable[Any], secret: str) -> str:
    """The token of ``rows`` (dataclass instances) previewed for ``instansi``; ``kind`` is ``units`` or ``users``."""
    serializer = URLSafeTimedSerializer(secret, salt=f"mandiri.directory-import.{kind}")
    return str(serializer.dumps({"i": instansi.id, "rows": [asdict(r) for r in rows]}))


def _load_rows(kind: str, instansi: Instansi, token: str, secret: str) -> list[dict[str, Any]]:
    serializer = URLSafeTimedSerializer(secret, salt=f"mandiri.directory-import.{kind}")
    try:
        payload = serializer.loads(token, max_age=SIGN_MAX_AGE)
    except SignatureExpired:
        raise DomainError(_l("Pratinjau sudah kedaluwarsa; unggah berkas lagi.")) from None
    except BadSignature:
        raise DomainError(_l("Data pratinjau tidak sah; unggah berkas lagi.")) from None
    if payload.get("i") != instansi.id:
        raise DomainError(_l("Data pratinjau tidak sah; unggah berkas lagi."))
    return list(payload["rows"])


def _refuse(errors: list[Problem]) -> None:
    if errors:
        messages = _in_order(errors)
        raise DomainError(messages[0], reasons=[(None, m) for m in messages[1:]])


# -- units ---------------------------------------------------------------------------------------------


@dataclass
class UnitRow:
    """A unit as the file gives it (carried signed to the apply step)."""

    row: int
    name: str
    short_name: str


@dataclass
class UnitPlan:
    row: int
    name: str
    short_name: str
    action: str
    #: The singkatan now, when the file changes it.
    old_short_name: str = ""
    unit: Unit | None = None


@dataclass
class UnitPreview:
    rows: list[UnitRow] = field(default_factory=list)
    plans: list[UnitPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Every problem, by row."""
        return _in_order(self.problems)

    def count(self, action: str) -> int:
        return sum(1 for p in self.plans if p.action == action)


def _unit_rows(table: Table, errors: list[Problem]) -> list[UnitRow]:
    where = _columns(table, UNIT_COLUMNS, errors)
    if len(where) < len(UNIT_COLUMNS):
        return []
    rows = []
    for n, cells in table.rows:
        name, short = _get(cells, where["nama"]), _get(cells, where["singkatan"])
        if not name:
            errors.append(_at(n, "nama", _("nama unit wajib diisi")))
        elif len(name) > 255:
            errors.append(_at(n, "nama", _("paling banyak %(n)s karakter", n=255)))
        elif len(short) > 64:
            errors.append(_at(n, "singkatan", _("paling banyak %(n)s karakter", n=64)))
        else:
            rows.append(UnitRow(row=n, name=name, short_name=short))
    return rows


def _plan_units(instansi: Instansi, rows: Sequence[UnitRow], errors: list[Problem]) -> list[UnitPlan]:
    units = list(db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id)))
    by_name = {u.name.lower(): u for u in units}
    seen: dict[str, int] = {}
    short_owner: dict[str, str] = {u.short_name.lower(): u.name for u in units if u.short_name}
    plans = []
    for r in rows:
        key = r.name.lower()
        if key in seen:
            errors.append(
                _at(r.row, "nama", _("unit “%(name)s” sudah ada di baris %(first)s", name=r.name, first=seen[key]))
            )
            continue
        seen[key] = r.row
        unit = by_name.get(key)
        short = r.short_name
        if short:
            owner = short_owner.get(short.lower())
            if owner is not None and owner.lower() != key:
                errors.append(
                    _at(
                        r.row,
                        "singkatan",
                        _("singkatan “%(short)s” sudah dipakai unit %(unit)s", short=short, unit=owner),
                    )
                )
                continue
            short_owner[short.lower()] = unit.name if unit is not None else r.name
        if unit is None:
            plans.append(UnitPlan(row=r.row, name=r.name, short_name=short, action=CREATE))
        elif short and short != (unit.short_name or ""):
            plans.append(
                UnitPlan(
                    row=r.row,
                    name=unit.name,
                    short_name=short,
                    action=CHANGE,
                    old_short_name=unit.short_name or "",
                    unit=unit,
                )
            )
        else:
            plans.append(
                UnitPlan(row=r.row, name=unit.name, short_name=unit.short_name or "", action=UNCHANGED, unit=unit)
            )
    return plans


def preview_units(instansi: Instansi, data: bytes, filename: str) -> UnitPreview:
    """What the units file would create and change in ``instansi``. Nothing is written."""
    table = read_table(data, filename)
    preview = UnitPreview()
    preview.rows = _unit_rows(table, preview.problems)
    preview.plans = _plan_units(instansi, preview.rows, preview.problems)
    return preview


def load_unit_rows(instansi: Instansi, token: str, secret: str) -> list[UnitRow]:
    return [UnitRow(**row) for row in _load_rows("units", instansi, token, secret)]


def apply_units(instansi: Instansi, rows: Sequence[UnitRow]) -> list[UnitPlan]:
    """Create and change the units of ``rows`` as planned against the instansi now; flushes. Refused, with every
    problem, when any row no longer fits."""
    errors: list[Problem] = []
    plans = _plan_units(instansi, rows, errors)
    _refuse(errors)
    for plan in plans:
        if plan.action == CREATE:
            plan.unit = Unit(instansi_id=instansi.id, name=plan.name, short_name=plan.short_name or None)
            db.session.add(plan.unit)
        elif plan.action == CHANGE and plan.unit is not None:
            plan.unit.short_name = plan.short_name
    db.session.flush()
    log.info(
        "impor unit %s: %s dibuat, %s diubah",
        instansi.slug,
        sum(p.action == CREATE for p in plans),
        sum(p.action == CHANGE for p in plans),
    )
    return plans


# -- users ---------------------------------------------------------------------------------------------


@dataclass
class UserRow:
    """A user as the file gives it (carried signed to the apply step)."""

    row: int
    email: str
    name: str
    roles: list[str]
    units: list[str]


@dataclass
class UserPlan:
    row: int
    email: str
    #: The file's name (for an account elsewhere, never the account's own).
    name: str
    action: str
    roles: list[RoleName]
    units: list[Unit]
    added_roles: list[RoleName] = field(default_factory=list)
    added_units: list[Unit] = field(default_factory=list)
    #: The name now, when the file changes it.
    old_name: str = ""
    user: User | None = None


@dataclass
class UserPreview:
    rows: list[UserRow] = field(default_factory=list)
    plans: list[UserPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Every problem, by row."""
        return _in_order(self.problems)

    def count(self, action: str) -> int:
        return sum(1 for p in self.plans if p.action == action)


def _user_rows(table: Table, errors: list[Problem]) -> list[UserRow]:
    where = _columns(table, USER_COLUMNS, errors)
    if len(where) < len(USER_COLUMNS):
        return []
    rows = []
    seen: dict[str, int] = {}
    for n, cells in table.rows:
        email = _get(cells, where["email"]).lower()
        name = _get(cells, where["nama"])
        roles = [r.lower() for r in _split(_get(cells, where["peran"]))]
        units = _split(_get(cells, where["unit"]))
        problems: list[Problem] = []
        if not email:
            problems.append(_at(n, "email", _("alamat surel wajib diisi")))
        elif len(email) > 255 or not _EMAIL.match(email):
            problems.append(_at(n, "email", _("“%(email)s” bukan alamat surel yang sah", email=email)))
        elif email in seen:
            problems.append(
                _at(n, "email", _("%(email)s sudah ada di baris %(first)s", email=email, first=seen[email]))
            )
        if not name:
            problems.append(_at(n, "nama", _("nama wajib diisi")))
        elif len(name) > 255:
            problems.append(_at(n, "nama", _("paling banyak %(n)s karakter", n=255)))
        known = {r.value for r in RoleName}
        unknown = [r for r in roles if r not in known]
        if not roles:
            problems.append(_at(n, "peran", _("isi minimal satu peran: %(roles)s", roles=", ".join(sorted(known)))))
        elif unknown:
            problems.append(
                _at(
                    n,
                    "peran",
                    _(
                        "peran “%(role)s” tidak dikenal; pilih dari: %(roles)s",
                        role=unknown[0],
                        roles=", ".join(r.value for r in RoleName),
                    ),
                )
            )
        if email:
            seen.setdefault(email, n)
        if problems:
            errors.extend(problems)
            continue
        rows.append(UserRow(row=n, email=email, name=name, roles=roles, units=units))
    return rows


def _unit_finder(instansi: Instansi) -> tuple[dict[str, Unit], dict[str, list[Unit]]]:
    units = list(db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id)))
    by_short: dict[str, list[Unit]] = {}
    for unit in units:
        if unit.short_name:
            by_short.setdefault(unit.short_name.lower(), []).append(unit)
    return {u.name.lower(): u for u in units}, by_short


def _existing_users(emails: Sequence[str]) -> dict[str, User]:
    """The accounts of ``emails`` with their roles and units: a fixed number of queries, whatever their number."""
    if not emails:
        return {}
    found = db.session.scalars(
        select(User)
        .where(func.lower(User.email).in_(emails))
        .options(selectinload(User.memberships), selectinload(User.unit_links).joinedload(UnitMember.unit))
    )
    return {u.email.lower(): u for u in found}


def _plan_users(instansi: Instansi, rows: Sequence[UserRow], errors: list[Problem]) -> list[UserPlan]:
    by_name, by_short = _unit_finder(instansi)
    existing = _existing_users([r.email for r in rows])
    plans = []
    for r in rows:
        user = existing.get(r.email)
        here = [m for m in user.memberships if m.instansi_id == instansi.id] if user is not None else []
        linked = {link.unit_id for link in user.unit_links} if user is not None else set()
        units: list[Unit] = []
        problems: list[Problem] = []
        for label in r.units:
            unit = by_name.get(label.lower())
            if unit is None:
                matches = by_short.get(label.lower(), [])
                if len(matches) > 1:
                    problems.append(
                        _at(
                            r.row,
                            "unit",
                            _("singkatan “%(unit)s” dipakai beberapa unit; tulis nama lengkapnya", unit=label),
                        )
                    )
                    continue
                unit = matches[0] if matches else None
            if unit is None:
                problems.append(_at(r.row, "unit", _("unit “%(unit)s” tidak ada di instansi ini", unit=label)))
            elif not unit.active and unit.id not in linked:
                problems.append(_at(r.row, "unit", _("unit %(unit)s sudah dinonaktifkan", unit=unit.name)))
            elif unit not in units:
                units.append(unit)
        if problems:
            errors.extend(problems)
            continue
        roles = sorted({RoleName(v) for v in r.roles}, key=_ROLE_ORDER.index)
        plan = UserPlan(row=r.row, email=r.email, name=r.name, action=CREATE, roles=roles, units=units, user=user)
        if here and user is not None:
            held = {m.role for m in here}
            plan.added_roles = [role for role in roles if role not in held]
            plan.added_units = [unit for unit in units if unit.id not in linked]
            only_here = all(m.instansi_id == instansi.id for m in user.memberships)
            if only_here and r.name != user.name:
                plan.old_name = user.name
            changed = plan.added_roles or plan.added_units or plan.old_name
            plan.action = CHANGE if changed else UNCHANGED
        else:
            plan.added_roles, plan.added_units = list(roles), list(units)
        plans.append(plan)
    return plans


def preview_users(instansi: Instansi, data: bytes, filename: str) -> UserPreview:
    """What the users file would create and change in ``instansi``. Nothing is written."""
    table = read_table(data, filename)
    preview = UserPreview()
    preview.rows = _user_rows(table, preview.problems)
    preview.plans = _plan_users(instansi, preview.rows, preview.problems)
    return preview


def load_user_rows(instansi: Instansi, token: str, secret: str) -> list[UserRow]:
    return [UserRow(**row) for row in _load_rows("users", instansi, token, secret)]


@dataclass(frozen=True)
class Created:
    """A user the import made a user of this instansi, as the admin sees them: the file's address and name, and
    either that an e-mail went out or the one-time link to hand over (shown once, kept nowhere)."""

    row: int
    email: str
    name: str
    emailed: bool
    path: str


@dataclass
class UsersApplied:
    created: list[Created] = field(default_factory=list)
    changed: list[UserPlan] = field(default_factory=list)
    unchanged: int = 0


def _added_elsewhere(user: User, instansi: Instansi) -> tuple[str, bool]:
    """For an account that already existed: what a new one would get (a link, or an e-mail), with nothing it could
    be used for. The link's token is made and kept nowhere, so it leads to "no longer valid"; the e-mail tells the
    owner they now work for ``instansi`` too and sign in as before."""
    path = path_for("invitations.accept", token=secrets.token_urlsafe(32))
    settings = mail.MailSettings.from_config(current_app.config)
    if not settings.enabled:
        return path, False
    language = user.locale if user.locale in current_app.config["LANGUAGES"] else None
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("[Mandiri] Anda ditambahkan ke %(instansi)s", instansi=instansi.name)
        body = "\n".join(
            [
                _("Yth. %(name)s,", name=user.name),
                "",
                _(
                    "Admin %(instansi)s menambahkan Anda sebagai pengguna instansi itu di Mandiri. Masuklah dengan "
                    "akun dan kata sandi Anda yang sudah ada.",
                    instansi=instansi.name,
                ),
            ]
        )
    mail.queue(settings, mail.Mail(to=user.email, subject=subject, body=body))
    return path, True


def _new_account(instansi: Instansi, plan: UserPlan) -> User:
    """A new account without a password (as :func:`assess.services.users.create_user` makes one), with its roles and
    units, added to the session: the address was looked up with all the others, so nothing is read here."""
    user = cast(User, security.datastore.create_user(email=plan.email, name=plan.name, password=None))
    user.memberships = [Membership(instansi_id=instansi.id, role=role) for role in plan.roles]
    user.unit_links = [UnitMember(unit_id=unit.id) for unit in plan.units]
    return user


def apply_users(instansi: Instansi, rows: Sequence[UserRow], *, actor: User | None) -> UsersApplied:
    """Create, add to and invite the users of ``rows`` as planned against the instansi now; flushes. Refused, with
    every problem, when any row no longer fits (a unit renamed or deactivated meanwhile)."""
    errors: list[Problem] = []
    plans = _plan_users(instansi, rows, errors)
    _refuse(errors)
    result = UsersApplied()
    new: list[tuple[UserPlan, User]] = []
    for plan in plans:
        if plan.action == UNCHANGED:
            result.unchanged += 1
            continue
        user = plan.user
        if user is None:
            new.append((plan, _new_account(instansi, plan)))
            continue
        for role in plan.added_roles:
            db.session.add(Membership(user=user, instansi_id=instansi.id, role=role))
        for unit in plan.added_units:
            db.session.add(UnitMember(user=user, unit_id=unit.id))
        if plan.action == CREATE:
            path, emailed = _added_elsewhere(user, instansi)
            result.created.append(Created(plan.row, plan.email, plan.name, emailed, path))
        else:
            if plan.old_name:
                user.name = plan.name
            result.changed.append(plan)
    db.session.flush()
    for plan, user in new:
        invited = invite(user=user, instansi=instansi, by=actor)
        result.created.append(Created(plan.row, plan.email, plan.name, invited.emailed, invited.path))
    result.created.sort(key=lambda c: c.row)
    log.info(
        "impor pengguna %s: %s dibuat, %s diubah, %s tetap",
        instansi.slug,
        len(result.created),
        len(result.changed),
        result.unchanged,
    )
    return result


def find_instansi(slug: str) -> Instansi:
    """The instansi of ``slug`` (for the command line)."""
    instansi = db.session.scalar(select(Instansi).where(Instansi.slug == slug))
    if instansi is None:
        raise DomainError(_l("Instansi %(slug)s tidak ada.", slug=slug))
    return instansi
