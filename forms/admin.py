"""Forms of the instansi administration: profile, units (OPD), users, passwords, confirmations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from assess.models import InstansiKind, RoleName
from assess.services.users import MIN_PASSWORD_LENGTH
from forms import BaseForm

ROLE_LABELS = {
    RoleName.ADMIN: _l("Admin"),
    RoleName.KOORDINATOR: _l("Koordinator"),
    RoleName.PENGISI: _l("Pengisi"),
    RoleName.REVIEWER: _l("Reviewer"),
    RoleName.PEMBACA: _l("Pembaca"),
}
ROLE_HINTS = {
    RoleName.ADMIN: _l("mengelola profil, unit dan pengguna instansi ini"),
    RoleName.KOORDINATOR: _l("membuka penilaian dan melihat seluruh jawaban"),
    RoleName.PENGISI: _l("mengisi jawaban unitnya"),
    RoleName.REVIEWER: _l("memeriksa jawaban"),
    RoleName.PEMBACA: _l("hanya membaca"),
}
KIND_LABELS = {
    InstansiKind.KEMENTERIAN: _l("Kementerian"),
    InstansiKind.LEMBAGA: _l("Lembaga"),
    InstansiKind.PROVINSI: _l("Pemerintah provinsi"),
    InstansiKind.KABUPATEN: _l("Pemerintah kabupaten"),
    InstansiKind.KOTA: _l("Pemerintah kota"),
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _blank_to_none(value: Any) -> Any:
    return value or None


def _none_to_blank(value: Any) -> Any:
    return value or ""


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _required() -> DataRequired:
    return DataRequired(message=_l("Wajib diisi."))


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Paling banyak %(max)d karakter."))


def _password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Kata sandi"),
        validators=[
            Optional(strip_whitespace=False),
            Length(min=MIN_PASSWORD_LENGTH, message=_l("Kata sandi minimal %(min)d karakter.")),
        ],
        filters=[_none_to_blank],
        description=_l("Kosongkan agar Mandiri membuat kata sandi acak; kata sandi itu ditampilkan sekali saja."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi"),
        validators=[EqualTo("password", message=_l("Kedua kata sandi tidak sama."))],
        filters=[_none_to_blank],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class InstansiForm(BaseForm):
    name = StringField(
        _l("Nama instansi"), validators=[_required(), _max(255)], filters=[_strip], render_kw={"maxlength": 255}
    )
    kind = SelectField(
        _l("Jenis instansi"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[_required()],
    )


class UnitForm(BaseForm):
    name = StringField(
        _l("Nama unit"),
        validators=[_required(), _max(255)],
        filters=[_strip],
        render_kw={"maxlength": 255},
        description=_l("Contoh: Dinas Komunikasi dan Informatika"),
    )
    short_name = StringField(
        _l("Nama singkat"),
        validators=[Optional(), _max(64)],
        filters=[_strip, _blank_to_none],
        render_kw={"maxlength": 64},
        description=_l("Contoh: Diskominfo (boleh dikosongkan)"),
    )


def _roles_field() -> MultiCheckboxField:
    return MultiCheckboxField(
        _l("Peran di instansi ini"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired(message=_l("Pilih minimal satu peran."))],
    )


def _units_field() -> MultiCheckboxField:
    return MultiCheckboxField(_l("Unit (OPD)"), coerce=int, choices=[], validate_choice=True)


class UserCreateForm(BaseForm):
    email = EmailField(
        _l("Surel"),
        validators=[_required(), Email(message=_l("Alamat surel tidak sah.")), _max(255)],
        filters=[_strip],
        render_kw={"autocomplete": "off"},
    )
    name = StringField(_l("Nama lengkap"), validators=[_required(), _max(255)], filters=[_strip])
    roles = _roles_field()
    units = _units_field()
    password, password_confirm = _password_fields()

    def __init__(self, *args: Any, unit_choices: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units.choices = [SelectChoice(value, label) for value, label in unit_choices]


class UserEditForm(BaseForm):
    roles = _roles_field()
    units = _units_field()

    def __init__(self, *args: Any, unit_choices: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units.choices = [SelectChoice(value, label) for value, label in unit_choices]


class PasswordResetForm(BaseForm):
    password, password_confirm = _password_fields()


class ConfirmForm(BaseForm):
    """A bare POST form: the CSRF token and the admin's explicit click on the confirmation page."""


class LogoForm(BaseForm):
    """The logo upload (the file itself is read from ``request.files`` and validated by the service)."""

    logo = FileField(_l("Berkas logo (PNG atau JPEG, paling besar 2 MB)"))


class DirectoryUploadForm(BaseForm):
    """The units or users file of an import (read by ``assess.services.directory``)."""

    file = FileField(
        _l("Berkas CSV atau XLSX"),
        validators=[
            FileRequired(_l("Pilih berkas.")),
            FileAllowed(["csv", "xlsx"], _l("Hanya berkas .csv atau .xlsx.")),
        ],
    )


class DirectoryApplyForm(BaseForm):
    """The previewed rows, signed, carried to the apply step."""

    token = HiddenField(validators=[InputRequired()])
