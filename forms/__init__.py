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


def _within_range(_form: Any, field: Field) -> None:
    """A number field holds an id, a version or a level: ``Integer`` columns, -MAX_ID … MAX_ID."""
    values = field.data if isinstance(field.data, list | tuple) else [field.data]
    if any(isinstance(v, int) and not -MAX_ID <= v <= MAX_ID for v in values):
        field.errors[:] = [OUT_OF_RANGE_MESSAGE]
        raise StopValidation()


class _Meta(FlaskForm.Meta):
    """Every field of every form: text loses its control characters (a NUL cannot reach PostgreSQL, none belongs in
    what people type), numbers outside the range of an ``Integer`` column are a field error."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            field.filters = (strip_control_characters, *field.filters)
        if isinstance(field, IntegerField) or getattr(field, "coerce", None) is int:
            field.validators = [_within_range, *field.validators]
        return field


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
