"""Forms of the planning pages: the coordinator's target and a named what-if scenario."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from assess import display
from assess.scoring import read_decimal
from forms import BaseForm


class LocalDecimalField(DecimalField):
    """A decimal typed with a comma or a point (the engine's parser), shown back as the page shows numbers.

    A text input: a number input would refuse the decimal comma the Indonesian page shows.
    """

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = read_decimal(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Bukan angka desimal yang sah.")) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else display.number(self.data, self.places or 2)


class TargetForm(BaseForm):
    target_index = LocalDecimalField(
        _l("Target indeks"),
        places=2,
        render_kw={"inputmode": "decimal"},
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


class WhatIfForm(BaseForm):
    """The what-if page's input: a text field ``v-<code>`` per indicator (empty means not answered) and a box
    ``item-<id>`` per counted evidence item. The values are parsed against the instrument by the planning service,
    with the same parser as the live preview's JSON."""

    #: ``hitung`` (compute) or ``simpan`` (save as a scenario)
    action = StringField()

    @classmethod
    def build(cls, codes: Iterable[str], item_ids: Iterable[int], **kwargs: Any) -> WhatIfForm:
        """The form for an instrument's indicator codes and counted items."""
        fields: dict[str, Any] = {f"v-{code}": StringField() for code in codes}
        fields.update({f"item-{item_id}": BooleanField() for item_id in item_ids})
        form: WhatIfForm = type("WhatIfInput", (cls,), fields)(meta={"csrf": False}, **kwargs)
        return form

    def typed(self) -> dict[str, str]:
        """The values as submitted, by indicator code; a field left out of the post is no change."""
        return {
            name[2:]: field.data or ""
            for name, field in self._fields.items()
            if name.startswith("v-") and field.raw_data
        }

    def ticked(self) -> set[str]:
        """The ids of the ticked items."""
        return {name[5:] for name, field in self._fields.items() if name.startswith("item-") and field.data}
