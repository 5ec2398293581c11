"""The "Kirim pengingat" form of the overview: a unit or a person of the assessment's instansi."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import Optional

from forms import BaseForm


class ReminderForm(BaseForm):
    """One of the two: the unit (everyone of it with unfinished work) or the person."""

    unit_id = IntegerField(_l("Unit"), validators=[Optional()])
    user_id = IntegerField(_l("Orang"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.unit_id.data is None) == (self.user_id.data is None):
            self.form_errors.append(str(_l("Pilih satu unit atau satu orang yang akan diingatkan.")))
            return False
        return True
