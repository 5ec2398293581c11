"""Sign-ins that end on the server: one :class:`LoginSession` row per sign-in, named in the cookies.

Flask-Login keeps ``getattr(user, login_manager.id_attribute)()`` in the session and, with "Ingat saya", in
the remember cookie, and hands it back to the user loader on every request. Here that identity is
``<fs_uniquifier>:<login session id>`` (:meth:`User.login_identity`), and the loader accepts it only while
the row is live: not revoked, not expired, the uniquifier unchanged and the user active. Signing out
revokes the row of that sign-in only (the phone's logout leaves the laptop signed in), so a session or
remember cookie captured before the logout is refused after it. A password change (one's own, or by an
admin) and a deactivation revoke the user's other sign-ins.

A sign-in with "Ingat saya" lasts ``REMEMBER_DAYS``; one without lasts ``SESSION_IDLE_HOURS`` after it was
last used, and never longer than ``REMEMBER_DAYS``. ``last_seen_at`` is written at most every few minutes.
Expired and revoked rows are deleted by :func:`sweep` (each sign-in sweeps its user's own rows).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, after_this_request, current_app, g, has_request_context, session
from flask_login import user_logged_in, user_logged_out  # type: ignore[import-untyped]
from flask_security import password_changed
from flask_security.utils import set_request_attr
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload, with_loader_criteria
from sqlalchemy.orm.attributes import set_committed_value

from assess.database import write_intent, writing
from assess.extensions import db
from assess.models import Instansi, LoginSession, Membership, User
from assess.models.base import as_utc, utcnow

log = logging.getLogger(__name__)

#: ``last_seen_at`` (and the idle expiry that follows it) is written when older than this.
TOUCH_EVERY = timedelta(minutes=5)
_G_KEY = "login_session"


def init_app(app: Flask) -> None:
    """Bind Flask-Login's identity to login sessions and hook the mail outbox (Flask-Security's account e-mail goes
    through it: :mod:`assess.account_mail`). Cookies get ``Secure`` in :mod:`assess.headers`."""
    from assess import mail

    mail.init_mail()
    manager: Any = app.login_manager  # type: ignore[attr-defined]
    manager.id_attribute = "login_identity"
    manager.user_loader(load_user)
    user_logged_in.connect(_remember_flag, app)
    user_logged_out.connect(_end_this_session, app)
    password_changed.connect(_password_changed, app)
    app.add_template_global(seconds_left, "session_seconds_left")


# -- the life of a sign-in -------------------------------------------------------------------------


def _idle() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])


def _longest() -> timedelta:
    return timedelta(days=current_app.config["REMEMBER_DAYS"])


def begin(user: User) -> str:
    """A new login session of ``user`` (flushed; the sign-in's request commits it); its identity."""
    now = utcnow()
    row = LoginSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        remember=False,
        created_at=now,
        last_seen_at=now,
        expires_at=now + min(_idle(), _longest()),
    )
    db.session.add(row)
    db.session.flush()
    setattr(g, _G_KEY, row)
    sweep(user_id=user.id)
    return f"{user.fs_uniquifier}:{row.id}"


def _remember_flag(_app: Flask, user: User, **_extra: Any) -> None:
    """After Flask-Login's ``login_user``: with "Ingat saya" the sign-in lasts ``REMEMBER_DAYS``."""
    row = g.get(_G_KEY)
    if row is not None and session.get("_remember") == "set":
        row.remember = True
        row.expires_at = as_utc(row.created_at) + _longest()
        db.session.flush()


def current() -> LoginSession | None:
    """The login session of this request, when someone is signed in."""
    return g.get(_G_KEY) if has_request_context() else None


def live_memberships() -> Any:
    """The loader option that keeps a signed-in user's roles in a deactivated instansi out of their memberships,
    also when the collection is loaded again after a commit: every permission reads them as none."""
    return with_loader_criteria(
        Membership, lambda cls: cls.instansi_id.in_(select(Instansi.id).where(Instansi.active.is_(True)))
    )


def load_user(identity: str) -> User | None:
    """Flask-Login's user loader: the user of a live login session, in one query (with what every page
    reads: roles, memberships in active instansi, units)."""
    uniquifier, _sep, session_id = str(identity).partition(":")
    if not uniquifier or not session_id:
        return None  # an identity from before login sessions: sign in again
    now = utcnow()
    found = (
        db.session.execute(
            select(User, LoginSession)
            .join(LoginSession, LoginSession.user_id == User.id)
            .options(
                joinedload(User.roles), joinedload(User.memberships), joinedload(User.unit_links), live_memberships()
            )
            .where(
                User.fs_uniquifier == uniquifier,
                LoginSession.id == session_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > now,
            )
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    user, row = found
    if not user.active:
        return None
    set_request_attr("fs_authn_via", "session")
    set_request_attr("fs_paa", session.get("fs_paa", 0))
    setattr(g, _G_KEY, row)
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        _touch(row, now)
    return user


def seconds_left() -> int | None:
    """Seconds until this request's sign-in ends unless it is used again (for the warning before it does)."""
    row = current()
    if row is None:
        return None
    return max(0, int((as_utc(row.expires_at) - utcnow()).total_seconds()))


def keep_alive() -> int | None:
    """"Tetap masuk": the sign-in counts as used now (a sign-in without "Ingat saya" lasts ``SESSION_IDLE_HOURS``
    from now, never past ``REMEMBER_DAYS``); the seconds it has left, ``None`` when nobody is signed in."""
    row = current()
    if row is None:
        return None
    _touch(row, utcnow())
    return seconds_left()


def _touch(row: LoginSession, now: datetime) -> None:
    values: dict[str, Any] = {"last_seen_at": now}
    if not row.remember:
        values["expires_at"] = min(now + _idle(), as_utc(row.created_at) + _longest())
    stmt = update(LoginSession).where(LoginSession.id == row.id).values(**values)
    if write_intent.get():
        # This request writes anyway: its transaction (already holding SQLite's write lock) carries it.
        db.session.execute(stmt)
    else:
        # A reading request: one short transaction of its own, so that no read transaction has to turn into
        # a write one (SQLite refuses that once another writer has committed in between).
        with writing(), db.engine.begin() as connection:
            connection.execute(stmt)
    # The page's warning before the sign-in ends reads the row: the stored values, without writing them again.
    for key, value in values.items():
        set_committed_value(row, key, value)


# -- ending sign-ins -------------------------------------------------------------------------------


def _commit_after(response: Any) -> Any:
    db.session.commit()
    return response


def _end_this_session(_app: Flask, user: User | None = None, **_extra: Any) -> None:
    """At logout: revoke the sign-in this request came with (and no other)."""
    row = g.get(_G_KEY)
    if row is None:
        return
    db.session.execute(update(LoginSession).where(LoginSession.id == row.id).values(revoked_at=utcnow()))
    g.pop(_G_KEY)
    after_this_request(_commit_after)
    log.info("keluar: sesi masuk pengguna %s diakhiri", row.user_id)


def revoke_all(user: User, *, keep: Iterable[str] = ()) -> int:
    """Revoke every live sign-in of ``user`` but those in ``keep``; flushed with the caller's transaction."""
    kept = list(keep)
    stmt = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if kept:
        stmt = stmt.where(LoginSession.id.not_in(kept))
    result = db.session.execute(stmt.values(revoked_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def _password_changed(_app: Flask, user: User, **_extra: Any) -> None:
    """The user changed their own password: this sign-in (just renewed by Flask-Security) stays."""
    row = g.get(_G_KEY)
    revoke_all(user, keep=[row.id] if row is not None else [])


def sweep(*, user_id: int | None = None, now: datetime | None = None) -> int:
    """Delete expired and revoked login sessions (of one user, or all); return how many. For a schedule:
    ``with app.app_context(), writing(): sweep(); db.session.commit()``."""
    now = now or utcnow()
    stmt = delete(LoginSession).where(or_(LoginSession.expires_at <= now, LoginSession.revoked_at.is_not(None)))
    if user_id is not None:
        stmt = stmt.where(LoginSession.user_id == user_id)
    result = db.session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
