"""Users, their roles per instansi and their units."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import cast

from flask_babel import lazy_gettext as _l
from flask_security import hash_password
from sqlalchemy import func, select

from assess.errors import DomainError
from assess.extensions import db, security
from assess.models import Instansi, Membership, RoleName, Unit, UnitMember, User
from assess.sessions import revoke_all

log = logging.getLogger(__name__)


MIN_PASSWORD_LENGTH = 8


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    instansi: Instansi | None = None,
    roles: Iterable[RoleName] = (),
    units: Iterable[Unit] = (),
) -> User:
    """A new active user with the given roles in ``instansi`` and membership of ``units``; without a password
    (``None``) they cannot sign in until they set their own from an invitation."""
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError(_l("Alamat surel tidak sah."), field="email")
    if find_user(email) is not None:
        raise DomainError(_l("Pengguna dengan surel %(email)s sudah ada.", email=email), field="email")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH), field="password")
    roles = list(roles)
    if roles and instansi is None:
        raise DomainError(_l("Peran hanya dapat diberikan dalam sebuah instansi."), field="instansi")
    hashed = hash_password(password) if password is not None else None
    created = security.datastore.create_user(email=email, name=name.strip() or email, password=hashed)
    user = cast(User, created)
    db.session.flush()
    if instansi is not None:
        for role in roles:
            grant_role(user, instansi, role)
    for unit in units:
        add_to_unit(user, unit)
    log.info("pengguna dibuat: %s", email)
    return user


def grant_role(user: User, instansi: Instansi, role: RoleName) -> Membership:
    existing = next((m for m in user.memberships if m.instansi_id == instansi.id and m.role == role), None)
    if existing:
        return existing
    membership = Membership(user=user, instansi_id=instansi.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def add_to_unit(user: User, unit: Unit) -> UnitMember:
    existing = next((link for link in user.unit_links if link.unit_id == unit.id), None)
    if existing:
        return existing
    if not any(m.instansi_id == unit.instansi_id for m in user.memberships):
        raise DomainError(_l("Pengguna harus memiliki peran di instansi unit tersebut."), field="units")
    link = UnitMember(user=user, unit_id=unit.id)
    db.session.add(link)
    db.session.flush()
    return link


#: Generated passwords avoid look-alike characters (0/O, 1/l/I) so they can be read out or typed.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 (an alphabet, not a password)


def generate_password(length: int = 14) -> str:
    """A random password for an admin to hand over once."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _pos in range(length))


def end_sessions(*, user: User) -> None:
    """Invalidate every session and remember cookie of ``user``: their login sessions are revoked, and the
    uniquifier every sign-in's identity carries changes."""
    security.datastore.set_uniquifier(user)
    revoke_all(user)
    db.session.flush()


def set_password(*, user: User, password: str) -> None:
    """Replace the password and end the user's open sessions."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH), field="password")
    user.password = hash_password(password)
    end_sessions(user=user)
    log.info("kata sandi diganti: %s", user.email)


def turn_off_two_factor(*, user: User) -> bool:
    """Turn off ``user``'s two-factor sign-in and drop their recovery codes (they lost the phone and the codes); their
    open sessions end. False when it was not on. A role that requires it sends them to set it up at the next sign-in."""
    if not user.tf_primary_method and not user.mf_recovery_codes:
        return False
    security.datastore.tf_reset(user)
    security.datastore.mf_set_recovery_codes(user, None)
    end_sessions(user=user)
    log.info("masuk dua langkah dimatikan: %s", user.email)
    return True


def deactivate_user(*, user: User) -> None:
    """Stop ``user`` from logging in, and end their open sessions at once."""
    user.active = False
    end_sessions(user=user)
    log.info("pengguna dinonaktifkan: %s", user.email)


def activate_user(*, user: User) -> None:
    user.active = True
    db.session.flush()
    log.info("pengguna diaktifkan: %s", user.email)
