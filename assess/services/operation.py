"""Running a deployment: operators, and instansi created, deactivated and reactivated (``/operator/`` and the CLI).

An operator is a platform-level flag, not a role in an instansi: it opens these pages and nothing else; an
operator reads no answer, document or audit entry of an instansi unless they also hold a role there. Each change
an operator makes to an instansi is recorded in that instansi's audit trail and logged.

A new instansi gets its first admin in the same step: a new account without a password, invited to set their own
(:func:`assess.services.invitations.invite`). An address that already has an account becomes the admin as it is,
answered exactly as a new one (as the admin pages do): its name, password and sessions stay its owner's, and it
gets no invitation, since following one sets the account's password.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import IO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import hash_password
from sqlalchemy import select

from assess import audit, mail
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Instansi, InstansiKind, RoleName, User
from assess.services.admin import set_logo
from assess.services.invitations import invite
from assess.services.notifications import path_for
from assess.services.users import MIN_PASSWORD_LENGTH, create_user, find_user, grant_role
from uploads.storage import Storage

log = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"[a-z0-9-]{2,64}")
SLUG_RULE = _l("Slug hanya huruf kecil a-z, angka dan tanda hubung (-), 2 sampai 64 karakter.")
#: The fields an instansi is created with, as the CLI names them in a refusal.
FIELD_NAMES = {"name": "--name", "kind": "--kind"}


def valid_slug(slug: str) -> bool:
    return SLUG_PATTERN.fullmatch(slug) is not None


def find_instansi(slug: str) -> Instansi | None:
    return db.session.scalar(select(Instansi).where(Instansi.slug == slug))


# -- operators -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OperatorMade:
    user: User
    #: The address already had an account: it became an operator, its password unchanged.
    existed: bool
    #: It already was an operator: nothing changed.
    unchanged: bool


def make_operator(*, email: str, name: str, password: str | None) -> OperatorMade:
    """A new operator account, or an existing account made an operator (its name and password stay its
    owner's; a password given for it is refused rather than ignored). Flushes."""
    existing = find_user(email)
    if existing is None:
        if password is None:
            raise DomainError(_l("Akun operator baru memerlukan kata sandi."), field="password")
        user = create_user(email=email, name=name, password=password)
        user.is_operator = True
        db.session.flush()
        log.info("operator dibuat: %s", user.email)
        return OperatorMade(user, existed=False, unchanged=False)
    if password is not None:
        raise DomainError(
            _l(
                "%(email)s sudah memiliki akun; kata sandinya tidak diubah dari sini. Ulangi tanpa --password.",
                email=existing.email,
            ),
            field="password",
        )
    if existing.is_operator:
        return OperatorMade(existing, existed=True, unchanged=True)
    existing.is_operator = True
    db.session.flush()
    log.info("akun yang sudah ada dijadikan operator: %s", existing.email)
    return OperatorMade(existing, existed=True, unchanged=False)


# -- instansi --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstansiMade:
    instansi: Instansi
    created: bool


def _check_new(slug: str, name: str) -> None:
    if not valid_slug(slug):
        raise DomainError(SLUG_RULE, field="slug")
    if not name.strip():
        raise DomainError(_l("Nama instansi wajib diisi."), field="name")


def ensure_instansi(*, slug: str, name: str, kind: InstansiKind, by: User | None = None) -> InstansiMade:
    """Create the instansi; the same values again change nothing; other values for an existing slug are refused,
    naming the field that differs (``mandiri instansi create``). Flushes."""
    _check_new(slug, name)
    existing = find_instansi(slug)
    if existing is None:
        return InstansiMade(_create(slug=slug, name=name, kind=kind, by=by), created=True)
    differing = [
        field for field, value in (("name", name.strip()), ("kind", kind)) if getattr(existing, field) != value
    ]
    if differing:
        raise DomainError(
            _l(
                "Instansi %(slug)s sudah ada dengan nilai lain untuk %(fields)s (tersimpan: %(stored)s). Tidak ada "
                "yang diubah.",
                slug=slug,
                fields=", ".join(FIELD_NAMES[f] for f in differing),
                stored=", ".join(f"{FIELD_NAMES[f]} {getattr(existing, f)}" for f in differing),
            ),
            field=differing[0],
        )
    return InstansiMade(existing, created=False)


def _create(*, slug: str, name: str, kind: InstansiKind, by: User | None) -> Instansi:
    instansi = Instansi(slug=slug, name=name.strip(), kind=kind, active=True)
    db.session.add(instansi)
    db.session.flush()
    audit.record(
        assessment=None,
        actor=by,
        object_type="instansi",
        object_id=instansi.id,
        action="instansi.create",
        changes=[("slug", None, slug), ("name", None, instansi.name), ("kind", None, kind.value)],
        instansi_id=instansi.id,
    )
    log.info("instansi dibuat: %s (oleh %s)", slug, by.email if by is not None else "baris perintah")
    return instansi


@dataclass(frozen=True)
class Logo:
    stream: IO[bytes]
    filename: str
    storage: Storage


@dataclass(frozen=True)
class InstansiStarted:
    """An instansi created with its first admin, and how the admin is told: ``emailed``, or ``path`` (the
    site-relative link to hand over, shown once)."""

    instansi: Instansi
    admin: User
    path: str
    emailed: bool


def start_instansi(
    *,
    slug: str,
    name: str,
    kind: InstansiKind,
    admin_email: str,
    admin_name: str,
    by: User,
    logo: Logo | None = None,
) -> InstansiStarted:
    """A new instansi (a slug already taken is refused), its logo, and its first admin invited. Flushes; the
    invitation is e-mailed after the commit when SMTP is configured."""
    _check_new(slug, name)
    if find_instansi(slug) is not None:
        raise DomainError(_l("Slug %(slug)s sudah dipakai instansi lain.", slug=slug), field="slug")
    email = admin_email.strip().lower()
    if "@" not in email:
        raise DomainError(_l("Alamat surel tidak sah."), field="admin_email")
    instansi = _create(slug=slug, name=name, kind=kind, by=by)
    if logo is not None:
        set_logo(instansi=instansi, stream=logo.stream, filename=logo.filename, storage=logo.storage)
    existing = find_user(email)
    if existing is None:
        admin = create_user(email=email, name=admin_name, password=None, instansi=instansi, roles=[RoleName.ADMIN])
        invited = invite(user=admin, instansi=instansi, by=by)
        path, emailed = invited.path, invited.emailed
    else:
        admin = existing
        grant_role(admin, instansi, RoleName.ADMIN)
        path, emailed = _as_if_invited(admin, instansi)
    audit.record(
        assessment=None,
        actor=by,
        object_type="instansi",
        object_id=instansi.id,
        action="instansi.first_admin",
        changes=[("admin", None, email)],
        instansi_id=instansi.id,
    )
    log.info("admin pertama %s untuk %s (oleh operator %s)", admin.id, slug, by.email)
    return InstansiStarted(instansi, admin, path, emailed)


def _as_if_invited(user: User, instansi: Instansi) -> tuple[str, bool]:
    """For an account that exists: the same answer as an invitation, without one (following an invitation sets the
    account's password). When SMTP is configured the owner is told by e-mail that they are the new instansi's
    admin; otherwise the link shown leads to the page of an invitation no longer valid."""
    hash_password(secrets.token_urlsafe(MIN_PASSWORD_LENGTH))  # the work an invitation costs, as the admin pages do
    path = path_for("invitations.accept", token=secrets.token_urlsafe(32))
    settings = mail.MailSettings.from_config(current_app.config)
    if not settings.enabled:
        return path, False
    mail.queue(settings, _admin_notice(user, instansi))
    return path, True


def _admin_notice(user: User, instansi: Instansi) -> mail.Mail:
    language = user.locale if user.locale in current_app.config["LANGUAGES"] else None
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("[Mandiri] Anda admin %(instansi)s", instansi=instansi.name)
        body = "\n".join(
            [
                _("Yth. %(name)s,", name=user.name),
                "",
                _(
                    "Anda kini admin %(instansi)s di Mandiri. Masuklah dengan surel dan kata sandi akun Anda yang "
                    "sudah ada: %(email)s",
                    instansi=instansi.name,
                    email=user.email,
                ),
            ]
        )
    return mail.Mail(to=user.email, subject=subject, body=body)


def set_instansi_active(*, instansi: Instansi, active: bool, by: User | None) -> None:
    """Deactivate or reactivate: nothing is deleted. While inactive its users cannot sign in (unless they hold a role
    in another active instansi or are operators), their roles there count as none, and its invitations stop
    working. Flushes."""
    if instansi.active == active:
        raise DomainError(
            _l("Instansi ini sudah aktif.") if active else _l("Instansi ini sudah nonaktif."), field="active"
        )
    instansi.active = active
    db.session.flush()
    audit.record(
        assessment=None,
        actor=by,
        object_type="instansi",
        object_id=instansi.id,
        action="instansi.activate" if active else "instansi.deactivate",
        changes=[("active", not active, active)],
        instansi_id=instansi.id,
    )
    log.info(
        "instansi %s %s (oleh %s)",
        instansi.slug,
        "diaktifkan kembali" if active else "dinonaktifkan",
        by.email if by is not None else "baris perintah",
    )
