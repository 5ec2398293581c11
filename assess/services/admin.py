"""Administration of one instansi: its profile, its units (OPD) and the users holding roles in it.

An admin acts within one instansi only: roles and unit links elsewhere are never touched, and the account
of a user who also works for another instansi (its password, whether it may sign in) is out of reach:
such a user is removed from this instansi instead of being deactivated for all. Creating a user with an
address that already has an account adds that account to this instansi, answered exactly as a new one,
so that the page never tells an admin which addresses are in use elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import IO

from flask_babel import gettext as _
from flask_security import hash_password
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from assess.errors import DomainError
from assess.extensions import db
from assess.models import Instansi, InstansiKind, Membership, RoleName, Unit, UnitMember, User
from assess.services.users import (
    MIN_PASSWORD_LENGTH,
    activate_user,
    add_to_unit,
    create_user,
    deactivate_user,
    find_user,
    generate_password,
    grant_role,
    set_password,
)
from uploads.errors import UploadRejectedError
from uploads.pipeline import ingest
from uploads.storage import Storage
from uploads.validation import Policy

log = logging.getLogger(__name__)
USERS_PER_PAGE = 25


# -- reading ---------------------------------------------------------------------------------------


def administered_instansi(user: User) -> list[Instansi]:
    """The instansi where ``user`` holds the admin role, by name."""
    return list(
        db.session.scalars(
            select(Instansi)
            .join(Membership, Membership.instansi_id == Instansi.id)
            .where(Membership.user_id == user.id, Membership.role == RoleName.ADMIN)
            .order_by(Instansi.name)
        )
    )


def units_of(instansi: Instansi) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id).order_by(Unit.name)))


def units_with_member_counts(instansi: Instansi) -> list[tuple[Unit, int]]:
    rows = db.session.execute(
        select(Unit, func.count(UnitMember.id))
        .outerjoin(UnitMember, UnitMember.unit_id == Unit.id)
        .where(Unit.instansi_id == instansi.id)
        .group_by(Unit.id)
        .order_by(Unit.name)
    )
    return [(unit, count) for unit, count in rows]


def load_unit(*, instansi: Instansi, unit_id: int) -> Unit | None:
    """The unit, or None when it does not exist or belongs to another instansi."""
    unit = db.session.get(Unit, unit_id)
    return unit if unit is not None and unit.instansi_id == instansi.id else None


def _members(instansi: Instansi) -> Select[User]:
    holds_role = select(Membership.user_id).where(Membership.instansi_id == instansi.id)
    return select(User).where(User.id.in_(holds_role))


def _with_roles_and_units(stmt: Select[User]) -> Select[User]:
    return stmt.options(selectinload(User.memberships), selectinload(User.unit_links).joinedload(UnitMember.unit))


def load_member(*, instansi: Instansi, user_id: int) -> User | None:
    """A user holding a role in ``instansi`` (with their memberships and units), or None."""
    return db.session.scalar(_with_roles_and_units(_members(instansi).where(User.id == user_id)))


@dataclass(frozen=True)
class MemberRow:
    """A user as the admin of one instansi sees them."""

    user: User
    roles: tuple[RoleName, ...]
    units: tuple[Unit, ...]
    #: The user also holds a role in another instansi.
    elsewhere: bool


def member_row(instansi: Instansi, user: User) -> MemberRow:
    order = list(RoleName)
    return MemberRow(
        user=user,
        roles=tuple(sorted((m.role for m in user.memberships if m.instansi_id == instansi.id), key=order.index)),
        units=tuple(
            sorted((link.unit for link in user.unit_links if link.unit.instansi_id == instansi.id), key=_unit_key)
        ),
        elsewhere=any(m.instansi_id != instansi.id for m in user.memberships),
    )


def _unit_key(unit: Unit) -> str:
    return unit.name.lower()


def member_page(*, instansi: Instansi, search: str = "", page: int = 1) -> tuple[Pagination, list[MemberRow]]:
    """One page of the instansi's users, by name, optionally filtered on name or e-mail; a fixed number of queries."""
    stmt = _members(instansi)
    needle = search.strip().lower()
    if needle:
        stmt = stmt.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    stmt = _with_roles_and_units(stmt.order_by(func.lower(User.name), User.id))
    pagination = db.paginate(stmt, page=max(page, 1), per_page=USERS_PER_PAGE, error_out=False)
    return pagination, [member_row(instansi, user) for user in pagination.items]


# -- the instansi and its units --------------------------------------------------------------------


def update_instansi(*, instansi: Instansi, name: str, kind: InstansiKind) -> Instansi:
    name = name.strip()
    if not name:
        raise DomainError(_("Nama instansi wajib diisi."), field="name")
    instansi.name = name
    instansi.kind = kind
    db.session.flush()
    log.info("profil instansi diubah: %s", instansi.slug)
    return instansi


def _check_unit_name(instansi: Instansi, name: str, *, unit: Unit | None = None) -> str:
    name = name.strip()
    if not name:
        raise DomainError(_("Nama unit wajib diisi."), field="name")
    same = select(Unit.id).where(Unit.instansi_id == instansi.id, func.lower(Unit.name) == name.lower())
    if unit is not None:
        same = same.where(Unit.id != unit.id)
    if db.session.scalar(same) is not None:
        raise DomainError(_("Unit bernama %(name)s sudah ada di instansi ini.", name=name), field="name")
    return name


def create_unit(*, instansi: Instansi, name: str, short_name: str | None) -> Unit:
    unit = Unit(
        instansi_id=instansi.id, name=_check_unit_name(instansi, name), short_name=(short_name or "").strip() or None
    )
    db.session.add(unit)
    db.session.flush()
    log.info("unit dibuat: %s / %s", instansi.slug, unit.name)
    return unit


def update_unit(*, unit: Unit, name: str, short_name: str | None) -> Unit:
    unit.name = _check_unit_name(unit.instansi, name, unit=unit)
    unit.short_name = (short_name or "").strip() or None
    db.session.flush()
    log.info("unit diubah: %s", unit.id)
    return unit


def set_unit_active(*, unit: Unit, active: bool) -> Unit:
    """Deactivate or reactivate a unit; its members keep their link, but no new member can join."""
    unit.active = active
    db.session.flush()
    log.info("unit %s: %s", "diaktifkan" if active else "dinonaktifkan", unit.id)
    return unit


# -- users -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMember:
    user: User
    #: The generated password when the admin typed none; shown once, stored nowhere in clear. For an
    #: address that already had an account it is shown all the same and applies to nothing (the page says
    #: so): the answer must not tell the two apart.
    generated_password: str | None


def _roles(roles: Iterable[RoleName | str]) -> set[RoleName]:
    try:
        chosen = {RoleName(r) for r in roles}
    except ValueError:
        raise DomainError(_("Peran tidak dikenal."), field="roles") from None
    if not chosen:
        raise DomainError(_("Pilih minimal satu peran."), field="roles")
    return chosen


def _units(instansi: Instansi, unit_ids: Iterable[int], *, already: Collection[int] = ()) -> list[Unit]:
    """Units of this instansi by id; an inactive unit is accepted only where the user is already a member."""
    wanted = set(unit_ids)
    if not wanted:
        return []
    units = list(db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id, Unit.id.in_(wanted))))
    if len(units) != len(wanted):
        raise DomainError(_("Unit yang dipilih tidak ada di instansi ini."), field="units")
    for unit in units:
        if not unit.active and unit.id not in already:
            raise DomainError(_("Unit %(name)s sudah dinonaktifkan.", name=unit.name), field="units")
    return units


def _password(password: str | None) -> tuple[str, str | None]:
    if not password:
        generated = generate_password()
        return generated, generated
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH), field="password")
    return password, None


def create_member(
    *,
    instansi: Instansi,
    email: str,
    name: str,
    roles: Iterable[RoleName | str],
    unit_ids: Iterable[int] = (),
    password: str | None = None,
) -> NewMember:
    """A new user of ``instansi`` with the given roles and units; without a password one is generated.

    An address that already has an account (in another instansi, or in none) adds that account to this
    instansi with the roles and units chosen; its name, password and sessions stay its owner's. The work
    done and the answer are the same as for a new account.
    """
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError(_("Alamat surel tidak sah."), field="email")
    existing = find_user(email)
    if existing is not None and any(m.instansi_id == instansi.id for m in existing.memberships):
        raise DomainError(_("%(email)s sudah menjadi pengguna instansi ini.", email=email), field="email")
    chosen = _roles(roles)
    units = _units(instansi, unit_ids)
    clear, generated = _password(password)
    order = list(RoleName)
    if existing is None:
        user = create_user(
            email=email,
            name=name,
            password=clear,
            instansi=instansi,
            roles=sorted(chosen, key=order.index),
            units=units,
        )
        user.must_change_password = True  # the admin knows it: the user replaces it at the first sign-in
        return NewMember(user=user, generated_password=generated)
    hash_password(clear)  # the hashing a new account costs, so that the time taken does not tell either
    for role in sorted(chosen, key=order.index):
        grant_role(existing, instansi, role)
    for unit in units:
        add_to_unit(existing, unit)
    log.info("akun yang sudah ada ditambahkan ke %s: %s", instansi.slug, email)
    return NewMember(user=existing, generated_password=generated)


def _refuse_self(actor: User, user: User, message: str, field: str | None = None) -> None:
    if actor.id == user.id:
        raise DomainError(message, field=field)


def holds_roles_elsewhere(user: User, instansi: Instansi) -> bool:
    return any(m.instansi_id != instansi.id for m in user.memberships)


def update_member(
    *, instansi: Instansi, actor: User, user: User, roles: Iterable[RoleName | str], unit_ids: Iterable[int]
) -> User:
    """Set ``user``'s roles and units within ``instansi``; those in other instansi stay as they are."""
    chosen = _roles(roles)
    here = {m.role for m in user.memberships if m.instansi_id == instansi.id}
    if RoleName.ADMIN in here and RoleName.ADMIN not in chosen:
        _refuse_self(actor, user, _("Anda tidak dapat mencabut peran admin dari akun Anda sendiri."), "roles")
    links_here = {link.unit_id: link for link in user.unit_links if link.unit.instansi_id == instansi.id}
    units = _units(instansi, unit_ids, already=links_here.keys())

    for membership in [m for m in user.memberships if m.instansi_id == instansi.id and m.role not in chosen]:
        user.memberships.remove(membership)
    for role in sorted(chosen - here, key=list(RoleName).index):
        grant_role(user, instansi, role)
    keep = {unit.id for unit in units}
    for unit_id, link in links_here.items():
        if unit_id not in keep:
            user.unit_links.remove(link)
    for unit in units:
        add_to_unit(user, unit)
    db.session.flush()
    log.info("peran/unit diubah: %s di %s", user.email, instansi.slug)
    return user


def refuse_shared_password(user: User, instansi: Instansi) -> None:
    """Whoever sets the password of an account can sign in as its user everywhere: not from here when the
    user also works for another instansi."""
    if holds_roles_elsewhere(user, instansi):
        raise DomainError(
            _(
                "%(name)s juga memiliki peran di instansi lain, jadi kata sandinya tidak dapat diatur ulang dari "
                "sini. Mintalah ia menggantinya sendiri melalui halaman Ubah kata sandi.",
                name=user.name,
            )
        )


def reset_member_password(*, instansi: Instansi, actor: User, user: User, password: str | None = None) -> str | None:
    """Set a new password (typed, or generated and returned) and end the user's open sessions."""
    _refuse_self(actor, user, _("Ganti kata sandi Anda sendiri melalui halaman Ubah kata sandi."))
    refuse_shared_password(user, instansi)
    clear, generated = _password(password)
    set_password(user=user, password=clear)
    user.must_change_password = True
    return generated


def deactivate_member(*, instansi: Instansi, actor: User, user: User) -> None:
    """Stop a user of this instansi only from logging in; their open sessions end at once."""
    _refuse_self(actor, user, _("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if holds_roles_elsewhere(user, instansi):
        raise DomainError(
            _(
                "%(name)s juga memiliki peran di instansi lain, jadi akunnya tidak dapat dinonaktifkan dari sini. "
                "Gunakan “Keluarkan dari instansi ini”.",
                name=user.name,
            )
        )
    deactivate_user(user=user)


def activate_member(*, instansi: Instansi, actor: User, user: User) -> None:
    _refuse_self(actor, user, _("Anda tidak dapat mengubah status akun Anda sendiri."))
    if holds_roles_elsewhere(user, instansi):
        raise DomainError(
            _(
                "%(name)s juga memiliki peran di instansi lain, jadi akunnya tidak dapat diaktifkan dari sini.",
                name=user.name,
            )
        )
    activate_user(user=user)


def remove_member(*, instansi: Instansi, actor: User, user: User) -> None:
    """Delete the user's roles and unit links in this instansi; the account and its other roles stay."""
    _refuse_self(actor, user, _("Anda tidak dapat mengeluarkan diri sendiri dari instansi ini."))
    if not holds_roles_elsewhere(user, instansi):
        raise DomainError(
            _(
                "%(name)s hanya memiliki peran di instansi ini. Nonaktifkan akunnya bila ia tidak boleh lagi masuk.",
                name=user.name,
            )
        )
    for membership in [m for m in user.memberships if m.instansi_id == instansi.id]:
        user.memberships.remove(membership)
    for link in [link for link in user.unit_links if link.unit.instansi_id == instansi.id]:
        user.unit_links.remove(link)
    db.session.flush()
    log.info("pengguna dikeluarkan: %s dari %s", user.email, instansi.slug)


#: The logo is a small image: PNG or JPEG up to 2 MiB and 25 megapixels.
LOGO_POLICY = Policy(
    allowed_extensions=frozenset({"png", "jpg", "jpeg"}), max_bytes=2 * 1024 * 1024, max_image_pixels=25_000_000
)


def set_logo(*, instansi: Instansi, stream: IO[bytes], filename: str, storage: Storage) -> None:
    """Validate and store a logo image; the previous logo's bytes stay in the content-addressed store."""
    try:
        stored = ingest(stream, filename, storage, LOGO_POLICY)
    except UploadRejectedError as exc:
        raise DomainError(exc.message, field="logo") from None
    if stored.info.kind != "image":
        raise DomainError(_("Logo harus berupa gambar PNG atau JPEG."), field="logo")
    instansi.logo_key = stored.key
    instansi.logo_mime = stored.info.mime
    db.session.flush()


def remove_logo(*, instansi: Instansi) -> None:
    instansi.logo_key = None
    instansi.logo_mime = None
    db.session.flush()
