"""The koreksi page's forms: a butir marked corrected with what was changed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length

from forms import BaseForm

#: The service checks the note (required, its length) after trimming it; this only keeps absurd posts out.
NOTE_HARD_LIMIT = 20_000


class CorrectionForm(BaseForm):
    """ "Sudah dikoreksi": what was changed in the butir (built with the verdict's prefix, one form per row)."""

    note = TextAreaField(
        _l("Yang diubah"),
        validators=[Length(max=NOTE_HARD_LIMIT)],
        description=_l("Misalnya: dokumen diganti dengan SK yang benar, halaman 3 ditandai."),
    )
