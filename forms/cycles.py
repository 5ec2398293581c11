"""Forms of the year-to-year and spreadsheet pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from forms import BaseForm


class SpreadsheetUploadForm(BaseForm):
    file = FileField(
        _l("Berkas XLSX"),
        validators=[FileRequired(_l("Pilih berkas.")), FileAllowed(["xlsx"], _l("Hanya berkas .xlsx."))],
    )


class ApplyImportForm(BaseForm):
    token = HiddenField(validators=[InputRequired()])


class FollowUpDoneForm(BaseForm):
    """Mark a follow-up done (``1``) or open it again (``0``)."""

    done = HiddenField(validators=[InputRequired(), AnyOf(["0", "1"])])


class OfficialUploadForm(BaseForm):
    file = FileField(
        _l("Berkas hasil resmi (CSV atau XLSX)"),
        validators=[
            FileRequired(_l("Pilih berkas.")),
            FileAllowed(["csv", "xlsx"], _l("Hanya berkas .csv atau .xlsx.")),
        ],
    )


class CarryOverForm(BaseForm):
    """Open next year's assessment from this one; the choices are filled by the view."""

    instrument_id = SelectField(_l("Versi instrumen"), coerce=int, validators=[InputRequired()])


class CrosswalkForm(BaseForm):
    """Open an assessment of another instrument through the crosswalk; the choices are filled by the view."""

    instrument_id = SelectField(_l("Instrumen tujuan"), coerce=int, validators=[InputRequired()])
    year = IntegerField(_l("Tahun"), validators=[InputRequired(), NumberRange(2018, 2100)])
