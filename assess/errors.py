"""Domain errors raised by services, and the HTTP error pages."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests

from assess.extensions import db
from uploads.errors import StorageUnavailableError, format_size
from uploads.staging import StorageFullError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refused use case, told to the user in their language.

    ``message`` is a translatable text (``lazy_gettext``, with its parameters): it is rendered when it is
    shown, in the reader's language, never stored as a sentence. ``field`` names the form field it concerns,
    if any. ``reasons`` are further ``(field, message)`` pairs when one refusal has several causes (each is
    shown beside its field, or above the form).
    """

    def __init__(
        self,
        message: str | LazyString,
        field: str | None = None,
        reasons: Iterable[tuple[str | None, str | LazyString]] = (),
    ) -> None:
        super().__init__(str(message))
        self._message = message
        self.field = field
        self.reasons = list(reasons)

    @property
    def message(self) -> str:
        """The message in the current language."""
        return str(self._message)

    @property
    def errors(self) -> list[tuple[str | None, str]]:
        """Every ``(field, message)`` of the refusal, the main one first, in the current language."""
        return [(self.field, self.message), *((f, str(m)) for f, m in self.reasons)]


class NotFoundError(DomainError):
    """The object does not exist, or belongs to another instansi (both answer 404)."""


class InstrumentInUseError(DomainError):
    """A changed instrument file for a version an assessment already uses."""


def form_page() -> str | None:
    """The page of this request's form, as a path on this site: the referring page of the same origin (the policy
    sends it only there), or ``None`` for a post from elsewhere or without one."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//"):
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


def register_error_handlers(app: Flask) -> None:
    def page(code: int, title: str, message: str) -> tuple[str, int]:
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(_e: Any) -> tuple[str, int]:
        return page(400, _("Permintaan tidak sah"), _("Permintaan tidak dapat diproses. Periksa isian Anda."))

    @app.errorhandler(403)
    def forbidden(_e: Any) -> tuple[str, int]:
        return page(403, _("Akses ditolak"), _("Anda tidak memiliki hak untuk tindakan ini."))

    @app.errorhandler(405)
    def method_not_allowed(e: Any) -> tuple[str, int, dict[str, str]]:
        body, code = page(
            405,
            _("Cara kirim tidak diterima"),
            _("Alamat ini tidak menerima permintaan seperti itu. Buka halamannya lewat tautan atau tombol aplikasi."),
        )
        return body, code, {"Allow": ", ".join(sorted(getattr(e, "valid_methods", None) or ()))}

    @app.errorhandler(429)
    def too_many(e: Any) -> tuple[str, int]:
        # Flask-Limiter's refusal carries its own translated message; Werkzeug's default description is English.
        description = str(getattr(e, "description", "") or "")
        return page(
            429,
            _("Terlalu banyak permintaan"),
            _("Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.")
            if description in ("", TooManyRequests.description)
            else description,
        )

    def page_or_json(code: int, key: str, title: str, message: str) -> Any:
        """JSON for the uploader and other scripts (``Accept: application/json`` or XHR), else the error page."""
        xhr = request.headers.get("X-Requested-With") == "XMLHttpRequest"
        if request.accept_mimetypes.best == "application/json" or xhr:
            return jsonify({"ok": False, "code": key, "message": message}), code
        return page(code, title, message)

    @app.errorhandler(CSRFError)
    def csrf_error(_e: Any) -> Any:
        """A refused form token. The session is gone (expired, signed out in another tab): sign in again and come
        back to the form's page, whose draft in this browser is offered back. A form left open too long: back to
        its page. Scripts get JSON (with the sign-in address when the session is gone); a post from elsewhere 400."""
        from flask_security import current_user

        xhr = request.headers.get("X-Requested-With") == "XMLHttpRequest"
        wants_json = request.accept_mimetypes.best == "application/json" or xhr
        back = form_page()
        if not current_user.is_authenticated:
            login = url_for("security.login", next=back) if back else url_for("security.login")
            if wants_json:
                message = _(
                    "Sesi Anda telah berakhir. Masuk lagi; isian yang belum tersimpan tetap ada di peramban ini."
                )
                return jsonify({"ok": False, "code": "session_lost", "message": message, "login_url": login}), 401
            if back:
                flash(
                    _(
                        "Sesi Anda telah berakhir. Masuk lagi untuk melanjutkan: isian Anda tersimpan di peramban ini "
                        "dan ditawarkan kembali di formulirnya."
                    ),
                    "warning",
                )
                return redirect(login, 303)
        elif back and not wants_json:
            flash(
                _(
                    "Formulir terlalu lama terbuka sehingga tidak dapat dikirim. Isian Anda tersimpan di peramban ini: "
                    "pulihkan lalu kirim lagi."
                ),
                "warning",
            )
            return redirect(back, 303)
        return page_or_json(
            400,
            "csrf",
            _("Sesi formulir kedaluwarsa"),
            _("Token keamanan formulir tidak sah atau kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
        )

    @app.errorhandler(413)
    def too_large(_e: Any) -> Any:
        from assess import UPLOAD_ENDPOINTS

        # The refused body reads as empty from now on: loading the user for the page's language must not read it
        # again (Flask-Security looks for a token in a JSON body, and would raise this 413 once more).
        request.stream = io.BytesIO()
        if request.endpoint in UPLOAD_ENDPOINTS:
            limit = format_size(current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024)
            message = _(
                "Kiriman melebihi batas %(size)s. Unggah berkas satu per satu, atau perkecil ukurannya (misalnya "
                "kompres PDF atau bagi menjadi beberapa berkas) lalu unggah lagi.",
                size=limit,
            )
            return page_or_json(413, "too_large", _("Berkas terlalu besar"), message)
        limit = format_size(current_app.config["BODY_MAX_KB"] * 1024)
        message = _("Kiriman melebihi batas %(size)s. Persingkat isian lalu kirim lagi.", size=limit)
        return page_or_json(413, "too_large", _("Kiriman terlalu besar"), message)

    @app.errorhandler(StorageFullError)
    def storage_full(e: StorageFullError) -> Any:
        # What the request wrote is already freed (its spools and staged files); the session may hold a flush.
        db.session.rollback()
        log.warning("unggahan ditolak, penyimpanan penuh: %s", e.path)
        return page_or_json(
            507,
            "disk_full",
            _("Ruang penyimpanan penuh"),
            _(
                "Ruang penyimpanan server penuh, jadi berkas ini tidak dapat disimpan. Beri tahu admin aplikasi, "
                "lalu coba lagi nanti."
            ),
        )

    @app.errorhandler(StorageUnavailableError)
    def storage_unavailable(e: StorageUnavailableError) -> Any:
        # What the request staged is already freed; nothing was committed that points at a missing object.
        db.session.rollback()
        log.error("penyimpanan objek tidak dapat dipakai: %s", e)
        return page_or_json(
            503,
            "storage_unavailable",
            _("Penyimpanan berkas tidak dapat dihubungi"),
            _(
                "Server penyimpanan berkas sedang tidak dapat dihubungi, jadi berkas ini tidak dapat disimpan atau "
                "dibuka sekarang. Tidak ada yang hilang; coba lagi beberapa saat lagi, dan beri tahu admin aplikasi "
                "bila berlanjut."
            ),
        )

    @app.errorhandler(408)
    def body_too_slow(_e: Any) -> tuple[str, int]:
        return page(
            408,
            _("Kiriman terhenti"),
            _(
                "Kiriman tidak diterima utuh karena sambungan terlalu lambat atau terputus. Periksa sambungan "
                "internet Anda, lalu kirim lagi."
            ),
        )

    @app.errorhandler(404)
    def not_found(_e: Any) -> tuple[str, int]:
        return page(404, _("Tidak ditemukan"), _("Halaman atau data yang Anda cari tidak ada."))

    @app.errorhandler(NotFoundError)
    def domain_not_found(_e: Any) -> tuple[str, int]:
        return not_found(_e)

    @app.errorhandler(500)
    def server_error(_e: Any) -> tuple[str, int]:
        # A failed flush leaves the session unusable, and the page itself reads the user: start it over.
        db.session.rollback()
        return page(
            500,
            _("Terjadi kesalahan"),
            _(
                "Terjadi kesalahan pada server. Data Anda yang belum tersimpan tidak hilang dari formulir; "
                "coba lagi sebentar lagi."
            ),
        )
