"""Invitations: a one-time link for a new user (an instansi's first admin, an imported user) to set their own password.

:func:`invite` makes the link's token and keeps only its SHA-256; the link works once (:func:`accept` marks it
used), until it expires (``MANDIRI_INVITATION_DAYS``), and only while the user and the instansi are active. A new
invitation for the same person replaces the open ones. When SMTP is configured the link is e-mailed after the
commit, in the invitee's language; otherwise whoever invited hands it over (the page shows it once).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import hash_password
from sqlalchemy import select, update

from assess import mail
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Instansi, Invitation, User
from assess.models.base import as_utc, utcnow
from assess.services.notifications import path_for
from assess.services.users import MIN_PASSWORD_LENGTH
from assess.sessions import revoke_all

log = logging.getLogger(__name__)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Invited:
    """An invitation made: the site-relative link (shown once when no e-mail is sent) and whether it was e-mailed."""

    invitation: Invitation
    path: str
    emailed: bool


def invite(*, user: User, instansi: Instansi, by: User | None) -> Invited:
    """A new invitation for ``user`` into ``instansi`` (their open ones end); e-mailed after the commit when SMTP is
    configured. Flushes."""
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user_id=user.id,
        instansi_id=instansi.id,
        token_sha256=_digest(token),
        created_by_id=by.id if by is not None else None,
        created_at=now,
        expires_at=now + timedelta(days=int(current_app.config["INVITATION_DAYS"])),
    )
    db.session.add(invitation)
    db.session.flush()
    path = path_for("invitations.accept", token=token)
    emailed = _send(user, instansi, path)
    log.info("undangan %s dibuat untuk pengguna %s (%s)", invitation.id, user.id, "surel" if emailed else "tautan")
    return Invited(invitation, path, emailed)


def _send(user: User, instansi: Instansi, path: str) -> bool:
    settings = mail.MailSettings.from_config(current_app.config)
    if not settings.enabled:
        return False
    base = str(current_app.config.get("MAIL_BASE_URL") or "").rstrip("/")
    language = user.locale if user.locale in current_app.config["LANGUAGES"] else None
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("[Mandiri] Undangan ke %(instansi)s", instansi=instansi.name)
        body = "\n".join(
            [
                _("Yth. %(name)s,", name=user.name),
                "",
                _(
                    "Anda diundang memakai Mandiri untuk %(instansi)s. Buka tautan ini untuk membuat kata sandi Anda "
                    "sendiri (berlaku %(days)s hari, sekali pakai):",
                    instansi=instansi.name,
                    days=current_app.config["INVITATION_DAYS"],
                ),
                base + path if base else path,
                "",
                _("Alamat surel untuk masuk: %(email)s", email=user.email),
            ]
        )
    mail.queue(settings, mail.Mail(to=user.email, subject=subject, body=body))
    return True


def find(token: str) -> Invitation | None:
    """The open invitation of ``token``: not used, not expired, its user and instansi active (reads only)."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_sha256 == _digest(token)))
    if invitation is None or invitation.used_at is not None or as_utc(invitation.expires_at) <= utcnow():
        return None
    if not invitation.user.active or not invitation.instansi.active:
        return None
    return invitation


def accept(*, token: str, password: str, confirm: str) -> User:
    """Set the invitee's own password from the link (once): the invitation is used up, sessions from before end.
    Flushes."""
    invitation = find(token)
    if invitation is None:
        raise DomainError(_l("Tautan undangan ini tidak berlaku lagi. Minta undangan baru kepada admin instansi."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH), field="password")
    if password != confirm:
        raise DomainError(_l("Kedua kata sandi tidak sama."), field="confirm")
    user = invitation.user
    user.password = hash_password(password)
    user.must_change_password = False
    invitation.used_at = utcnow()
    revoke_all(user)
    db.session.flush()
    log.info("undangan %s dipakai oleh pengguna %s", invitation.id, user.id)
    return user
