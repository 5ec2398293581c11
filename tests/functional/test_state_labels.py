"""States are named from one table (assess.workflow), on pages, in the audit trail and in exports alike."""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_babel import force_locale

from assess import audit, workflow
from assess.models import AnswerState, AssessmentState

INDONESIAN = {
    "belum_diisi": "belum diisi",
    "draf": "draf",
    "siap_direviu": "siap direviu",
    "perlu_perbaikan": "perlu perbaikan",
    "disetujui": "disetujui",
    "pengisian": "pengisian",
    "reviu": "reviu",
    "final": "final",
}
ENGLISH = {
    "belum_diisi": "not yet answered",
    "siap_direviu": "ready for review",
    "perlu_perbaikan": "needs revision",
    "disetujui": "approved",
}


def test_every_state_has_its_label_in_both_languages_and_a_code_is_never_shown(app: Flask) -> None:
    values = [s.value for s in AnswerState] + [s.value for s in AssessmentState]
    assert sorted(values) == sorted(INDONESIAN)
    with app.app_context():
        with force_locale("id"):
            assert {v: workflow.state_label(v) for v in values} == INDONESIAN
            assert workflow.state_label("tidak_dikenal") == "lainnya"
        with force_locale("en"):
            english = {v: workflow.state_label(v) for v in values}
            assert {v: english[v] for v in ENGLISH} == ENGLISH
            assert workflow.state_label("tidak_dikenal") == "other"


def test_the_audit_trail_and_the_page_chips_read_the_same_table(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        assert {k: str(v) for k, v in audit.STATE_LABELS.items()} == {
            v: workflow.state_label(v) for v in INDONESIAN
        }
        chip = render_template_string(
            '{% from "_macros/score.html" import answer_state %}{{ answer_state("perlu_perbaikan") }}'
        )
        assert chip == '<span class="chip state-perlu_perbaikan">needs revision</span>'
