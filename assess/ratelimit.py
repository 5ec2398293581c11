"""The login limit: per account and per client address, counted where every process of the site sees it. The
password-recovery form is limited the same way (every request counts there: :func:`limit_recovery`).

* Per account (``LOGIN_ACCOUNT_RATE_LIMIT``, strict): failed attempts on one e-mail address, from any address,
  so that someone who signs in often (several devices, an expired session) is never stopped. Attempts under
  way at the same moment are all let through before any of them is counted: at most the server's threads
  more guesses than the limit. The window moves: after it the right password works again.
* Per address (``LOGIN_RATE_LIMIT``, generous): only failed attempts count, so that colleagues behind one
  office NAT signing in with their right passwords use none of it; it stops one address from spraying
  guesses over many accounts.

Counters live in ``RATELIMIT_STORAGE_URI``: Redis when configured (several nodes), else the embedded
default, :class:`SQLiteStorage` on a file in the instance folder, shared by every process on the machine.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from flask import Flask, current_app, request, session
from flask_babel import gettext
from flask_security import current_user
from limits.storage import MovingWindowSupport, Storage

from assess.extensions import limiter


def limit_login(app: Flask) -> None:
    """Wrap Flask-Security's login view in both limits (POST only: showing the form is free)."""
    per_account = limiter.limit(
        account_limit,
        key_func=login_account,
        scope="login-account",
        methods=["POST"],
        deduct_when=login_failed,
        error_message=limited_message,
    )
    per_address = limiter.limit(
        address_limit,
        scope="login-address",
        methods=["POST"],
        deduct_when=login_failed,
        error_message=limited_message,
    )
    login_view: Any = app.view_functions["security.login"]
    app.view_functions["security.login"] = per_account(per_address(login_view))
    if "security.forgot_password" in app.view_functions:
        limit_recovery(app)
    if "security.two_factor_token_validation" in app.view_functions:
        limit_two_factor(app)


def limit_two_factor(app: Flask) -> None:
    """Wrap the second step of signing in (the app's code, a recovery code) in a limit per account (Flask-Security
    has none): failed codes count (POST only), whoever sends them. The password was right already."""
    for endpoint in ("security.two_factor_token_validation", "security.mf_recovery"):
        limit = limiter.limit(
            two_factor_limit,
            key_func=two_factor_account,
            scope="two-factor-account",
            methods=["POST"],
            deduct_when=login_failed,
            error_message=two_factor_limited_message,
        )
        view: Any = app.view_functions[endpoint]
        app.view_functions[endpoint] = limit(view)


def limit_recovery(app: Flask) -> None:
    """Wrap Flask-Security's forgot-password view in a limit per typed address and one per client address. Every
    request counts (POST only), whether the address has an account or not: the answer is the same either way."""
    per_account = limiter.limit(
        recovery_account_limit,
        key_func=login_account,
        scope="recovery-account",
        methods=["POST"],
        error_message=recovery_limited_message,
    )
    per_address = limiter.limit(
        recovery_address_limit, scope="recovery-address", methods=["POST"], error_message=recovery_limited_message
    )
    view: Any = app.view_functions["security.forgot_password"]
    app.view_functions["security.forgot_password"] = per_account(per_address(view))


# Module-level functions, not per-app lambdas: the limiter is one object for every app of the process, and
# equal limit definitions are registered once however many apps are made.


def account_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def address_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def recovery_account_limit() -> str:
    return str(current_app.config["RECOVERY_ACCOUNT_RATE_LIMIT"])


def recovery_address_limit() -> str:
    return str(current_app.config["RECOVERY_RATE_LIMIT"])


def two_factor_limit() -> str:
    return str(current_app.config["TWO_FACTOR_RATE_LIMIT"])


def two_factor_account() -> str:
    """The account whose second step this is (kept in the session by Flask-Security), or the signed-in user
    confirming a new phone."""
    return str(session.get("tf_user_id") or getattr(current_user, "fs_uniquifier", "") or "")


def login_account() -> str:
    """The account an attempt is on: the typed address, trimmed and in lower case ("" skips the limit)."""
    return str(request.form.get("email", "")).strip().lower()[:320]


def login_failed(response: Any) -> bool:
    """A signed-in user is sent on (302); a refused attempt shows the form again (or an error)."""
    return bool(response.status_code != 302)


def limited_message() -> str:
    return str(gettext("Terlalu banyak percobaan masuk. Tunggu sebentar lalu coba lagi."))


def two_factor_limited_message() -> str:
    return str(gettext("Terlalu banyak kode yang salah. Tunggu sebentar lalu coba lagi."))


def recovery_limited_message() -> str:
    return str(gettext("Terlalu banyak permintaan atur ulang kata sandi. Tunggu sebentar lalu coba lagi."))


class SQLiteStorage(Storage, MovingWindowSupport):
    """A ``limits`` storage on an SQLite file (``sqlite:////abs/path/ratelimit.db``): counters every process
    on the machine shares, each change in one ``BEGIN IMMEDIATE`` transaction (so two processes cannot both
    take the last free place of a window). Fixed and moving windows."""

    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012 (limits' registry reads this class attribute)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        path = unquote(urlparse(uri).path).lstrip("/")
        if not path:
            raise ValueError(f"no file in the rate limit storage address {uri!r}")
        self.path = Path("/" + path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER, expires REAL)")
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT, at REAL, expires REAL)")
            db.execute("CREATE INDEX IF NOT EXISTS ix_entries_key_at ON entries (key, at)")
            db.execute("CREATE INDEX IF NOT EXISTS ix_entries_expires ON entries (expires)")

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- fixed window

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            db.execute(
                "INSERT INTO counters (key, count, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            row = db.execute("SELECT count FROM counters WHERE key = ?", (key,)).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        with self._transaction() as db:
            row = db.execute("SELECT count FROM counters WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now)).fetchone()
        return float(row[0]) if row else now

    def clear(self, key: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM counters WHERE key = ?", (key,))
            db.execute("DELETE FROM entries WHERE key = ?", (key,))

    def reset(self) -> int | None:
        with self._transaction() as db:
            removed = db.execute("DELETE FROM counters").rowcount + db.execute("DELETE FROM entries").rowcount
        return int(removed)

    def check(self) -> bool:
        try:
            with self._transaction() as db:
                db.execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    # -- moving window

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM entries WHERE expires <= ?", (now,))
            (taken,) = db.execute(
                "SELECT COUNT(*) FROM entries WHERE key = ? AND at > ?", (key, now - expiry)
            ).fetchone()
            if taken + amount > limit:
                return False
            rows = [(key, now, now + expiry)] * amount
            db.executemany("INSERT INTO entries (key, at, expires) VALUES (?, ?, ?)", rows)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self._transaction() as db:
            oldest, taken = db.execute(
                "SELECT MIN(at), COUNT(*) FROM entries WHERE key = ? AND at > ?", (key, now - expiry)
            ).fetchone()
        return (float(oldest), int(taken)) if taken else (now, 0)
