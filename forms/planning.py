"""Forms of the planning pages: the coordinator's target and a named what-if scenario."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forms import BaseForm


class TargetForm(BaseForm):
    target_index = DecimalField(
        _l("Target indeks"),
        places=2,
        validators=[Optional(), NumberRange(min=0.01, max=5, message=_l("Target indeks harus di antara 0,01 dan 5."))],
    )
    target_predikat = SelectField(_l("atau target predikat"), choices=[], validate_choice=True)

    def __init__(self, *args: Any, predikats: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target_predikat.choices = [("", "–"), *((p, p) for p in predikats)]

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.target_index.data is None) == (not self.target_predikat.data):
            self.form_errors.append(str(_l("Isi salah satu: target indeks atau target predikat.")))
            return False
        return True


class ScenarioForm(BaseForm):
    name = StringField(
        _l("Nama skenario"),
        validators=[DataRequired(message=_l("Nama skenario wajib diisi.")), Length(max=120)],
    )
