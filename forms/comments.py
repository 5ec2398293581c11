"""Forms of the comment threads and the canned comments; the services check the text itself."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from forms import BaseForm

#: The body is checked (empty, 10 000 characters) by the service after normalising line breaks; this only
#: keeps absurd posts out.
BODY_HARD_LIMIT = 40_000


class CommentForm(BaseForm):
    """A new thread or a reply. ``action=insert`` (the no-JavaScript "Sisipkan") only adds a canned text."""

    body = TextAreaField(_l("Komentar"), validators=[Length(max=BODY_HARD_LIMIT)])
    parent_id = IntegerField(validators=[Optional()])
    item_id = SelectField(_l("Butir"), coerce=int, validators=[Optional()], validate_choice=False)
    canned_id = SelectField(_l("Komentar siap"), validators=[Optional()], validate_choice=False)
    next = HiddenField()
    action = HiddenField()

    def __init__(
        self,
        *args: Any,
        items: list[tuple[int, str]] | None = None,
        canned: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item_id.choices = [(0, str(_l("Seluruh indikator"))), *(items or [])]
        self.canned_id.choices = [("", str(_l("Pilih komentar siap…"))), *(canned or [])]


class EditCommentForm(BaseForm):
    body = TextAreaField(_l("Komentar"), validators=[Length(max=BODY_HARD_LIMIT)])
    next = HiddenField()


class CannedCommentForm(BaseForm):
    title = StringField(_l("Judul"), validators=[Length(max=200)])
    body = TextAreaField(_l("Isi komentar"), validators=[Length(max=BODY_HARD_LIMIT)])
    instrument_code = SelectField(_l("Instrumen"), validators=[Optional()])
    indicator_code = StringField(
        _l("Kode indikator"),
        validators=[Optional(), Length(max=16)],
        description=_l("Kosongkan agar berlaku untuk semua indikator instrumen."),
    )
    level = SelectField(
        _l("Level"),
        coerce=int,
        validators=[Optional()],
        description=_l("Ditawarkan untuk klaim level ini dan di atasnya; kosongkan agar berlaku untuk semua level."),
    )
    active = BooleanField(_l("Aktif (ditawarkan pada formulir komentar)"), default=True)

    def __init__(self, *args: Any, instruments: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument_code.choices = [("", str(_l("Semua instrumen"))), *((c, c) for c in instruments)]
        self.level.choices = [(0, str(_l("Semua level"))), *((n, str(n)) for n in range(1, 6))]


class CannedActiveForm(BaseForm):
    """Switch a canned comment on (``active=1``) or off (anything else)."""

    active = HiddenField()

    @property
    def switched_on(self) -> bool:
        return self.active.data == "1"
