"""Forms of the year-to-year and spreadsheet pages."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField
from wtforms.validators import AnyOf, InputRequired, NumberRange, Optional

from assess.models import CycleStage
from assess.workflow import STAGE_LABELS
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


class StagesForm(BaseForm):
    """The cycle's current stage and, per stage, its first and last day (``<stage>_starts_on``,
    ``<stage>_ends_on``: added below for every stage)."""

    stage = SelectField(
        _l("Tahap saat ini"),
        choices=[(s.value, label) for s, label in STAGE_LABELS.items()],
        validators=[InputRequired()],
    )
    confirm_back = BooleanField(_l("Ya, kembalikan tahap ke tahap sebelumnya"))

    def dates(self) -> dict[CycleStage, tuple[date | None, date | None]]:
        return {
            s: (getattr(self, f"{s.value}_starts_on").data, getattr(self, f"{s.value}_ends_on").data)
            for s in CycleStage
        }


for _stage in CycleStage:
    setattr(StagesForm, f"{_stage.value}_starts_on", DateField(_l("Mulai"), validators=[Optional()]))
    setattr(StagesForm, f"{_stage.value}_ends_on", DateField(_l("Selesai"), validators=[Optional()]))
