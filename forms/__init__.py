"""WTForms classes: they validate and shape input, never touch the database session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

#: The hidden version a form round-trips (no lost updates); a broken one means a stale or tampered page.
FORM_VERSION_MESSAGE = _l("Formulir ini tidak lengkap atau kedaluwarsa. Muat ulang halaman lalu ulangi.")


class BaseForm(FlaskForm):
    """A form that can show domain errors (``DomainError.field``) next to the right field."""

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
