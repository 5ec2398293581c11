"""Forms of the asesor's verdicts: the file to import, and one butir's verdict typed in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from assess.models import Verdict
from assess.services.verdicts import JUDGING_STAGES, NOTE_MAX
from assess.workflow import STAGE_LABELS, VERDICT_LABELS
from forms import BaseForm


class VerdictUploadForm(BaseForm):
    file = FileField(
        _l("Berkas hasil asesor (CSV atau XLSX)"),
        validators=[
            FileRequired(_l("Pilih berkas.")),
            FileAllowed(["csv", "xlsx"], _l("Hanya berkas .csv atau .xlsx.")),
        ],
    )


class VerdictForm(BaseForm):
    """The asesor's verdict on one butir in one stage."""

    stage = SelectField(
        _l("Tahap"),
        choices=[(s.value, STAGE_LABELS[s]) for s in JUDGING_STAGES],
        validators=[InputRequired(_l("Pilih tahap."))],
    )
    verdict = RadioField(
        _l("Hasil"),
        choices=[(v.value, VERDICT_LABELS[v]) for v in Verdict],
        validators=[InputRequired(_l("Pilih hasilnya: diterima, revisi, atau ditolak."))],
    )
    note = TextAreaField(
        _l("Catatan asesor"),
        description=_l("Catatan asesor apa adanya, misalnya alasan revisi."),
        validators=[Length(max=NOTE_MAX)],
    )
