"""Forms of one's own account: setting a password from an invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from assess.services.users import MIN_PASSWORD_LENGTH
from forms import BaseForm


class SetPasswordForm(BaseForm):
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[
            DataRequired(message=_l("Wajib diisi.")),
            Length(min=MIN_PASSWORD_LENGTH, message=_l("Kata sandi minimal %(min)d karakter.")),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[EqualTo("password", message=_l("Kedua kata sandi tidak sama."))],
        render_kw={"autocomplete": "new-password"},
    )
