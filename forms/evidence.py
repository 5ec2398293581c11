"""Forms of the evidence library: upload, metadata, links to services, replace, delete."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from assess.models import DocType
from forms import FORM_VERSION_MESSAGE, BaseForm

DOC_TYPE_LABELS = {
    DocType.PERATURAN: _l("Peraturan/keputusan"),
    DocType.PERENCANAAN: _l("Dokumen perencanaan"),
    DocType.LAPORAN: _l("Laporan reviu/evaluasi"),
    DocType.NOTULEN: _l("Notulen"),
    DocType.TANGKAPAN_LAYAR: _l("Tangkapan layar"),
    DocType.MANUAL: _l("Manual"),
    DocType.VIDEO: _l("Video"),
    DocType.LAINNYA: _l("Lainnya"),
}


def doc_type_choices() -> list[tuple[str, str]]:
    return [(t.value, str(label)) for t, label in DOC_TYPE_LABELS.items()]


class UploadForm(BaseForm):
    files = MultipleFileField(_l("Berkas"), validators=[FileRequired(message=_l("Pilih paling sedikit satu berkas."))])
    owner_unit_id = SelectField(_l("Unit pemilik"), coerce=int, validators=[Optional()])

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_unit_id.choices = [(0, str(_l("— belum ditentukan —"))), *units]


class MetadataForm(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(message=FORM_VERSION_MESSAGE)])
    title = StringField(
        _l("Judul"), validators=[InputRequired(message=_l("Judul dokumen wajib diisi.")), Length(max=300)]
    )
    doc_type = SelectField(_l("Jenis dokumen"), validators=[InputRequired()])
    number = StringField(
        _l("Nomor dokumen"),
        validators=[Optional(), Length(max=200)],
        description=_l("Mis. Peraturan Wali Kota Nomor 12 Tahun 2024."),
    )
    doc_date = DateField(
        _l("Tanggal dokumen"),
        validators=[Optional()],
        description=_l(
            "Tanggal dokumen itu sendiri, bukan tanggal unggah; dipakai untuk aturan umur dokumen reviu/audit."
        ),
    )
    owner_unit_id = SelectField(_l("Unit pemilik"), coerce=int, validators=[Optional()])
    notes = TextAreaField(_l("Catatan"), validators=[Length(max=5000)])

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.doc_type.choices = doc_type_choices()
        self.owner_unit_id.choices = [(0, str(_l("— belum ditentukan —"))), *units]


class LinkMetadataForm(MetadataForm):
    url = StringField(_l("Alamat layanan (URL)"), validators=[InputRequired(), Length(max=2000)])
    access_note = TextAreaField(
        _l("Akun uji untuk asesor"),
        validators=[Length(max=2000)],
        description=_l("Disimpan tersamar; hanya koordinator, reviewer dan pembuatnya yang dapat melihatnya."),
    )
    change_access_note = BooleanField(_l("Ubah akun uji"))


class ReplaceFileForm(BaseForm):
    file = FileField(_l("Berkas pengganti"), validators=[FileRequired(message=_l("Pilih berkas pengganti."))])


class ConfirmForm(BaseForm):
    """A destructive action, confirmed on its own page."""
