"""WTForms classes: they validate and shape input, never touch the database session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, PasswordField, StringField
from wtforms.validators import StopValidation

from assess.converters import MAX_ID, strip_control_characters

#: The hidden version a form round-trips (no lost updates); a broken one means a stale or tampered page.
FORM_VERSION_MESSAGE = _l("Formulir ini tidak lengkap atau kedaluwarsa. Muat ulang halaman lalu ulangi.")
OUT_OF_RANGE_MESSAGE = _l("Angka ini di luar rentang yang dapat diterima.")


#: WTForms' own messages, which it has no Indonesian for, as this app's messages: shown in the page's language.
WTFORMS_MESSAGES = {
    "Not a valid choice.": _l("Pilihan tidak sah."),
    "Invalid Choice: could not coerce.": _l("Pilihan tidak sah."),
    "'%(value)s' is not a valid choice for this field.": _l("'%(value)s' bukan pilihan yang sah untuk isian ini."),
    "'%(value)s' are not valid choices for this field.": _l("'%(value)s' bukan pilihan yang sah untuk isian ini."),
    "Not a valid integer value.": _l("Isi dengan bilangan bulat."),
    "Not a valid decimal value.": _l("Isi dengan angka."),
    "Not a valid float value.": _l("Isi dengan angka."),
    "Not a valid date value.": _l("Isi dengan tanggal yang sah."),
    "This field is required.": _l("Isian ini wajib diisi."),
    "Invalid input.": _l("Isian tidak sah."),
    "Invalid email address.": _l("Alamat surel tidak sah."),
    "Field must be equal to %(other_name)s.": _l("Isian harus sama dengan %(other_name)s."),
    "Invalid value, must be one of: %(values)s.": _l("Nilai tidak sah; harus salah satu dari: %(values)s."),
    "Number must be at least %(min)s.": _l("Angka paling kecil %(min)s."),
    "Number must be at most %(max)s.": _l("Angka paling besar %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Angka harus antara %(min)s dan %(max)s."),
    "Field must be at least %(min)d character long.": _l("Paling sedikit %(min)d karakter."),
    "Field must be at least %(min)d characters long.": _l("Paling sedikit %(min)d karakter."),
    "Field cannot be longer than %(max)d character.": _l("Paling banyak %(max)d karakter."),
    "Field cannot be longer than %(max)d characters.": _l("Paling banyak %(max)d karakter."),
    "Field must be exactly %(max)d character long.": _l("Harus tepat %(max)d karakter."),
    "Field must be exactly %(max)d characters long.": _l("Harus tepat %(max)d karakter."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Harus %(min)d sampai %(max)d karakter."),
}


class _Messages:
    """The translations WTForms asks for its messages (``Meta.get_translations``): ``WTFORMS_MESSAGES``."""

    def gettext(self, string: str) -> str:
        message = WTFORMS_MESSAGES.get(string)
        return string if message is None else str(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def _within_range(_form: Any, field: Field) -> None:
    """A number field holds an id, a version or a level: ``Integer`` columns, -MAX_ID … MAX_ID."""
    values = field.data if isinstance(field.data, list | tuple) else [field.data]
    if any(isinstance(v, int) and not -MAX_ID <= v <= MAX_ID for v in values):
        field.errors[:] = [OUT_OF_RANGE_MESSAGE]
        raise StopValidation()


class _Meta(FlaskForm.Meta):
    """Every field of every form: text loses its control characters (a NUL cannot reach PostgreSQL, none belongs in
    what people type), numbers outside the range of an ``Integer`` column are a field error; WTForms' own messages are
    this app's (``WTFORMS_MESSAGES``); hidden fields have no ``id``."""

    def get_translations(self, form: Any) -> _Messages:
        return _Messages()

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            field.filters = (strip_control_characters, *field.filters)
        if isinstance(field, IntegerField) or getattr(field, "coerce", None) is int:
            field.validators = [_within_range, *field.validators]
        return field

    def render_field(self, field: Field, render_kw: dict[str, Any]) -> Any:
        """Hidden fields without an ``id``: a page holds several forms with a ``csrf_token`` or a ``version``, and
        nothing labels or points at a hidden field (an id asked for by the template is kept)."""
        if getattr(field.widget, "input_type", None) == "hidden" and "id" not in render_kw:
            render_kw = {**render_kw, "id": False}
        return super().render_field(field, render_kw)


class BaseForm(FlaskForm):
    """A form that can show domain errors (``DomainError.field``) next to the right field; its fields refuse
    numbers beyond an id's range and drop control characters from text (see ``_Meta``)."""

    Meta = _Meta

    def populate_errors(self, errors: Iterable[tuple[str | None, str]]) -> None:
        for field_name, message in errors:
            field = getattr(self, field_name, None) if field_name else None
            if field is not None and hasattr(field, "errors"):
                if isinstance(field.errors, tuple):
                    field.errors = list(field.errors)
                field.errors.append(message)
            else:
                self.form_errors.append(message)

    @property
    def values(self) -> dict[str, Any]:
        """The submitted data without the CSRF token and submit buttons."""
        return {k: v for k, v in self.data.items() if k not in ("csrf_token", "submit")}
