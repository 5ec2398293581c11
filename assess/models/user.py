"""Instansi, their units (OPD), users, and roles held per instansi."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, has_request_context
from flask_babel import gettext
from flask_security import AsaList, RoleMixin, UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Table, Text, UniqueConstraint, false, select, true
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from assess.models.base import Base, InstansiKind, RoleName, TimestampMixin, str_enum


class Instansi(TimestampMixin, Base):
    __tablename__ = "instansi"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable identifier used in URLs and the CLI (``kota-contoh``).
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[InstansiKind] = mapped_column(str_enum(InstansiKind, "instansi_kind"))
    #: Storage key and type of the logo image (validated PNG/JPEG), shown on pages and the report cover.
    logo_key: Mapped[str | None] = mapped_column(String(255))
    logo_mime: Mapped[str | None] = mapped_column(String(64))
    #: A deactivated instansi keeps everything; its users cannot sign in (unless they hold roles elsewhere).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    units: Mapped[list[Unit]] = relationship(back_populates="instansi", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Instansi {self.slug}>"


class Unit(TimestampMixin, Base):
    """An OPD / work unit of an instansi."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("instansi_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    instansi: Mapped[Instansi] = relationship(back_populates="units")

    def __repr__(self) -> str:
        return f"<Unit {self.name!r}>"


roles_users = Table(
    "roles_users",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base, RoleMixin):
    """Deployment-wide roles as Flask-Security knows them; instansi roles are :class:`Membership`."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


class User(TimestampMixin, Base, UserMixin):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    password: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Changing it ends every session of the user (Flask-Security).
    fs_uniquifier: Mapped[str] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locale: Mapped[str | None] = mapped_column(String(8))
    #: Runs the deployment (``/operator/``): creates and deactivates instansi; sees no instansi's data by it.
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The password was set by someone else (an admin): it must be changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Flask-Security's two-factor sign-in (an authenticator app) and its recovery codes.
    tf_primary_method: Mapped[str | None] = mapped_column(String(64))
    tf_totp_secret: Mapped[str | None] = mapped_column(String(255))
    tf_phone_number: Mapped[str | None] = mapped_column(String(128))
    mf_recovery_codes: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(AsaList()))

    # Flask-Security types this as list[RoleMixin]; ours is the concrete Role.
    roles: Mapped[list[Role]] = relationship(secondary=roles_users)  # type: ignore[assignment]
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")
    unit_links: Mapped[list[UnitMember]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    def login_identity(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie for a new sign-in (its
        ``id_attribute``): ``<fs_uniquifier>:<login session id>``, a new :class:`LoginSession` each time."""
        from assess.sessions import begin

        return begin(self)

    def two_factor_required_by_role(self) -> bool:
        """``TWO_FACTOR_REQUIRED_ROLES`` names a role the user holds in an active instansi."""
        required = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES") or ()
        if not required:
            return False
        return any(m.role.value in required and m.instansi.active for m in self.memberships)

    def check_tf_required(
        self, tf_setup_methods: list[tuple[str, str]], tf_fresh: bool
    ) -> tuple[bool, list[tuple[str, str]]]:
        """Flask-Security asks this once the password is right: two-factor is required when the user set it up
        (Flask-Security's rule) or holds a role that requires it (then, not set up yet, they are sent to set it up)."""
        required, methods = super().check_tf_required(tf_setup_methods, tf_fresh)
        return required or self.two_factor_required_by_role(), methods

    def check_tf_required_setup(self) -> bool:
        """The setup page offers no "turn off" to a user who must keep two-factor on."""
        return bool(super().check_tf_required_setup()) or self.two_factor_required_by_role()

    def is_locked(self, form_error: list[str] | None = None) -> bool:
        """Flask-Security asks this at sign-in, once the password is right: a user whose every instansi is deactivated
        may not sign in, unless they are an operator (a user with no role anywhere may, as before)."""
        session = object_session(self)
        if self.is_operator or session is None:
            return False
        held = session.scalars(
            select(Instansi.active)
            .join(Membership, Membership.instansi_id == Instansi.id)
            .where(Membership.user_id == self.id)
        ).all()
        if not held or any(held):
            return False
        if has_request_context():
            # Flashed, not added to ``form_error``: Flask-Security turns field errors into its generic "wrong e-mail or
            # password" (the password was right here, so saying why reveals nothing to someone without it).
            flash(
                gettext(
                    "Instansi Anda sedang dinonaktifkan, sehingga akun ini tidak dapat masuk. Hubungi operator Mandiri."
                ),
                "error",
            )
        return True


class LoginSession(Base):
    """One sign-in of a user (a browser, a phone). Its id travels in the session and remember cookies;
    signing out revokes this row, so a cookie captured earlier is refused, and the user's other sign-ins
    go on."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Signed in with "Ingat saya": lives to ``expires_at`` whether used or not.
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<LoginSession user={self.user_id}>"


class Membership(Base):
    """A role a user holds in one instansi."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "instansi_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"), index=True)
    role: Mapped[RoleName] = mapped_column(str_enum(RoleName, "role_name"))

    user: Mapped[User] = relationship(back_populates="memberships")
    instansi: Mapped[Instansi] = relationship()

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} instansi={self.instansi_id} {self.role}>"


class UnitMember(Base):
    """A user belongs to a unit (a ``pengisi`` edits only their units' answers)."""

    __tablename__ = "unit_members"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="unit_links")
    unit: Mapped[Unit] = relationship()

    def __repr__(self) -> str:
        return f"<UnitMember user={self.user_id} unit={self.unit_id}>"
