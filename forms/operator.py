"""Forms of the operator's pages: a new instansi with its first admin."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Regexp

from forms import BaseForm
from forms.admin import KIND_LABELS


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _required() -> DataRequired:
    return DataRequired(message=_l("Wajib diisi."))


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Paling banyak %(max)d karakter."))


class InstansiStartForm(BaseForm):
    slug = StringField(
        _l("Slug"),
        validators=[
            _required(),
            Regexp(
                r"^[a-z0-9-]{2,64}$",
                message=_l("Slug hanya huruf kecil a-z, angka dan tanda hubung (-), 2 sampai 64 karakter."),
            ),
        ],
        filters=[_lower],
        description=_l("Pengenal singkat yang tetap, mis. kab-contoh: huruf kecil, angka dan tanda hubung."),
        render_kw={"maxlength": 64, "autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(
        _l("Nama instansi"), validators=[_required(), _max(255)], filters=[_strip], render_kw={"maxlength": 255}
    )
    kind = SelectField(
        _l("Jenis instansi"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[_required()],
    )
    logo = FileField(_l("Logo (tidak wajib; PNG atau JPEG, paling besar 2 MB)"))
    admin_email = EmailField(
        _l("Surel admin pertama"),
        validators=[_required(), Email(message=_l("Alamat surel tidak sah.")), _max(255)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "maxlength": 255},
    )
    admin_name = StringField(
        _l("Nama admin pertama"), validators=[_required(), _max(255)], filters=[_strip], render_kw={"maxlength": 255}
    )
