"""forms.assessment.ManyOptionsSelect writes exactly what WTForms' own select writes, escaping included."""

from __future__ import annotations

from wtforms import Form, SelectChoice, SelectField
from wtforms.widgets import Select

from forms.assessment import ManyOptionsSelect

CHOICES = [
    SelectChoice(value, label)
    for value, label in ((1, "Perwali & <SOP>"), (2, 'Surat "Edaran"'), (3, ""), (4, "Rencana Induk SPBE"))
]


class _Both(Form):
    stock = SelectField(choices=CHOICES, coerce=int, widget=Select())
    fast = SelectField(choices=CHOICES, coerce=int, widget=ManyOptionsSelect())


def test_the_same_html_as_wtforms_select() -> None:
    for value in (None, 2):
        form = _Both(data={"stock": value, "fast": value})
        stock = str(form.stock()).replace('id="stock" name="stock"', "")
        fast = str(form.fast()).replace('id="fast" name="fast"', "")
        assert fast == stock
    assert "&lt;SOP&gt;" in fast
    assert '<option selected value="2">' in fast
    render_kw = str(_Both().fast(**{"data-testid": "x"}))  # attributes on the select still go through WTForms
    assert 'data-testid="x"' in render_kw
