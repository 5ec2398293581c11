"""Forms of the questionnaire: opening an assessment, answering, assigning, linking evidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Self

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from assess import display
from assess.converters import strip_control_characters
from assess.scoring import read_decimal
from forms import FORM_VERSION_MESSAGE, BaseForm

PENJELASAN_MAX = 20000
#: The over-limit message in the user's language (WTForms' own is English).
PENJELASAN_LENGTH = Length(max=PENJELASAN_MAX, message=_l("Paling banyak %(max)d karakter."))


class OpenAssessmentForm(BaseForm):
    """Open an assessment. ``instruments`` are (id, label, first year or None), the first one chosen by default;
    the year offered is this year, or the chosen instrument's first year when that is later (app.js follows a
    change of instrument)."""

    instrument_id = SelectField(
        _l("Instrumen"), coerce=int, validators=[InputRequired()], render_kw={"data-year-floor": "year"}
    )
    year = IntegerField(_l("Tahun penilaian"), validators=[InputRequired(), NumberRange(2018, 2100)])
    deadline = DateField(_l("Batas waktu pengisian"), validators=[Optional()])

    def __init__(self, *args: Any, instruments: list[tuple[int, str, int | None]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument_id.choices = [
            (id_, label, {"data-first-year": str(first)} if first else {}) for id_, label, first in instruments
        ]
        if self.year.data is None:
            first = instruments[0][2] if instruments else None
            self.year.data = max(date.today().year, first or 0)


class LevelAnswerForm(BaseForm):
    """A ``level`` instrument answer: the claimed level and the penjelasan (FAKTA, ANALISIS)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(message=FORM_VERSION_MESSAGE)])
    level = RadioField(_l("Level yang diklaim"), coerce=int, validators=[Optional()])
    fakta = TextAreaField(_l("FAKTA"), validators=[PENJELASAN_LENGTH])
    analisis = TextAreaField(_l("ANALISIS"), validators=[PENJELASAN_LENGTH])

    def __init__(self, *args: Any, levels: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.level.choices = [(0, str(_l("Belum dipilih"))), *levels]


class DecimalTextField(StringField):
    """A number typed with a decimal comma or point (``68,75`` or ``68.75``), shown in the page's language.

    ``decimal`` is the value typed, ``None`` when the field is empty.
    """

    decimal: Decimal | None = None

    def show(self, value: Decimal | None) -> None:
        """Fill the field with ``value`` as the page shows numbers, every decimal it has kept."""
        if value is None:
            self.data = ""
            return
        exponent = value.normalize().as_tuple().exponent
        self.data = display.number(value, max(0, -exponent) if isinstance(exponent, int) else 0)

    def pre_validate(self, form: Any) -> None:
        self.decimal = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.decimal = read_decimal(text)
        except ValueError:
            raise ValidationError(str(_l("Nilai indeks sumber harus berupa angka, mis. 68,75."))) from None


#: A note on one evidence item is kept to this many characters.
ITEM_NOTE_MAX = 2000


def _item_note(text: str | None) -> str:
    return str(strip_control_characters(text or ""))[:ITEM_NOTE_MAX]


class ItemMarkForm(Form):
    """One evidence item of a graded answer, posted as ``item-<id>-present`` (it was on the page),
    ``item-<id>-fulfilled`` and ``item-<id>-note``."""

    present = BooleanField()
    fulfilled = BooleanField()
    note = TextAreaField(filters=[_item_note])


class ItemMarkField(FormField):
    """The sub-form of one item, its fields named ``item-<id>-…``."""

    #: The shared Meta asks every field for ``coerce``; a FormField would pass the question to its sub-form, which
    #: does not exist yet when the field is bound (endless recursion).
    coerce = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ItemMarkForm, separator="-", **kwargs)


@dataclass(frozen=True)
class ItemMark:
    item_id: int
    fulfilled: bool
    note: str


class GradedPreviewForm(BaseForm):
    """A graded (Pemdi) value's input: the external index, or the marks of the indicator's evidence items (one
    ``item-<id>`` sub-form each, see :meth:`for_items`). The live preview reads only this."""

    source_value = DecimalTextField(_l("Nilai indeks sumber"), validators=[Optional(), Length(max=20)])

    @classmethod
    def for_items(cls, item_ids: Iterable[int], **kwargs: Any) -> Self:
        """The form with a sub-form for each of the indicator's evidence items."""
        ids = tuple(item_ids)
        fields: dict[str, Any] = {f"item-{item_id}": ItemMarkField() for item_id in ids}
        return type(cls.__name__, (cls,), {**fields, "item_ids": ids})(**kwargs)

    #: The items that have a sub-form, in the indicator's order (set by :meth:`for_items`).
    item_ids: tuple[int, ...] = ()

    def marks(self) -> list[ItemMark]:
        """The marks of the items that were on the page, in the indicator's order."""
        out = []
        for item_id in self.item_ids:
            sub = self[f"item-{item_id}"]
            if sub.present.data:
                out.append(ItemMark(item_id, bool(sub.fulfilled.data), sub.note.data or ""))
        return out


class GradedAnswerForm(GradedPreviewForm):
    """A graded (Pemdi) answer; the item marks come as ``item-<id>-fulfilled`` / ``item-<id>-note`` fields."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(message=FORM_VERSION_MESSAGE)])
    fakta = TextAreaField(_l("FAKTA"), validators=[PENJELASAN_LENGTH])
    analisis = TextAreaField(_l("ANALISIS"), validators=[PENJELASAN_LENGTH])


class VersionForm(BaseForm):
    """An action on an answer that only needs its version (submit for review, withdraw)."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(message=FORM_VERSION_MESSAGE)])


class AssignForm(BaseForm):
    unit_id = SelectField(_l("Unit/OPD"), coerce=int, validators=[InputRequired()])
    user_id = SelectField(_l("Penanggung jawab (opsional)"), coerce=int, validators=[Optional()])
    answer_ids = SelectMultipleField(_l("Indikator"), coerce=int)

    def __init__(
        self,
        *args: Any,
        units: list[tuple[int, str]],
        users: list[tuple[int, str]],
        answers: list[tuple[int, str]],
        user_units: Mapping[int, Sequence[int]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``user_units`` (user id → the ids of their units) is written on each person's option (``data-units``):
        the page's script then offers only the chosen unit's people."""
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [(0, str(_l("— tanpa unit —"))), *units]
        people: list[Any] = list(users)
        if user_units is not None:
            people = [(i, label, {"data-units": " ".join(map(str, user_units.get(i, ())))}) for i, label in users]
        self.user_id.choices = [(0, str(_l("— siapa saja di unit —"))), *people]
        self.answer_ids.choices = answers


class AssignItemsForm(BaseForm):
    """Assign some of a Pemdi indicator's evidence items to a unit (and optionally a person)."""

    item_ids = SelectMultipleField(_l("Butir"), coerce=int)
    unit_id = IntegerField(_l("Unit/OPD"), validators=[Optional()])
    user_id = IntegerField(_l("Penanggung jawab (opsional)"), validators=[Optional()])

    def __init__(self, *args: Any, items: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_ids.choices = [(item_id, str(item_id)) for item_id in items]


class DeadlineForm(BaseForm):
    deadline = DateField(_l("Batas waktu pengisian"), validators=[Optional()])


class LinkEvidenceForm(BaseForm):
    """Link a library document to an answer. The select offers a few candidates (the picker's, see
    :func:`assess.queries.library.picker_documents`), not the library: any id is accepted here, and the view checks
    with one query that it is a live document of the assessment."""

    evidence_id = SelectField(
        _l("Dokumen dari pustaka"), coerce=int, validators=[InputRequired()], validate_choice=False
    )
    level = SelectField(_l("Mendukung level"), coerce=int, validators=[Optional()])
    item_id = SelectField(_l("Butir"), coerce=int, validators=[Optional()])
    note = StringField(
        _l("Catatan (halaman, pasal)"), validators=[Length(max=500, message=_l("Paling banyak %(max)d karakter."))]
    )

    def __init__(
        self,
        *args: Any,
        documents: list[tuple[int, str]],
        levels: list[tuple[int, str]],
        items: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.evidence_id.choices = documents
        self.level.choices = [(0, str(_l("— tidak disebut —"))), *levels]
        self.item_id.choices = [(0, str(_l("— tidak disebut —"))), *items]
