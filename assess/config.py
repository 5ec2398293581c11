"""Settings: defaults here, then ``instance/config.py``, then ``MANDIRI_*`` variables, then the test mapping.

Nothing reads the environment at import; :func:`load_config` runs inside ``create_app``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args, get_type_hints

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


class Defaults:
    #: Any SQLAlchemy URL; empty means SQLite in the instance folder.
    DATABASE_URL = ""
    #: Default UI language and time zone.
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    #: SQLite waits this long (seconds) for a lock before giving up.
    SQLITE_BUSY_TIMEOUT = 10
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Flask-Security
    # The hashing scheme's name, not a password.
    SECURITY_PASSWORD_HASH = "argon2"  # noqa: S105
    SECURITY_REGISTERABLE = False
    #: Password recovery by e-mail ("Lupa kata sandi?"): None turns it on exactly when MAIL_SERVER is set.
    SECURITY_RECOVERABLE: bool | None = None
    #: Addresses typed in Flask-Security's forms (the forgot-password one) are checked for their form only: accounts
    #: are made by admins, and a DNS lookup per request would fail on a closed network.
    SECURITY_EMAIL_VALIDATOR_ARGS = {"check_deliverability": False}  # noqa: RUF012 (a settings class)
    #: Hours a password-reset link stays good (it works once: the reset changes what the link was signed for).
    RESET_PASSWORD_HOURS = 2
    SECURITY_CHANGEABLE = True
    SECURITY_TRACKABLE = False
    SECURITY_USERNAME_ENABLE = False
    #: assess.views.account.landing: "Tugas saya", the open assessment or the list, by the user's roles.
    SECURITY_POST_LOGIN_VIEW = "account.landing"
    SECURITY_POST_LOGOUT_VIEW = "security.login"
    SECURITY_FLASH_MESSAGES = True
    SECURITY_RETURN_GENERIC_RESPONSES = True
    #: None: assess.headers sets Cache-Control (Flask-Security's own was sent as "private=True, no-store=True").
    SECURITY_CACHE_CONTROL = None
    #: Signing out is a form (POST, with its CSRF token): a link or an image elsewhere cannot sign anyone out.
    SECURITY_LOGOUT_METHODS = ("POST",)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: A sign-in with "Ingat saya" lasts this many days (the remember cookie too); one without lasts until it
    #: has not been used for SESSION_IDLE_HOURS. Signing out ends a sign-in on the server at once.
    REMEMBER_DAYS = 14
    SESSION_IDLE_HOURS = 12
    #: Minutes before a sign-in ends that its pages warn, with a "Tetap masuk" button.
    SESSION_WARNING_MINUTES = 10
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Flask-Security's e-mail (the "password changed" notice) goes as plain text through assess.mail.
    SECURITY_EMAIL_HTML = False
    #: A CSRF token stays valid for 12 hours, so nobody typing a long penjelasan loses it.
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    #: Largest evidence file (MiB) and the accepted types (comma-separated extensions).
    UPLOAD_MAX_MB = 100
    UPLOAD_EXTENSIONS = "pdf,jpg,jpeg,png,docx,xlsx,pptx,odt,ods,mp4"
    #: Largest request body (KiB) on every route that is not an upload; file parts are refused there. 1 MiB holds
    #: the longest answer (FAKTA and ANALISIS of 20,000 characters each, even of 4-byte characters form-encoded).
    BODY_MAX_KB = 1024
    #: ``/healthz`` says ``"disk": "low"`` (and the log warns) when the evidence store or its staging directory
    #: has less free space than this (MiB).
    DISK_MIN_FREE_MB = 1024
    #: Evidence storage: "local" keeps files under STORAGE_ROOT (default instance/evidence); "s3" keeps them in an
    #: S3-compatible bucket (S3_*) and only stages uploads under STORAGE_ROOT/staging.
    STORAGE_BACKEND = "local"
    STORAGE_ROOT = ""
    #: The bucket (it must exist), the store's address (empty: AWS) and region, and an optional key prefix when the
    #: bucket is shared. Credentials come the standard boto3 way (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE,
    #: the shared files, an instance role), never from MANDIRI_* settings.
    S3_BUCKET = ""
    S3_ENDPOINT_URL = ""
    S3_REGION = ""
    S3_PREFIX = ""
    #: Seconds to wait for the store to accept a connection, and for an answer to a request.
    S3_CONNECT_TIMEOUT = 5
    S3_READ_TIMEOUT = 60
    #: Local copies of stored files kept for the PDF check and the exports (MiB, under STORAGE_ROOT/cache), least
    #: recently used removed first; a running export keeps what it uses until it ends.
    S3_CACHE_MB = 2048
    #: Flask-Limiter: where counters live. Empty: an SQLite file in the instance folder, shared by every
    #: process on the machine (assess.ratelimit); redis://127.0.0.1:6379 when several nodes serve the site.
    RATELIMIT_STORAGE_URI = ""
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed login attempts allowed per client address (generous: a whole office may sit behind one address).
    LOGIN_RATE_LIMIT = "30 per 15 minutes;200 per day"
    #: Failed login attempts allowed on one account, from any address (strict).
    LOGIN_ACCOUNT_RATE_LIMIT = "10 per 15 minutes"
    #: Password-reset e-mails asked for, per client address and per typed address (whether it has an account or not).
    RECOVERY_RATE_LIMIT = "20 per hour;50 per day"
    RECOVERY_ACCOUNT_RATE_LIMIT = "3 per hour;10 per day"
    #: Wrong two-factor codes (the app's or a recovery code) allowed on one account, from any address.
    TWO_FACTOR_RATE_LIMIT = "10 per 15 minutes;30 per day"
    #: E-mail for notifications over SMTP. An empty MAIL_SERVER turns e-mail off (notifications stay in-app);
    #: MAIL_USE_TLS starts TLS on the connection; MAIL_USERNAME/MAIL_PASSWORD log in when set.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Mandiri <mandiri@localhost>"
    #: Seconds the job worker waits for the SMTP server before it gives the attempt up (and tries again later).
    MAIL_TIMEOUT = 10
    #: E-mail is sent by the job worker: a server it cannot reach, or a message refused for now, is tried again
    #: up to MAIL_RETRIES times, MAIL_RETRY_SECONDS apart (only the messages not sent yet).
    MAIL_RETRIES = 5
    MAIL_RETRY_SECONDS = 60
    #: The site's address for the links in e-mails (``https://mandiri.example.go.id``); empty uses the
    #: address of the request that caused the notification.
    MAIL_BASE_URL = ""
    #: Seconds the navigation badges ("Tugas saya", unread notifications) are kept in the user's session
    #: before they are counted again (one query); 0 counts on every page.
    NAV_COUNTS_TTL = 30
    #: Background jobs (exports): "sqlite" (Huey on SQLite, JOBS_SQLITE_PATH, default instance/jobs.db),
    #: "redis" (Huey on Redis at JOBS_REDIS_URL) or "immediate" (run at once in the caller: tests only).
    JOBS_BACKEND = "sqlite"
    JOBS_SQLITE_PATH = ""
    JOBS_REDIS_URL = "redis://127.0.0.1:6379/0"
    #: Seconds to wait for Redis to accept a connection and to answer (at least 2: the worker waits 1 s for a job).
    JOBS_REDIS_TIMEOUT = 5
    #: ``mandiri run`` starts one job worker thread in the web process (the embedded default); set to false
    #: when ``mandiri worker`` runs separately.
    JOBS_EMBEDDED_WORKER = True
    #: Where finished exports are kept (default instance/exports), and how many per assessment.
    EXPORT_ROOT = ""
    EXPORT_KEEP = 5
    #: Finished exports older than this many days are removed once a day; 0 keeps them until EXPORT_KEEP newer
    #: ones push them out.
    EXPORT_MAX_AGE_DAYS = 30
    #: An export queued for this many seconds without a worker taking it was stopped (no worker running).
    EXPORT_STALE_SECONDS = 600
    #: A running export writes a heartbeat every quarter of this many seconds; one whose heartbeat is older
    #: was stopped (its worker was killed), and a new export may start.
    EXPORT_LEASE_SECONDS = 20
    #: LibreOffice for Office evidence: empty finds ``soffice`` on PATH; "off" never converts (placeholder page).
    SOFFICE = ""
    SOFFICE_TIMEOUT = 120
    #: The evaluation portal's largest upload (MB) per butir file: larger per-butir files are reported (unset: none).
    PORTAL_MAX_MB: int | None = None
    #: Two-factor sign-in with an authenticator app (TOTP), which each user may turn on under "Keamanan masuk";
    #: recovery codes stand in for a lost phone (each works once). No codes by e-mail or SMS.
    SECURITY_TWO_FACTOR = True
    SECURITY_TWO_FACTOR_ENABLED_METHODS = ["authenticator"]  # noqa: RUF012 (a settings class)
    SECURITY_TOTP_ISSUER = "Mandiri"
    #: The key that encrypts the stored two-step keys (and, derived, the recovery codes), for nodes that share no
    #: instance folder; empty: one generated once into instance/totp_secret. SECURITY_TOTP_SECRETS in
    #: instance/config.py (several numbered keys, to rotate) takes precedence.
    TOTP_SECRET = ""
    SECURITY_TWO_FACTOR_RESCUE_EMAIL = False
    SECURITY_MULTI_FACTOR_RECOVERY_CODES = True
    SECURITY_MULTI_FACTOR_RECOVERY_CODES_N = 8
    #: Roles (comma-separated: admin,koordinator,pengisi,reviewer,pembaca) whose holders, in any active instansi,
    #: must sign in with two-factor; empty: nobody must. Those without it set up are sent to set it up first.
    TWO_FACTOR_REQUIRED_ROLES = ""
    #: Days an invitation link (a new user sets their own password) stays good; it works once.
    INVITATION_DAYS = 7
    #: Days before an assessment's deadline on which everyone with unfinished work is reminded (comma-separated;
    #: empty: none before it). After the deadline they are reminded every day, and the koordinator told the late units.
    REMINDER_DAYS = "7,2"
    #: The log goes to stderr, one line per record: "text" or "json" (one JSON object a line), from LOG_LEVEL up
    #: (DEBUG, INFO, WARNING, ERROR or CRITICAL). assess.logs.
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    #: Behind a reverse proxy: take the client's address, the scheme (https), and when set the host, port and path
    #: prefix from X-Forwarded-*, each trusted from this many proxies (werkzeug's ProxyFix). Off: those headers are
    #: ignored (a client could otherwise pick its address, and escape the login limit).
    PROXY_FIX = False
    PROXY_FIX_FOR = 1
    PROXY_FIX_PROTO = 1
    PROXY_FIX_HOST = 0
    PROXY_FIX_PORT = 0
    PROXY_FIX_PREFIX = 0
    #: The Secure flag on every cookie: "auto" on requests that came over https (after PROXY_FIX, the proxy's
    #: X-Forwarded-Proto), "true" always, "false" never.
    SECURE_COOKIES = "auto"
    #: Strict-Transport-Security's max-age (seconds) on https responses (never on http); 0 tells browsers to forget.
    HSTS_SECONDS = 31536000


#: Settings that must be integers, checked once at start-up.
_INTEGERS = (
    "SQLITE_BUSY_TIMEOUT",
    "JOBS_REDIS_TIMEOUT",
    "WTF_CSRF_TIME_LIMIT",
    "REMEMBER_DAYS",
    "SESSION_IDLE_HOURS",
    "SESSION_WARNING_MINUTES",
    "UPLOAD_MAX_MB",
    "BODY_MAX_KB",
    "DISK_MIN_FREE_MB",
    "EXPORT_KEEP",
    "EXPORT_MAX_AGE_DAYS",
    "MAIL_RETRIES",
    "MAIL_RETRY_SECONDS",
    "EXPORT_STALE_SECONDS",
    "EXPORT_LEASE_SECONDS",
    "SOFFICE_TIMEOUT",
    "INVITATION_DAYS",
    "RESET_PASSWORD_HOURS",
    "S3_CONNECT_TIMEOUT",
    "S3_READ_TIMEOUT",
    "S3_CACHE_MB",
)


def _portal_max_mb(value: Any) -> int | None:
    """The portal's upload limit: unset (None or empty) or a whole number of MB, at least 1."""
    if value is None or str(value).strip() == "":
        return None
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"MANDIRI_PORTAL_MAX_MB harus bilangan bulat, tertulis {value!r}") from None
    if limit < 1:
        raise ConfigError("MANDIRI_PORTAL_MAX_MB harus paling sedikit 1 (atau tidak diisi)")
    return limit


def _instance_secret(instance: Path, name: str) -> str:
    """Read a generated secret from the instance folder, creating it (mode 0600) on first use."""
    path = instance / name
    if path.exists():
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


def load_config(
    config: Any, instance_path: str, overrides: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> None:
    """Fill ``config`` (a Flask Config) in layers and check it; raise ConfigError on a bad setting."""
    env = os.environ if environ is None else environ
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    config.from_object(Defaults)
    config.from_pyfile(str(instance / "config.py"), silent=True)
    for key, raw in env.items():
        if key.startswith("MANDIRI_") and len(key) > len("MANDIRI_"):
            config[key[len("MANDIRI_") :]] = _parse_env(key, raw, config)
    if overrides:
        config.update(overrides)

    for key in _INTEGERS:
        try:
            config[key] = int(config[key])
        except (TypeError, ValueError):
            raise ConfigError(f"MANDIRI_{key} harus bilangan bulat, tertulis {config[key]!r}") from None

    url = config.get("SQLALCHEMY_DATABASE_URI") or config.get("DATABASE_URL") or ""
    if not url:
        url = f"sqlite:///{instance / 'mandiri.db'}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"MANDIRI_DATABASE_URL bukan URL basis data SQLAlchemy yang sah: {url!r}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"MANDIRI_DATABASE_URL: basis data {parsed.get_backend_name()!r} tidak didukung (sqlite atau postgresql)"
        )
    config["SQLALCHEMY_DATABASE_URI"] = url

    if config["UPLOAD_MAX_MB"] < 1:
        raise ConfigError("MANDIRI_UPLOAD_MAX_MB harus paling sedikit 1")
    if config["BODY_MAX_KB"] < 64:
        raise ConfigError("MANDIRI_BODY_MAX_KB harus paling sedikit 64")
    for key in ("REMEMBER_DAYS", "SESSION_IDLE_HOURS"):
        if config[key] < 1:
            raise ConfigError(f"MANDIRI_{key} harus paling sedikit 1")
    if config["SESSION_WARNING_MINUTES"] < 0:
        raise ConfigError("MANDIRI_SESSION_WARNING_MINUTES tidak boleh negatif")
    config["REMEMBER_COOKIE_DURATION"] = timedelta(days=config["REMEMBER_DAYS"])
    # One file per request from the upload page; a little room for the other form fields.
    config["MAX_CONTENT_LENGTH"] = config["UPLOAD_MAX_MB"] * 1024 * 1024 + 1024 * 1024
    extensions = {e.strip().lower().lstrip(".") for e in str(config["UPLOAD_EXTENSIONS"]).split(",") if e.strip()}
    if not extensions:
        raise ConfigError("MANDIRI_UPLOAD_EXTENSIONS tidak boleh kosong")
    config["UPLOAD_EXTENSIONS"] = ",".join(sorted(extensions))
    if not config.get("STORAGE_ROOT"):
        config["STORAGE_ROOT"] = str(instance / "evidence")
    if not config.get("EXPORT_ROOT"):
        config["EXPORT_ROOT"] = str(instance / "exports")
    if not config.get("JOBS_SQLITE_PATH"):
        config["JOBS_SQLITE_PATH"] = str(instance / "jobs.db")
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{instance / 'ratelimit.db'}"
    backend = str(config["JOBS_BACKEND"]).strip().lower()
    if backend not in ("sqlite", "redis", "immediate"):
        raise ConfigError(
            f"MANDIRI_JOBS_BACKEND harus sqlite, redis atau immediate, tertulis {config['JOBS_BACKEND']!r}"
        )
    config["JOBS_BACKEND"] = backend
    storage = str(config["STORAGE_BACKEND"]).strip().lower()
    if storage not in ("local", "s3"):
        raise ConfigError(f"MANDIRI_STORAGE_BACKEND harus local atau s3, tertulis {config['STORAGE_BACKEND']!r}")
    config["STORAGE_BACKEND"] = storage
    if storage == "s3" and not str(config["S3_BUCKET"]).strip():
        raise ConfigError("MANDIRI_S3_BUCKET wajib diisi untuk MANDIRI_STORAGE_BACKEND=s3")
    config["REMINDER_DAYS"] = _reminder_days(config["REMINDER_DAYS"])
    for key in ("EXPORT_MAX_AGE_DAYS", "MAIL_RETRIES", "MAIL_RETRY_SECONDS"):
        if config[key] < 0:
            raise ConfigError(f"MANDIRI_{key} tidak boleh negatif")
    config["PORTAL_MAX_MB"] = _portal_max_mb(config["PORTAL_MAX_MB"])
    if config["EXPORT_KEEP"] < 1:
        raise ConfigError("MANDIRI_EXPORT_KEEP harus paling sedikit 1")
    if config["INVITATION_DAYS"] < 1:
        raise ConfigError("MANDIRI_INVITATION_DAYS harus paling sedikit 1")
    if config["RESET_PASSWORD_HOURS"] < 1:
        raise ConfigError("MANDIRI_RESET_PASSWORD_HOURS harus paling sedikit 1")
    config["SECURITY_RESET_PASSWORD_WITHIN"] = timedelta(hours=config["RESET_PASSWORD_HOURS"])
    if config.get("SECURITY_RECOVERABLE") is None:
        config["SECURITY_RECOVERABLE"] = bool(str(config.get("MAIL_SERVER") or "").strip())
    if config["EXPORT_LEASE_SECONDS"] < 2:
        raise ConfigError("MANDIRI_EXPORT_LEASE_SECONDS harus paling sedikit 2")

    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance, "secret_key")
    if not config.get("SECURITY_PASSWORD_SALT"):
        config["SECURITY_PASSWORD_SALT"] = _instance_secret(instance, "password_salt")
    if not config.get("SECURITY_TOTP_SECRETS"):
        secret = str(config.get("TOTP_SECRET") or "") or _instance_secret(instance, "totp_secret")
        config["SECURITY_TOTP_SECRETS"] = {"1": secret}
    if not config.get("SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS"):
        config["SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS"] = _recovery_codes_keys(config["SECURITY_TOTP_SECRETS"])
    config["TWO_FACTOR_REQUIRED_ROLES"] = _two_factor_roles(config["TWO_FACTOR_REQUIRED_ROLES"])
    if config["BABEL_DEFAULT_LOCALE"] not in config["LANGUAGES"]:
        raise ConfigError(f"MANDIRI_BABEL_DEFAULT_LOCALE harus salah satu dari {', '.join(config['LANGUAGES'])}")


def _reminder_days(raw: Any) -> tuple[int, ...]:
    """``MANDIRI_REMINDER_DAYS``: whole numbers of days before the deadline, 0 to 365, largest first."""
    parts = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    days: set[int] = set()
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        try:
            day = int(text)
        except ValueError:
            raise ConfigError(
                f"MANDIRI_REMINDER_DAYS harus daftar jumlah hari dipisah koma (mis. 7,2), tertulis {raw!r}"
            ) from None
        if not 0 <= day <= 365:
            raise ConfigError(f"MANDIRI_REMINDER_DAYS: {day} di luar 0 sampai 365 hari")
        days.add(day)
    return tuple(sorted(days, reverse=True))


def _recovery_codes_keys(totp_secrets: Mapping[Any, str]) -> list[bytes]:
    """The Fernet keys of the stored recovery codes, one derived from each TOTP secret, the newest (highest number)
    first: new codes are encrypted with it, codes from before a rotation still open with the older ones."""
    newest_first = sorted(totp_secrets, key=lambda k: int(k), reverse=True)
    return [
        base64.urlsafe_b64encode(hashlib.sha256(b"mandiri/recovery-codes/" + str(totp_secrets[k]).encode()).digest())
        for k in newest_first
    ]


def _two_factor_roles(raw: Any) -> tuple[str, ...]:
    """``MANDIRI_TWO_FACTOR_REQUIRED_ROLES``: role names (comma-separated), each one of :class:`RoleName`."""
    from assess.models.base import RoleName

    parts = raw if isinstance(raw, list | tuple) else str(raw or "").split(",")
    names = {str(part).strip().lower() for part in parts if str(part).strip()}
    known = {role.value for role in RoleName}
    unknown = sorted(names - known)
    if unknown:
        raise ConfigError(
            f"MANDIRI_TWO_FACTOR_REQUIRED_ROLES: peran {', '.join(unknown)} tidak dikenal "
            f"(yang ada: {', '.join(role.value for role in RoleName)})"
        )
    return tuple(sorted(names))


#: What a setting whose default is a bool accepts from the environment (in any case).
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def _setting_type(name: str) -> type | None:
    """The type of a setting's default in :class:`Defaults` (its annotation when the default is None); None for a
    setting Defaults does not name."""
    if not hasattr(Defaults, name):
        return None
    default = getattr(Defaults, name)
    if default is not None:
        return type(default)
    hint = get_type_hints(Defaults).get(name)
    kinds = [kind for kind in get_args(hint) if kind is not type(None)]
    return kinds[0] if len(kinds) == 1 else None


def _parse_env(key: str, raw: str, config: Mapping[str, Any]) -> Any:
    """An environment value read as its setting's type: a bool setting takes true/false, 1/0 or yes/no, an int
    setting a whole number; every other value (a key, a password) stays the exact text. A setting Defaults does not
    name is typed by Flask's own default when it has one (``SESSION_COOKIE_SECURE``); one nobody names (an extension's,
    ``RATELIMIT_ENABLED``) becomes a bool when it reads exactly true or false, and stays text otherwise."""
    name = key[len("MANDIRI_") :]
    kind = _setting_type(name)
    if kind is None and isinstance(config.get(name), bool | int):
        kind = type(config[name])
    if kind is None and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{key} harus true atau false (juga 1/0, yes/no), tertulis {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{key} harus bilangan bulat, tertulis {raw!r}") from None
    return raw
