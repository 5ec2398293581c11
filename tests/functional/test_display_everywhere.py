"""Every value the engines can produce is shown as its one display on every surface.

The values: the SPBE levels (1–5, and no answer) and every Pemdi graded value that butir marks can give. Levels
are sequential, so an indicator's values are the lower edge of each level's band plus k/n of its width (k of the
level's n counted butir ticked, every lower level complete) and the top of the scale: 81 distinct values over 217
(indicator, value) pairs, among them the four x.xx5 cases 9/8, 11/8, 29/8 and 31/8 (1.125 is shown 1,13, never
1,12); beside them an x.xx5 value from each kind of external index. Each value is put on a real assessment through
the answer form and read back from the answer page, the live preview, the overview, the dashboard, the what-if page
and its JSON, the XLSX export and the report, in Indonesian (decimal comma) and English (decimal point) for the
pages; with it the index, the aspects and the domains.

The expected display is computed here from the exact fraction (Decimal, ROUND_HALF_UP), not by assess.display, so a
wrong rounding or a wrong decimal mark anywhere fails.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import chain, combinations
from typing import Any

import pikepdf
import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale
from openpyxl import load_workbook

from assess.instruments import Instrument, load_instrument
from assess.models import Answer, Assessment, RoleName, User
from assess.scoring import Score, external_value, graded_value, score
from reports.data import collect
from reports.render import render_report, report_html
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import login
from tests.functional.test_report_render import pdf_text

PEMDI = load_instrument("pemdi-2026")
SPBE = load_instrument("spbe-2020")
LANGS = ("id", "en")
TIES = (Fraction(9, 8), Fraction(11, 8), Fraction(29, 8), Fraction(31, 8))
GENERATED = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
Values = dict[str, Fraction | None]


# ------------------------------------------------------------------------------------------------ the values


def reachable(inst: Instrument) -> dict[str, dict[Fraction, frozenset[str]]]:
    """Per indicator graded from butir: every value its marks can give, with the butir ticked to give it."""
    out: dict[str, dict[Fraction, frozenset[str]]] = {}
    for code, ind in inst.indicators.items():
        if ind.external is not None:
            continue
        values: dict[Fraction, frozenset[str]] = {}
        complete: list[str] = []
        for level in ind.levels:
            counted = [item.code for item in level.counted_items]
            for ticked in range(len(counted)):
                marks = frozenset(complete + counted[:ticked])
                values.setdefault(graded_value(inst, code, marks), marks)
            complete += counted
        values.setdefault(graded_value(inst, code, complete), frozenset(complete))
        out[code] = values
    return out


REACHABLE = reachable(PEMDI)


def is_tie(value: Fraction) -> bool:
    """Exactly halfway between two displays (x.xx5)."""
    scaled = value * 200
    return scaled.denominator == 1 and scaled.numerator % 2 == 1


def _batches() -> list[dict[str, Fraction]]:
    """Every distinct graded value on one indicator that reaches it, and every x.xx5 value on each of them, spread
    over as few assessments as the indicators allow (an assessment holds one value per indicator)."""
    where: dict[Fraction, list[str]] = defaultdict(list)
    for code, values in REACHABLE.items():
        for value in values:
            where[value].append(code)
    load: Counter[str] = Counter()
    batches: list[dict[str, Fraction]] = []
    for value in sorted(where, key=lambda v: (len(where[v]), v)):
        codes = where[value] if is_tie(value) else [min(where[value], key=lambda c: (load[c], c))]
        for code in codes:
            while len(batches) <= load[code]:
                batches.append({})
            batches[load[code]][code] = value
            load[code] += 1
    return batches


BATCHES = _batches()


def expected_decimal(value: Fraction) -> Decimal:
    """``value`` rounded half up to two decimals, exactly (the quotient carries far more digits than any tie)."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected(value: Fraction | None, lang: str, *, level: bool = False) -> str:
    """The one display: ``–`` for no value, a level whole, anything else with two decimals and the language's mark."""
    if value is None:
        return "–"
    if level:
        assert value.denominator == 1
        return str(value.numerator)
    text = f"{expected_decimal(value):.2f}"
    return text.replace(".", ",") if lang == "id" else text


def test_the_enumeration_holds_every_value_butir_marks_can_give() -> None:
    values = {value for by_value in REACHABLE.values() for value in by_value}
    assert set(TIES) <= values
    assert {value for value in values if is_tie(value)} == set(TIES)
    assert len(values) == 81
    assert sum(len(by_value) for by_value in REACHABLE.values()) == 217
    # Against every subset of butir ticked, for the indicators small enough to try them all.
    for code, by_value in REACHABLE.items():
        butir = [item.code for item in PEMDI.indicators[code].items if item.counted]
        if len(butir) > 12:
            continue
        subsets = chain.from_iterable(combinations(butir, n) for n in range(len(butir) + 1))
        assert {graded_value(PEMDI, code, set(subset)) for subset in subsets} == set(by_value), code
    placed = Counter(value for batch in BATCHES for value in batch.values())
    assert set(placed) == values
    assert all(placed[tie] == sum(tie in by_value for by_value in REACHABLE.values()) for tie in TIES)
    assert [expected(tie, "id") for tie in TIES] == ["1,13", "1,38", "3,63", "3,88"]
    assert [expected(tie, "en") for tie in TIES] == ["1.13", "1.38", "3.63", "3.88"]


# ------------------------------------------------------------------------------------------------ entering values


def _assessment(db: Any, code: str) -> tuple[Assessment, User]:
    instansi = create_instansi()
    assessment = create_assessment(instansi, code=code, year=2026)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    db.session.commit()
    return assessment, koordinator


def _answer(assessment: Assessment, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


def _set_language(client: FlaskClient, lang: str) -> None:
    assert client.post("/bahasa", data={"lang": lang}).status_code == 302


def _graded_form(answer: Answer, ticked: frozenset[str]) -> dict[str, str]:
    """The answer form as the page posts it, with exactly the butir ``ticked`` fulfilled."""
    data = {"version": str(answer.version), "fakta": "", "analisis": ""}
    for item in answer.indicator.items:
        if item.kind == "note":
            continue
        data[f"item-{item.id}-present"] = "1"
        data[f"item-{item.id}-note"] = ""
        if item.code in ticked:
            data[f"item-{item.id}-fulfilled"] = "1"
    return data


def _enter_graded(client: FlaskClient, assessment: Assessment, values: dict[str, Fraction]) -> None:
    """Tick the butir giving each value; the live preview shows its display in both languages first."""
    for code, value in values.items():
        data = _graded_form(_answer(assessment, code), REACHABLE[code][value])
        url = f"/penilaian/{assessment.id}/indikator/{code}"
        for lang in LANGS:
            _set_language(client, lang)
            preview = client.post(f"{url}/nilai", data=data)
            assert preview.status_code == 200
            assert preview.get_json() == {"display": expected(value, lang)}, (code, value, lang)
        assert client.post(url, data=data).status_code == 302


def _enter_sources(client: FlaskClient, assessment: Assessment, sources: dict[str, tuple[str, Fraction]]) -> None:
    """Type each external index (as the Indonesian page would, with a comma); the live preview shows the value it
    converts to in both languages first."""
    for code, (typed, value) in sources.items():
        data = {"version": str(_answer(assessment, code).version), "source_value": typed, "fakta": "", "analisis": ""}
        url = f"/penilaian/{assessment.id}/indikator/{code}"
        for lang in LANGS:
            _set_language(client, lang)
            preview = client.post(f"{url}/nilai", data=data)
            assert preview.status_code == 200
            assert preview.get_json() == {"display": expected(value, lang)}, (code, value, lang)
        assert client.post(url, data=data).status_code == 302


def _enter_levels(client: FlaskClient, assessment: Assessment, levels: dict[str, int]) -> None:
    for code, level in levels.items():
        data = {"version": str(_answer(assessment, code).version), "level": str(level), "fakta": "", "analisis": ""}
        assert client.post(f"/penilaian/{assessment.id}/indikator/{code}", data=data).status_code == 302


# ------------------------------------------------------------------------------------------------ reading surfaces


def _shown(html: str) -> str:
    """The value at the start of a piece of markup: its first word once the tags are gone (a level's name and
    anything after ``·`` left out)."""
    return re.sub(r"<[^>]*>", " ", html).split()[0]


def _answer_page(client: FlaskClient, assessment: Assessment, code: str) -> tuple[str | None, str]:
    """The live value (graded instruments only) and the claimed value shown on the answer page."""
    page = client.get(f"/penilaian/{assessment.id}/indikator/{code}").get_data(as_text=True)
    live = re.search(r'data-testid="graded-value" id="graded-value">\s*([^<]*?)\s*<', page)
    claimed = re.search(r'<div class="review-grid">\s*<div><strong>[^<]*</strong><br>(.*?)</div>', page, re.S)
    assert claimed is not None
    return (live.group(1) if live else None), _shown(claimed.group(1))


def _index_box(page: str, testid: str) -> str:
    box = re.search(
        rf'data-testid="{testid}">\s*<div class="index-label">[^<]*</div>\s*<div class="index-value">'
        r"([^<]*)</div>",
        page,
    )
    assert box is not None, testid
    return box.group(1)


def _first_per_code(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, shown in pairs:
        out.setdefault(code, shown)
    return out


def _parts(page: str) -> dict[str, str]:
    """Aspect and domain values of the dashboard's and the what-if page's table (the first column of each)."""
    pairs = re.findall(r'data-(?:aspect|domain)="([AD]\d+)">([^<]*?) · ', page)
    return _first_per_code(pairs)


def _wanted_parts(s: Score, lang: str) -> dict[str, str]:
    return {code: expected(part.value, lang) for code, part in {**s.aspects, **s.domains}.items()}


def _wanted_rows(inst: Instrument, values: Values, lang: str) -> dict[str, str]:
    return {code: expected(values[code], lang, level=inst.value_type == "level") for code in inst.indicators}


def _check_pages(
    client: FlaskClient, assessment: Assessment, inst: Instrument, values: Values, lang: str, answers: list[str]
) -> None:
    """Every page of the assessment in ``lang``: the indicators' values, the aspects, the domains and the index."""
    _set_language(client, lang)
    s = score(inst, values, assessment.predikat_basis.value)
    rows, parts, index = _wanted_rows(inst, values, lang), _wanted_parts(s, lang), expected(s.index, lang)
    graded = inst.value_type == "graded"
    for code in answers:
        assert _answer_page(client, assessment, code) == (rows[code] if graded else None, rows[code]), (code, lang)

    overview = client.get(f"/penilaian/{assessment.id}").get_data(as_text=True)
    cells = {
        code: re.findall(r'<td class="num"[^>]*>(.*?)</td>', row, re.S)
        for code, row in re.findall(r'<tr data-indicator="(I\d+)"[^>]*>(.*?)</tr>', overview, re.S)
    }
    assert {code: _shown(found[1]) for code, found in cells.items()} == rows, lang  # after the weight
    headings = re.findall(r'<h[23]>([AD]\d+) · .*?<span class="value">([^<]*)</span>', overview, re.S)
    assert dict(headings) == parts, lang
    assert re.search(rf'data-testid="projected-index">{re.escape(index)}<', overview), lang
    assert _index_box(overview, "index-claimed") == index

    dashboard = client.get(f"/penilaian/{assessment.id}/dasbor").get_data(as_text=True)
    assert dict(re.findall(r'data-bar="(I\d+)">([^<]*)</text>', dashboard)) == rows, lang
    assert _parts(dashboard) == parts, lang
    assert _index_box(dashboard, "index-claimed") == index

    url = f"/penilaian/{assessment.id}/simulasi"
    whatif = client.get(url).get_data(as_text=True)
    assert dict(re.findall(r'<td data-claimed="(I\d+)">([^<]*)</td>', whatif)) == rows, lang
    assert _parts(whatif) == parts, lang
    assert re.search(rf'data-testid="whatif-index">{re.escape(index)}<', whatif), lang
    computed = client.post(f"{url}/hitung", json={"values": {}}).get_json()
    assert computed["index"] == str(s.index)
    assert computed["index_display"] == index
    shown = {code: part["display"] for code, part in chain(computed["aspects"].items(), computed["domains"].items())}
    assert shown == parts, lang


def _check_xlsx(client: FlaskClient, assessment: Assessment, inst: Instrument, values: Values) -> None:
    response = client.get(f"/penilaian/{assessment.id}/ekspor.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Penilaian"]
    cells = {row[0].value: row[3] for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == set(inst.indicators)
    for code, value in values.items():
        cell = cells[code]
        if value is None:
            assert cell.value is None, code
        elif inst.value_type == "level":
            assert (cell.value, cell.number_format) == (value, "General"), code
        else:
            assert Decimal(str(cell.value)) == expected_decimal(value), code
            assert cell.number_format == "0.00", code


def _check_report_html(assessment: Assessment, inst: Instrument, values: Values) -> None:
    """The report as its template writes it: each indicator's value line, the summary's index, table, radar and bars,
    in Indonesian whatever the language around it (the deployment's, where the export job runs)."""
    for lang in LANGS:
        with force_locale(lang):
            _check_report_parts(assessment, inst, values)


def _check_report_parts(assessment: Assessment, inst: Instrument, values: Values) -> None:
    data = collect(assessment.id, generated_at=GENERATED)
    rows = _wanted_rows(inst, values, "id")
    s = score(inst, values, assessment.predikat_basis.value)
    assert {section.code: section.value_display for section in data.sections} == rows
    html = report_html(data, "indicators")
    lines = dict(
        re.findall(
            r'<section class="section indicator" id="([^"]+)">.*?<p class="value-line">.*?'
            r'<span class="value">([^<]*)</span>',
            html,
            re.S,
        )
    )
    assert {section.code: lines[section.anchor] for section in data.sections} == rows
    summary = report_html(data, "summary")
    assert re.search(rf'<span class="index-value">{re.escape(expected(s.index, "id"))}</span>', summary)
    table = re.findall(
        r'<td>(?:Domain|Aspek) ([AD]\d+)\. .*?</td><td class="num">[^<]*</td><td class="num">([^<]*)</td>',
        summary,
        re.S,
    )
    assert dict(table) == _wanted_parts(s, "id")
    bars = re.findall(r'data-bar="(I\d+)">([^<]*)</text>', summary)
    assert dict(bars) == rows
    radar = re.findall(r"data-radar-value>([^<]*)</tspan>", summary)
    assert radar == [expected(part.value, "id") for part in s.aspects.values()]


# ------------------------------------------------------------------------------------------------ tests


def _pairs(text: str) -> list[tuple[str, str]]:
    """``"I1=7/4 I2=5/2"`` as ``[("I1", "7/4"), ("I2", "5/2")]``."""
    return [(code, value) for code, _, value in (pair.partition("=") for pair in text.split())]


@pytest.mark.parametrize("batch", [pytest.param(b, id=f"batch{i:02d}") for i, b in enumerate(BATCHES)])
def test_every_graded_value_is_shown_as_its_display_everywhere(
    client: FlaskClient, db: Any, batch: dict[str, Fraction]
) -> None:
    assessment, koordinator = _assessment(db, "pemdi-2026")
    login(client, koordinator.email)
    _enter_graded(client, assessment, batch)
    values: Values = {code: batch.get(code) for code in PEMDI.indicators}
    for lang in LANGS:
        _check_pages(client, assessment, PEMDI, values, lang, answers=list(batch))
    _check_xlsx(client, assessment, PEMDI, values)
    _check_report_html(assessment, PEMDI, values)


#: SPBE levels 1 to 5 beside no answer (level 0 posted), giving an index of exactly 5/8 (0.625, shown 0,63; a
#: binary float rounds it to 0.62) and aspect A5 of exactly 11/8 (1.375).
SPBE_LEVELS = {
    code: int(level)
    for code, level in _pairs("I1=1 I2=2 I3=3 I4=4 I5=5 I6=0 I13=4 I14=1 I22=2 I24=3 I26=5 I28=1 I32=4 I47=1")
}


def test_spbe_levels_and_an_index_on_a_tie_are_shown_as_their_display_everywhere(client: FlaskClient, db: Any) -> None:
    assessment, koordinator = _assessment(db, "spbe-2020")
    login(client, koordinator.email)
    _enter_levels(client, assessment, SPBE_LEVELS)
    values: Values = {code: Fraction(SPBE_LEVELS.get(code, 0)) or None for code in SPBE.indicators}
    s = score(SPBE, values)
    assert s.index == Fraction(5, 8)
    assert s.aspects["A5"].value == Fraction(11, 8)
    for lang in LANGS:
        _check_pages(client, assessment, SPBE, values, lang, answers=list(SPBE_LEVELS))
    _check_xlsx(client, assessment, SPBE, values)
    _check_report_html(assessment, SPBE, values)


#: A Pemdi assessment holding 29/8 and 9/8 whose index is exactly 21/8 (2.625, shown 2,63 where a binary float gives
#: 2.62) and aspect A1 exactly 17/8 (2.125, shown 2,13).
PEMDI_ON_TIES = {
    code: Fraction(value)
    for code, value in _pairs(
        "I1=7/4 I2=5/2 I3=29/8 I4=4/3 I8=5/2 I9=5 I10=5 I11=5 I12=1 I13=7/6 I14=9/8 I15=4 I16=2 I17=5 I19=7/2 I20=19/5"
    )
}


def test_a_pemdi_index_on_a_tie_is_shown_as_its_display_everywhere_and_in_the_rendered_report(
    client: FlaskClient, db: Any
) -> None:
    assessment, koordinator = _assessment(db, "pemdi-2026")
    login(client, koordinator.email)
    _enter_graded(client, assessment, PEMDI_ON_TIES)
    values: Values = {code: PEMDI_ON_TIES.get(code) for code in PEMDI.indicators}
    s = score(PEMDI, values)
    assert s.index == Fraction(21, 8)
    assert s.aspects["A1"].value == Fraction(17, 8)
    for lang in LANGS:
        _check_pages(client, assessment, PEMDI, values, lang, answers=["I3", "I14"])
    _check_xlsx(client, assessment, PEMDI, values)
    _check_report_html(assessment, PEMDI, values)

    data = collect(assessment.id, generated_at=GENERATED)
    report = render_report(data)
    text = " ".join(pdf_text(report.pdf).split())
    assert re.findall(r"Nilai: (\S+)", text) == [
        expected(values[section.code], "id") for section in data.sections if values[section.code] is not None
    ]
    assert "adalah indeks 2,63 dengan predikat" in text
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        assert "indeks 2,63 (" in str(pdf.docinfo["/Subject"])


#: The external indices, one per conversion, each giving an x.xx5 value a binary float would round down: I5 and I18
#: converted (1 + index ÷ 25), I6 taken as it is, I7 (no known conversion) typed as the value itself.
EXTERNAL_ON_TIES = {
    "I5": ("28,125", Fraction(17, 8)),
    "I18": ("90,625", Fraction(37, 8)),
    "I6": ("3,125", Fraction(25, 8)),
    "I7": ("1,625", Fraction(13, 8)),
}


def test_values_converted_from_external_indices_are_shown_as_their_display_everywhere(
    client: FlaskClient, db: Any
) -> None:
    for code, (typed, value) in EXTERNAL_ON_TIES.items():
        index = Decimal(typed.replace(",", "."))
        assert (external_value(PEMDI, code, index) or Fraction(index)) == value
    assessment, koordinator = _assessment(db, "pemdi-2026")
    login(client, koordinator.email)
    _enter_sources(client, assessment, EXTERNAL_ON_TIES)
    values: Values = {
        code: EXTERNAL_ON_TIES[code][1] if code in EXTERNAL_ON_TIES else None for code in PEMDI.indicators
    }
    for lang in LANGS:
        _check_pages(client, assessment, PEMDI, values, lang, answers=list(EXTERNAL_ON_TIES))
    _check_xlsx(client, assessment, PEMDI, values)
    _check_report_html(assessment, PEMDI, values)
