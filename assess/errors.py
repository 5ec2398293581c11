"""Domain errors raised by services, and the HTTP error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from assess.extensions import db


class DomainError(Exception):
    """A refused use case; ``field`` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(DomainError):
    """The object does not exist, or belongs to another instansi (both answer 404)."""


class InstrumentInUseError(DomainError):
    """A changed instrument file for a version an assessment already uses."""


def register_error_handlers(app: Flask) -> None:
    def page(code: int, title: str, message: str) -> tuple[str, int]:
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(_e: Any) -> tuple[str, int]:
        return page(400, _("Permintaan tidak sah"), _("Permintaan tidak dapat diproses. Periksa isian Anda."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e: Any) -> tuple[str, int]:
        return page(
            400,
            _("Sesi formulir kedaluwarsa"),
            _("Token keamanan formulir tidak sah atau kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
        )

    @app.errorhandler(403)
    def forbidden(_e: Any) -> tuple[str, int]:
        return page(403, _("Akses ditolak"), _("Anda tidak memiliki hak untuk tindakan ini."))

    @app.errorhandler(429)
    def too_many(e: Any) -> tuple[str, int]:
        return page(
            429,
            _("Terlalu banyak permintaan"),
            str(getattr(e, "description", "")) or _("Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi."),
        )

    @app.errorhandler(413)
    def too_large(_e: Any) -> tuple[str, int]:
        return page(
            413, _("Berkas terlalu besar"), _("Kiriman melebihi batas ukuran. Periksa batas unggah lalu coba lagi.")
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
