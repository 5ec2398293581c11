"""Texts written now and read later by someone else — notifications (and their e-mails), audit summaries, an
export's progress and error — kept as a key and its parameters, and rendered in the reader's language.

A writer builds a :class:`Text` with :func:`text` (``text("notice.approved", code="I5", name=actor.name)``); the
row stores :meth:`Text.stored` (``{"key": …, "params": …}``) beside the sentence in the deployment's language,
which is shown only when the key is unknown to this version (a row written by an older or newer one) or the row
predates keys. :func:`render` is the one reader.

Parameters are JSON values. Names, titles and codes are data and shown as they are; a number to be shown the
reader's way is wrapped by :func:`number` (``1,25`` in Indonesian, ``1.25`` in English), a date by :func:`day`;
a parameter can be another text (``target=text("target.indicator", code="I5")``) or a list of texts (joined with "; ").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from assess import display

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

TEMPLATES: dict[str, LazyString] = {
    # notifications
    "notice.assigned_one": _l("Indikator %(code)s pada penilaian %(where)s ditugaskan kepada Anda atau unit Anda."),
    "notice.assigned_many": _l(
        "%(n)s indikator pada penilaian %(where)s ditugaskan kepada Anda atau unit Anda: %(codes)s."
    ),
    "notice.approved": _l("Jawaban %(code)s disetujui oleh %(name)s."),
    "notice.sent_back": _l("Jawaban %(code)s dikembalikan oleh %(name)s: perlu perbaikan. Lihat komentarnya."),
    "notice.mention": _l("%(author)s menyebut Anda dalam komentar pada %(target)s: “%(text)s”"),
    "notice.mentions": _l("%(n)s komentar menyebut Anda pada %(target)s; yang terbaru dari %(author)s: “%(text)s”"),
    "notice.reply": _l("%(author)s membalas diskusi pada %(target)s: “%(text)s”"),
    "target.indicator": _l("indikator %(code)s (%(where)s)"),
    "target.document": _l("dokumen “%(title)s” (%(where)s)"),
    # audit summaries
    "audit.export_requested": _l("Ekspor bundel #%(id)s diminta"),
    "audit.export_requested_review": _l("Ekspor bundel #%(id)s diminta (dengan ringkasan reviu)"),
    "audit.signatory_changed": _l("Data penandatangan bundel diubah"),
    "audit.evidence_upload": _l("%(title)s (%(name)s, %(size)s B, SHA-256 %(sha)s)"),
    "audit.evidence_version": _l("%(name)s, SHA-256 %(sha)s"),
    "audit.xlsx_import": _l("%(applied)s diterapkan, %(conflicts)s konflik, %(refused)s ditolak"),
    "audit.official_import": _l("%(n)s nilai resmi, %(f)s tindak lanjut baru"),
    "audit.verdict_import": _l("%(added)s hasil asesor baru, %(changed)s diubah"),
    "audit.carry_over": _l("dari penilaian %(id)s (%(year)s): %(answers)s jawaban, %(docs)s dokumen, %(links)s tautan"),
    "audit.crosswalk": _l("dari %(code)s %(year)s (penilaian %(id)s): %(docs)s dokumen, %(links)s tautan"),
    "audit.target_set": _l("Target ditetapkan: %(target)s."),
    "audit.scenario_saved": _l("Skenario “%(name)s” disimpan (%(n)s indikator berubah)."),
    "audit.scenario_deleted": _l("Skenario “%(name)s” dihapus."),
    "audit.submitted_with": _l("Diajukan dengan catatan: %(warnings)s"),
    "audit.correction": _l("Butir %(code)s"),
    # what the checks before "siap direviu" found (kept in the audit summary of a submission)
    "check.no_level": _l("Level yang diklaim belum dipilih."),
    "check.level_without_evidence": _l("Level %(level)s diklaim tanpa data dukung yang ditautkan."),
    "check.no_items": _l("Belum ada butir yang ditandai terpenuhi."),
    "check.no_source": _l("Nilai %(source)s belum diisi."),
    "check.items_without_evidence": _l("Butir ditandai terpenuhi tanpa data dukung: %(items)s."),
    "check.empty_both": _l("Penjelasan FAKTA dan ANALISIS masih kosong."),
    "check.empty_one": _l("Penjelasan %(name)s masih kosong."),
    "check.stale": _l(
        "Level ini meminta dokumen reviu/audit yang berumur kurang dari %(years)s tahun; dokumen ini lebih tua: "
        "%(titles)s."
    ),
    "check.undated": _l("Tanggal dokumen belum diisi, sehingga umurnya tidak dapat diperiksa: %(titles)s."),
    "check.no_level_evidence": _l(
        "Level ini meminta dokumen reviu/audit yang berumur kurang dari %(years)s tahun, tetapi tidak ada data "
        "dukung yang ditautkan untuk level tersebut."
    ),
    # an export's progress and why it stopped
    "export.waiting": _l("Menunggu giliran"),
    "export.started": _l("Dimulai"),
    "export.finished": _l("Selesai"),
    "export.rendering": _l("Menyusun laporan (PDF)"),
    "export.preparing_signed": _l("Menyiapkan %(what)s"),
    "export.signed_minutes": _l("Berita Acara (ditandatangani)"),
    "export.signed_consent": _l("Persetujuan Publikasi (ditandatangani)"),
    "export.preparing_document": _l("Menyiapkan data dukung %(n)s dari %(total)s: %(title)s"),
    "export.joining": _l("Menggabungkan laporan dan data dukung"),
    "export.checking": _l("Memeriksa bundel PDF"),
    "export.zipping": _l("Menyusun ZIP dan manifest"),
    "export.butir": _l("Menyusun berkas per butir untuk portal evaluasi"),
    "export.stopped": _l("Ekspor terhenti (proses pekerja berhenti sebelum selesai). Silakan jalankan ulang."),
    "export.disk_full": _l(
        "Ruang disk server penuh; ekspor dihentikan dan tidak ada berkas setengah jadi. Hubungi admin."
    ),
    "export.unexpected": _l("Terjadi kesalahan tak terduga saat ekspor."),
    "export.bundle_check_failed": _l("Bundel PDF tidak lolos pemeriksaan qpdf: %(problems)s"),
    "export.page_count": _l("Jumlah halaman bundel (%(pages)s) tidak sama dengan laporan + data dukung."),
    "export.assessment_gone": _l("Penilaian atau instrumennya tidak ditemukan lagi."),
    # reminders of unfinished work (assess.services.reminders)
    "notice.reminder_before": _l(
        "Batas waktu penilaian %(where)s tinggal %(days)s hari lagi (%(deadline)s). %(n)s indikator Anda belum "
        "selesai: %(codes)s."
    ),
    "notice.reminder_late": _l(
        "Batas waktu penilaian %(where)s (%(deadline)s) sudah lewat. %(n)s indikator Anda belum selesai: %(codes)s."
    ),
    "notice.reminder_manual": _l(
        "%(name)s mengingatkan: %(n)s indikator Anda pada penilaian %(where)s belum selesai: %(codes)s."
    ),
    "notice.reminder_manual_due": _l(
        "%(name)s mengingatkan: %(n)s indikator Anda pada penilaian %(where)s belum selesai (batas waktu "
        "%(deadline)s): %(codes)s."
    ),
    "notice.reminder_late_units": _l(
        "Batas waktu penilaian %(where)s (%(deadline)s) sudah lewat dan %(n)s unit belum menyelesaikan "
        "indikatornya: %(units)s."
    ),
    "notice.reminder_unit": _l("%(unit)s (%(n)s indikator)"),
    "notice.reminder_no_unit": _l("tanpa unit (%(n)s indikator)"),
    # reminders of the corrections the asesor asked for (a verdict of *revisi*)
    "notice.correction_before": _l(
        "Masa koreksi penilaian %(where)s berakhir %(days)s hari lagi (%(deadline)s). %(n)s butir yang diminta "
        "asesor untuk direvisi belum Anda tandai sudah dikoreksi: %(codes)s."
    ),
    "notice.correction_late": _l(
        "Masa koreksi penilaian %(where)s sudah berakhir (%(deadline)s). %(n)s butir yang diminta asesor untuk "
        "direvisi belum Anda tandai sudah dikoreksi: %(codes)s."
    ),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Text:
    """A text to be stored: its key and its (JSON) parameters; ``str()`` renders it in the current language."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params)}

    def sentence(self) -> str:
        """The text in the deployment's language: the copy a row keeps beside :meth:`stored`."""
        with display.stored_text():
            return str(self)

    def __str__(self) -> str:
        return render(self.stored())


def placeholders(key: str) -> set[str]:
    """The parameter names the key's template uses."""
    return set(_PLACEHOLDER.findall(TEMPLATES[key]._args[0]))


def text(key: str, **params: Any) -> Text:
    """A :class:`Text`; an unknown key or parameters other than the template's are a programming error."""
    if key not in TEMPLATES:
        raise KeyError(f"no stored text {key!r}")
    if set(params) != placeholders(key):
        raise TypeError(f"stored text {key!r} takes {sorted(placeholders(key))}, given {sorted(params)}")
    return Text(key, {name: _plain(value) for name, value in params.items()})


def number(value: Decimal | Fraction | int | str, places: int = 2) -> dict[str, Any]:
    """A number parameter, shown with ``places`` decimals the reader's way (:func:`assess.display.number`)."""
    exact = Decimal(value) if not isinstance(value, Fraction) else value.numerator / Decimal(value.denominator)
    return {"number": format(exact.normalize(), "f"), "places": places}


def day(value: date) -> dict[str, Any]:
    """A date parameter, shown the reader's way (``8 Jun 2026``, ``Jun 8, 2026``)."""
    return {"date": value.isoformat()}


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return value.stored()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str | dict):
        return value
    return str(value)


def render(
    stored: Mapping[str, Any] | None, fallback: str = "", templates: MutableMapping[str, str] | None = None
) -> str:
    """A stored text in the current language; ``fallback`` (the sentence kept beside it) when there is none, or its
    key is unknown to this version, or its parameters do not fit the template. ``templates`` keeps each template
    once translated, for a caller rendering many texts in one language."""
    if not stored or stored.get("key") not in TEMPLATES:
        return fallback
    try:
        params = {name: _shown(value) for name, value in (stored.get("params") or {}).items()}
        key = stored["key"]
        if templates is None:
            return str(TEMPLATES[key]) % params
        template = templates.get(key)
        if template is None:
            template = templates[key] = str(TEMPLATES[key])
        return template % params
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        log.warning("stored text %r not rendered: %s", stored.get("key"), exc)
        return fallback


def render_html(stored: Mapping[str, Any] | None, fallback: str = "") -> Markup:
    """:func:`render` for a page: parameters that are data (names, titles, a quoted comment) and the stored
    sentence shown in its place are marked with the language they were written in (``lang``), so that a page in
    another language says which parts are not its own."""
    lang = _data_language()
    if not stored or stored.get("key") not in TEMPLATES:
        return Markup('<span lang="{}">{}</span>').format(lang, fallback) if fallback else Markup("")
    try:
        params = {name: _shown_html(value, lang) for name, value in (stored.get("params") or {}).items()}
        return escape(str(TEMPLATES[stored["key"]])) % params
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        log.warning("stored text %r not rendered: %s", stored.get("key"), exc)
        return Markup('<span lang="{}">{}</span>').format(lang, fallback) if fallback else Markup("")


def _data_language() -> str:
    from flask import current_app

    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _shown_html(value: Any, lang: str) -> Markup:
    if isinstance(value, dict) and "key" in value:
        return render_html(value)
    if isinstance(value, dict) and ("number" in value or "date" in value):
        return escape(_shown(value))
    if isinstance(value, list):
        return Markup("; ").join(_shown_html(v, lang) for v in value)
    if value is None or value == "":
        return Markup("")
    return Markup('<span lang="{}">{}</span>').format(lang, value)


def _shown(value: Any) -> str:
    if isinstance(value, dict) and "key" in value:
        return render(value, fallback="")
    if isinstance(value, dict) and "number" in value:
        return display.number(Decimal(value["number"]), int(value.get("places", 2)))
    if isinstance(value, dict) and "date" in value:
        return str(format_date(date.fromisoformat(value["date"]), "medium"))
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    return "" if value is None else str(value)


def register(app: Flask) -> None:
    """The template filter: ``row.message_text|tersimpan(row.message)``."""
    app.add_template_filter(render_html, "tersimpan")
