"""Forms of the submission-bundle page: start an export, and the Koordinator SPBE who signs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from forms import BaseForm


class ExportForm(BaseForm):
    include_review = BooleanField(_l("Sertakan ringkasan reviu per indikator"))
    per_butir = BooleanField(
        _l("Juga buat berkas per butir untuk portal evaluasi"),
        description=_l("Satu PDF per butir yang terpenuhi, dinamai dengan kode butir, beserta catatan.csv."),
    )
    #: Set by the "rebuild with the scans recompressed" button, not shown as a field.
    compress_scans = BooleanField()


class SignatoryForm(BaseForm):
    """The choices of the two signed-scan fields are the assessment's documents, filled by the view."""

    signatory_name = StringField(
        _l("Nama Koordinator SPBE"), validators=[Optional(), Length(max=200, message=_l("Paling banyak 200 karakter."))]
    )
    signatory_position = StringField(
        _l("Jabatan"), validators=[Optional(), Length(max=200, message=_l("Paling banyak 200 karakter."))]
    )
    signatory_nip = StringField(
        _l("NIP"),
        validators=[
            Optional(),
            Regexp(r"^[0-9 ]{0,32}$", message=_l("NIP hanya berisi angka (boleh dengan spasi).")),
        ],
    )
    signing_place = StringField(
        _l("Tempat penandatanganan"),
        validators=[Optional(), Length(max=120, message=_l("Paling banyak 120 karakter."))],
    )
    signed_minutes_id = SelectField(
        _l("Pindaian Berita Acara yang sudah ditandatangani"),
        coerce=int,
        description=_l("Jika dipilih, pindaian ini menggantikan halaman Berita Acara yang dibuat otomatis."),
    )
    signed_consent_id = SelectField(
        _l("Pindaian Pernyataan Persetujuan Publikasi yang sudah ditandatangani"),
        coerce=int,
        description=_l("Jika dipilih, pindaian ini menggantikan halaman Pernyataan yang dibuat otomatis."),
    )
