"""The planning forms: the target typed with a comma or a point, the what-if input read through a form."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from werkzeug.datastructures import MultiDict

from forms.planning import TargetForm, WhatIfForm


def test_target_index_with_a_comma_or_a_point(app: Flask) -> None:
    for typed in ("2,25", "2.25", " 2,250 "):
        with app.test_request_context(method="POST", data={"target_index": typed, "target_predikat": ""}):
            form = TargetForm(predikats=["Baik"], meta={"csrf": False})
            assert form.validate()
            assert form.target_index.data == Decimal("2.25")
    with app.test_request_context(method="POST", data={"target_index": "dua", "target_predikat": ""}):
        form = TargetForm(predikats=["Baik"], meta={"csrf": False})
        assert not form.validate()
        assert form.target_index.errors
        assert form.target_index.data is None


def test_target_index_shown_as_the_page_shows_numbers(app: Flask) -> None:
    with app.test_request_context():
        form = TargetForm(predikats=["Baik"], target_index=Decimal("3.5"), meta={"csrf": False})
        assert 'value="3,50"' in form.target_index()
        assert 'type="text"' in form.target_index()
        assert 'inputmode="decimal"' in form.target_index()


def test_whatif_form_reads_only_what_was_posted(app: Flask) -> None:
    data = MultiDict({"v-I1": "3", "v-I2": "", "v-X9": "1", "item-7": "1", "item-999": "1", "action": "simpan"})
    with app.test_request_context(method="POST", data=data):
        form = WhatIfForm.build(["I1", "I2", "I3"], [7, 8])
        assert form.typed() == {"I1": "3", "I2": ""}  # I3 was not posted: no change
        assert form.ticked() == {"7"}
        assert form.action.data == "simpan"
