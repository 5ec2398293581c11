"""Mandiri: penilaian mandiri SPBE/Pemdi for an instansi."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, cast

from flask import Flask, Request, current_app, g, has_request_context, request, session
from flask_security import SQLAlchemyUserDatastore
from werkzeug.exceptions import BadRequest
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from assess import converters, logs
from assess.config import load_config
from assess.database import configure_engine, write_intent
from assess.extensions import babel, csrf, db, limiter, migrate, security
from uploads.staging import HashingSpool

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: The routes that take files (every form with a FileField posts to one of them): only these may write a request
#: body to disk, and only for a signed-in user with a valid CSRF token (see :func:`_gate_body`).
UPLOAD_ENDPOINTS = frozenset(
    {
        "evidence.upload",
        "evidence.replace",
        "assessments.upload_evidence",
        "cycles.import_xlsx",
        "cycles.official_preview",
        "verdicts.preview",
        "admin.logo_upload",
        "admin.units_import",
        "admin.users_import",
        "operator.instansi_new",
    }
)


def create_app(config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None) -> Flask:
    """Build the application: configuration in layers, extensions, blueprints, CLI, error pages."""
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = MandiriRequest
    load_config(app.config, app.instance_path, config, environ)
    # Before every other hook: each request's id exists for them, and its access line is written after them.
    logs.init_app(app)
    converters.init_app(app)  # before any route: bounded ids, no control characters in URLs

    # Registered before every extension's hooks: Flask-Security loads the user in its own before_request. A POST
    # whose first read began a deferred transaction could not write once the job worker had committed in between
    # (SQLite refuses that upgrade at once, whatever the busy timeout).
    @app.before_request
    def _mark_write_intent() -> None:
        g.write_intent_token = write_intent.set(request.method not in SAFE_METHODS)

    # Before every hook that may read the body (CSRFProtect reads the form, Flask-Security a JSON body).
    app.before_request(_gate_body)

    @app.teardown_request
    def _clear_write_intent(_exc: BaseException | None) -> None:
        # A worker thread serves request after request: a GET must not inherit a POST's intent.
        token = g.pop("write_intent_token", None)
        if token is not None:
            write_intent.reset(token)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, busy_timeout=app.config["SQLITE_BUSY_TIMEOUT"])
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    # Flask-Security's own messages: its catalogues, then ours (which add Indonesian).
    app.config.setdefault("SECURITY_I18N_DIRNAME", ["builtin", str(_package_dir() / "translations")])

    from assess.models import Role, User

    security.init_app(app, UserDatastore(db, User, Role))
    from assess import sessions

    sessions.init_app(app)
    from assess import account_gate

    account_gate.init_app(app)
    # Login is rate limited per account and per client address (POST only; showing the form is free). The
    # import registers the embedded counter storage (sqlite://) with ``limits`` before the limiter opens it.
    from assess.ratelimit import limit_login

    limiter.init_app(app)
    limit_login(app)

    _init_uploads(app)

    from assess import jobs

    jobs.init_app(app)

    from assess.views import register_blueprints

    register_blueprints(app)

    from assess import display, texts, workflow

    display.register(app)
    texts.register(app)
    app.add_template_global(workflow.state_label, "state_label")
    app.add_template_global(workflow.verdict_label, "verdict_label")
    app.add_template_global(workflow.stage_label, "stage_label")

    from assess.errors import register_error_handlers

    register_error_handlers(app)

    from assess.cli import register_cli

    register_cli(app)

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        from flask_babel import get_locale

        return {"current_locale": lambda: str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}

    @app.after_request
    def _security_headers(response: Any) -> Any:
        from assess.headers import add_security_headers

        return add_security_headers(response)

    from assess import headers

    headers.init_app(app)  # wraps wsgi_app: ProxyFix and the Secure flag on cookies
    return app


class UserDatastore(SQLAlchemyUserDatastore):
    """Loads the signed-in user with their roles, memberships (in active instansi) and units in one query: every page
    checks them."""

    def find_user(self, case_insensitive: bool = False, **kwargs: Any) -> Any:
        from sqlalchemy import func, select
        from sqlalchemy.orm import joinedload

        from assess.models import User
        from assess.sessions import live_memberships

        ((attr, value),) = kwargs.items()  # one unique attribute, as in Flask-Security's own
        column = getattr(User, attr)
        stmt = select(User).options(
            joinedload(User.roles), joinedload(User.memberships), joinedload(User.unit_links), live_memberships()
        )
        stmt = stmt.where(func.lower(column) == func.lower(value) if case_insensitive else column == value)
        return db.session.scalars(stmt).unique().first()


class MandiriRequest(Request):
    """Uploaded files are parsed straight into the evidence staging directory, hashed on the way: only where the
    upload gate allowed it; a file part anywhere else is refused (400) before anything is written. Every spool is
    closed when the request ends, whatever happened (parser error, 413 mid-body, client gone, full disk)."""

    #: Set by :func:`_gate_body` on an upload route, once the user is signed in and the CSRF token is valid.
    spool_allowed = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spools: list[HashingSpool] = []

    @cached_property
    def stream(self) -> IO[bytes]:
        """Werkzeug's stream, except that a body of unknown length (chunked) read whole is refused (413) when it
        goes on past the limit, instead of being cut short there."""
        limit = self.max_content_length
        if limit is not None and self.content_length is None and "wsgi.input_terminated" in self.environ:
            return cast(IO[bytes], _WholeBodyLimit(self.environ["wsgi.input"], limit, is_max=True))
        return get_input_stream(self.environ, max_content_length=limit)

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if not self.spool_allowed:
            raise BadRequest("a file part on a route that takes no files")
        spool = HashingSpool(current_app.extensions["storage"].staging_dir())
        self._spools.append(spool)
        return cast(IO[bytes], spool)

    def close(self) -> None:
        try:
            super().close()
        finally:
            for spool in self._spools:
                spool.close()


class _WholeBodyLimit(LimitedStream):
    """A maximum on a body without Content-Length. Werkzeug's ``readall`` stops at the maximum and returns what it
    has (a form or JSON body would be parsed cut short); here one byte more behind it means 413."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            self.on_exhausted()
        return data


def _gate_body() -> Any:
    """Decide, before anything reads the body, how much of it this request may send and where it may go.

    An upload route (:data:`UPLOAD_ENDPOINTS`, unsafe methods) keeps ``MAX_CONTENT_LENGTH`` and may spool its
    files to disk, but only for a signed-in user (else the usual login redirect or 401, the body unread) with a
    valid CSRF token in the ``X-CSRFToken`` header or the ``csrf_token`` query argument (else 400, unread).
    Every other request may send at most ``BODY_MAX_KB`` and no file part.
    """
    from flask_security import current_user
    from flask_wtf.csrf import CSRFError, validate_csrf
    from wtforms.validators import ValidationError

    if request.endpoint not in UPLOAD_ENDPOINTS or request.method in SAFE_METHODS:
        limit = current_app.config["BODY_MAX_KB"] * 1024
        request.max_content_length = limit
        request.max_form_memory_size = limit
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        headers = current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
        token = next((request.headers[h] for h in headers if request.headers.get(h)), request.args.get("csrf_token"))
        try:
            validate_csrf(token)
        except ValidationError as exc:
            raise CSRFError(exc.args[0]) from None
    cast(MandiriRequest, request).spool_allowed = True
    return None


def _init_uploads(app: Flask) -> None:
    from uploads import get_folders, get_storage
    from uploads.validation import Policy

    app.extensions["storage"] = get_storage(app.config)
    app.extensions["folders"] = get_folders(app.config, app.extensions["storage"])
    # The store's directories exist from the start: /healthz's probe creates none, so a root that vanished shows.
    app.extensions["storage"].staging_dir()
    app.extensions["upload_policy"] = Policy(
        allowed_extensions=frozenset(app.config["UPLOAD_EXTENSIONS"].split(",")),
        max_bytes=app.config["UPLOAD_MAX_MB"] * 1024 * 1024,
    )


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def _migrations_dir() -> Path:
    return _package_dir() / "migrations"


def _select_locale() -> str | None:
    from flask import current_app
    from flask_security import current_user

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line speaks the default language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return str(current_user.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])
