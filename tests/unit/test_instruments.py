"""Instrument files: the shipped ones are complete, and a bad file fails naming the file, key and line."""

from __future__ import annotations

import copy
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from assess.instruments import (
    SEED_DIR,
    InstrumentError,
    _format_path,
    first_year,
    load_all,
    load_file,
    load_instrument,
    parse_instrument,
)

SPBE_FILE = SEED_DIR / "spbe-2020.v1.yaml"
PEMDI_FILE = SEED_DIR / "pemdi-2026.v1.yaml"


def test_spbe_2020_is_complete() -> None:
    inst = load_instrument("spbe-2020")
    assert (inst.code, inst.version, inst.provisional, inst.value_type) == ("spbe-2020", 1, False, "level")
    assert list(inst.indicators) == [f"I{n}" for n in range(1, 48)]
    assert list(inst.aspects) == [f"A{n}" for n in range(1, 9)]
    assert list(inst.domains) == ["D1", "D2", "D3", "D4"]
    assert {c: d.weight for c, d in inst.domains.items()} == {
        "D1": Fraction("13"),
        "D2": Fraction("25"),
        "D3": Fraction("16.5"),
        "D4": Fraction("45.5"),
    }
    assert {c: a.weight for c, a in inst.aspects.items()} == {
        "A1": 13,
        "A2": 10,
        "A3": 10,
        "A4": 5,
        "A5": 12,
        "A6": Fraction("4.5"),
        "A7": Fraction("27.5"),
        "A8": 18,
    }
    weights = {code: ind.weight for code, ind in inst.indicators.items()}
    assert {weights[f"I{n}"] for n in range(1, 11)} == {Fraction("1.3")}
    assert {weights[f"I{n}"] for n in range(11, 21)} == {Fraction("2.5")}
    assert {weights[f"I{n}"] for n in range(21, 32)} == {Fraction("1.5")}
    assert {weights[f"I{n}"] for n in range(32, 42)} == {Fraction("2.75")}
    assert {weights[f"I{n}"] for n in range(42, 48)} == {Fraction(3)}
    assert sum(weights.values()) == 100
    assert [lv.name for lv in inst.level_scales["proses"].levels] == [
        "Rintisan",
        "Terkelola",
        "Terdefinisi",
        "Terpadu dan Terukur",
        "Optimum",
    ]
    assert [lv.name for lv in inst.level_scales["layanan"].levels] == [
        "Informasi",
        "Interaksi",
        "Transaksi",
        "Kolaborasi",
        "Optimum",
    ]
    assert {inst.indicators[f"I{n}"].scale for n in range(1, 32)} == {"proses"}
    assert {inst.indicators[f"I{n}"].scale for n in range(32, 48)} == {"layanan"}
    assert [(b.min, b.name) for b in inst.bands] == [
        (0, "Kurang"),
        (Fraction("1.8"), "Cukup"),
        (Fraction("2.6"), "Baik"),
        (Fraction("3.5"), "Sangat Baik"),
        (Fraction("4.2"), "Memuaskan"),
    ]
    for ind in inst.indicators.values():
        assert len(ind.levels) == 5
        assert all(lv.criteria and lv.evidence for lv in ind.levels)
        assert ind.question
        assert ind.hint_fakta
        assert ind.hint_analisis
    # the two-year freshness rule on the audit indicators
    assert all(inst.indicators[c].level(4).max_evidence_age_years == 2 for c in ("I29", "I30", "I31"))
    # criteria are specific to each indicator, not one pasted text
    texts = [lv.criteria for ind in inst.indicators.values() for lv in ind.levels]
    assert len(set(texts)) == len(texts)


def test_pemdi_2026_is_complete_and_provisional() -> None:
    inst = load_instrument("pemdi-2026")
    assert inst.provisional
    assert inst.provisional_note
    assert inst.value_type == "graded"
    assert not inst.has_domains
    assert list(inst.indicators) == [f"I{n}" for n in range(1, 21)]
    assert [ind.asesor_code for ind in inst.indicators.values()] == [
        "1.1",
        "1.2",
        "2.1",
        "2.2",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "5.1",
        "5.2",
        "6.1",
        "6.2",
        "6.3",
        "6.4",
        "7.1",
        "7.2",
    ]
    assert [a.weight for a in inst.aspects.values()] == [10, 10, 15, 15, 10, 15, 25]
    assert inst.indicators["I20"].weight == 15
    assert inst.indicators["I19"].weight == 10
    assert {c for c, ind in inst.indicators.items() if ind.external} == {"I5", "I6", "I7", "I18"}
    items = [item for ind in inst.indicators.values() for item in ind.items]
    assert len(items) == 232
    assert sum(1 for i in items if not i.counted) == 6
    assert all(item.code == f"{item.indicator}-L{item.level}-{item.nn:02d}" for item in items)
    counts = {c: tuple(len(lv.items) for lv in ind.levels) for c, ind in inst.indicators.items()}
    assert counts["I1"] == (1, 4, 4, 2, 3)
    assert counts["I20"] == (4, 3, 6, 5, 5)
    assert [(b.level, b.lower, b.upper) for b in inst.level_bands] == [
        (1, 1, Fraction("1.5")),
        (2, Fraction("1.5"), Fraction("2.5")),
        (3, Fraction("2.5"), Fraction("3.5")),
        (4, Fraction("3.5"), 4),
        (5, 4, 5),
    ]
    scale = inst.level_scales["pemdi"]
    assert [lv.name for lv in scale.levels] == ["Merintis", "Membangun", "Berkembang", "Melembaga", "Unggul"]
    assert [lv.alt_name for lv in scale.levels] == [
        "Rintisan",
        "Terkelola",
        "Terdefinisi",
        "Terpadu dan Terukur",
        "Optimum",
    ]


def test_load_all_and_lookup() -> None:
    assert [i.key for i in load_all()] == ["pemdi-2026@1", "spbe-2020@1"]
    with pytest.raises(LookupError, match="tidak ditemukan"):
        load_instrument("spbe-2020", version=9)


# --------------------------------------------------------------------------- bad files


def assert_names(error: InstrumentError, file: str, expected: str) -> None:
    """``expected`` is "key.path: problem"; the message must name the file, that key, a line and the problem."""
    path, problem = expected.split(": ", 1)
    assert error.file == file
    assert _format_path(error.path) == path
    assert error.line is not None
    assert error.line >= 1
    assert str(error).startswith(f"{file}: {path}, baris {error.line}: ")
    assert problem in error.problem


Mutation = Callable[[dict[str, Any]], None]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _append_level(data: dict[str, Any]) -> None:
    data["indicators"][0]["levels"].append(copy.deepcopy(data["indicators"][0]["levels"][0]))


def _duplicate_indicator(data: dict[str, Any]) -> None:
    data["indicators"][1]["code"] = "I1"


def _move_indicator(data: dict[str, Any]) -> None:
    data["indicators"][0]["aspect"] = "A2"


BAD_SPBE: list[tuple[str, Mutation, str]] = [
    ("weight", _set(("indicators", 0, "weight"), "1.40"), "aspects[0].weight: bobot aspek A1 (13) tidak sama"),
    ("moved", _move_indicator, "aspects[0].weight: bobot aspek A1 (13) tidak sama dengan jumlah bobot indikatornya"),
    ("domain-weight", _set(("domains", 0, "weight"), "14"), "domains[0].weight: bobot domain D1"),
    ("dup-code", _duplicate_indicator, "indicators[1].code: kode indikator harus berurutan: diharapkan I2"),
    ("missing-level", _delete(("indicators", 4, "levels", 4)), "indicators[4].levels: harus tepat lima level"),
    ("extra-level", _append_level, "indicators[0].levels[5].level: harus level 6"),
    (
        "empty-criteria",
        _set(("indicators", 2, "levels", 1, "criteria"), " "),
        "indicators[2].levels[1].criteria: harus berupa teks yang tidak kosong",
    ),
    ("unknown-aspect", _set(("indicators", 3, "aspect"), "A9"), "indicators[3].aspect: aspek A9 tidak ada"),
    ("unknown-scale", _set(("indicators", 3, "scale"), "lain"), "indicators[3].scale: skala level lain tidak ada"),
    ("band-order", _set(("bands", 2, "min"), "1.0"), "bands[2].min: batas predikat harus urut naik"),
    ("band-start", _set(("bands", 0, "min"), "0.5"), "bands[0].min: predikat pertama harus mulai dari 0"),
    ("basis", _set(("predikat_basis", "default"), "kira-kira"), "predikat_basis.default: harus salah satu dari"),
    ("typo-key", _set(("indicators", 0, "wieght"), "1"), "indicators[0]: kunci tidak dikenal: wieght"),
    ("missing-key", _delete(("indicators", 0, "question")), "indicators[0]: kunci wajib tidak ada: question"),
    ("not-number", _set(("indicators", 0, "weight"), "satu"), "indicators[0].weight: bukan angka yang sah"),
    (
        "items-on-level",
        _set(("indicators", 0, "levels", 0, "items"), [{"code": "I1-L1-01", "kind": "doc", "text": "x"}]),
        "indicators[0].levels[0].items: butir bukti hanya untuk instrumen bertipe graded",
    ),
    ("provisional-no-note", _set(("provisional",), True), "provisional_note: instrumen sementara"),
]


@pytest.mark.parametrize(("case", "mutate", "message"), BAD_SPBE, ids=[c[0] for c in BAD_SPBE])
def test_bad_spbe_file_names_the_key(case: str, mutate: Mutation, message: str) -> None:
    data = yaml.safe_load(SPBE_FILE.read_text(encoding="utf-8"))
    mutate(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(InstrumentError) as exc:
        parse_instrument(text, "spbe-2020.v1.yaml")
    assert_names(exc.value, "spbe-2020.v1.yaml", message)


def _rename_item(data: dict[str, Any]) -> None:
    data["indicators"][0]["levels"][1]["items"][0]["code"] = "I2-L2-01"


def _duplicate_item(data: dict[str, Any]) -> None:
    data["indicators"][0]["levels"][1]["items"][1]["code"] = "I1-L2-01"


def _no_counted_items(data: dict[str, Any]) -> None:
    for item in data["indicators"][1]["levels"][2]["items"]:
        item["kind"] = "note"


BAD_PEMDI: list[tuple[str, Mutation, str]] = [
    ("item-code", _rename_item, "indicators[0].levels[1].items[0].code: kode butir harus berbentuk I1-L2-NN"),
    ("item-dup", _duplicate_item, "indicators[0].levels[1].items[1].code: kode I1-L2-01 dipakai lebih dari sekali"),
    (
        "item-kind",
        _set(("indicators", 0, "levels", 0, "items", 0, "kind"), "pdf"),
        "indicators[0].levels[0].items[0].kind: harus salah satu",
    ),
    ("no-counted", _no_counted_items, "indicators[1].levels[2].items: level ini belum memiliki butir bukti"),
    ("level-bands", _set(("level_bands", 1, "lower"), "1.6"), "level_bands[1]: rentang level harus bersambung"),
    (
        "linear-no-divisor",
        _delete(("indicators", 4, "external", "divisor")),
        "indicators[4].external: konversi linear memerlukan offset dan divisor",
    ),
    (
        "domain-on-aspect",
        _set(("aspects", 0, "domain"), "D1"),
        "aspects[0].domain: instrumen ini tidak memiliki domain",
    ),
    ("total", _set(("indicators", 19, "weight"), "16"), "aspects[6].weight: bobot aspek A7 (25) tidak sama"),
    (
        "empty-description",
        _set(("indicators", 2, "description"), "  "),
        "indicators[2].description: harus berupa teks yang tidak kosong",
    ),
    (
        "list-description",
        _set(("indicators", 2, "description"), ["Mengukur", "kompetensi"]),
        "indicators[2].description: harus berupa teks yang tidak kosong",
    ),
    (
        "english-only-description",
        _delete(("indicators", 3, "description")),
        "indicators[3].description_en: description_en memerlukan description",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "message"), BAD_PEMDI, ids=[c[0] for c in BAD_PEMDI])
def test_bad_pemdi_file_names_the_key(case: str, mutate: Mutation, message: str) -> None:
    data = yaml.safe_load(PEMDI_FILE.read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(InstrumentError) as exc:
        parse_instrument(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "pemdi-2026.v1.yaml")
    assert_names(exc.value, "pemdi-2026.v1.yaml", message)


def test_error_names_the_line(tmp_path: Path) -> None:
    text = SPBE_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if line.strip() == 'weight: "2.50"')
    lines[target] = lines[target].replace('"2.50"', '"2.60"')
    bad = tmp_path / "spbe-2020.v1.yaml"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InstrumentError) as exc:
        load_file(bad)
    assert exc.value.file == str(bad)
    assert exc.value.path == ("aspects", 1, "weight")
    assert "baris" in str(exc.value)


def test_invalid_yaml_and_file_name(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match=r"baris 2: YAML tidak sah"):
        parse_instrument("code: x\n  bad: [", "x.v1.yaml")
    text = SPBE_FILE.read_text(encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"nama berkas harus spbe-2020.v1.yaml"):
        parse_instrument(text, "spbe-2020.v2.yaml")
    with pytest.raises(InstrumentError, match="tidak dapat dibaca"):
        load_file(tmp_path / "missing.v1.yaml")


def test_digest_ignores_formatting_but_not_content() -> None:
    text = SPBE_FILE.read_text(encoding="utf-8")
    original = parse_instrument(text, "spbe-2020.v1.yaml")
    reformatted = yaml.safe_dump(yaml.safe_load(text), allow_unicode=True, sort_keys=True, width=200)
    assert parse_instrument(reformatted, "spbe-2020.v1.yaml").digest == original.digest
    changed = text.replace("Rintisan", "Perintisan", 1)
    assert parse_instrument(changed, "spbe-2020.v1.yaml").digest != original.digest


def test_pemdi_indicators_carry_descriptions_and_spbe_none() -> None:
    pemdi = load_instrument("pemdi-2026")
    for ind in pemdi.indicators.values():
        assert ind.description.startswith("Mengukur ")
        assert ind.description_en.startswith("Measures ")
        assert 2 <= ind.description.count(". ") + 1 <= 4
    external = {code: pemdi.indicators[code].description for code in ("I5", "I6", "I7", "I18")}
    assert "Indeks Satu Data Indonesia (SDI)" in external["I5"]
    assert "Bappenas" in external["I5"]
    assert "(SJIG)" in external["I6"]
    assert "BIG" in external["I6"]
    assert "(IPS)" in external["I7"]
    assert "EPSS" in external["I7"]
    assert "BPS" in external["I7"]
    assert "Interoperabilitas Data" in external["I18"]
    assert "Bappenas" in external["I18"]
    spbe = load_instrument("spbe-2020")
    assert {(ind.description, ind.description_en) for ind in spbe.indicators.values()} == {("", "")}


def test_digest_leaves_out_the_descriptions() -> None:
    """Descriptions explain an indicator and no value depends on them: adding or changing one keeps the digest,
    so a version in use takes them; anything else still changes it."""
    data = yaml.safe_load(PEMDI_FILE.read_text(encoding="utf-8"))
    original = parse_instrument(PEMDI_FILE.read_text(encoding="utf-8"), "pemdi-2026.v1.yaml")
    for ind in data["indicators"]:
        del ind["description"], ind["description_en"]
    bare = parse_instrument(yaml.safe_dump(data, allow_unicode=True), "pemdi-2026.v1.yaml")
    assert bare.indicators["I1"].description == ""
    assert bare.digest == original.digest
    data["indicators"][0]["description"] = "Deskripsi lain."
    assert parse_instrument(yaml.safe_dump(data, allow_unicode=True), "pemdi-2026.v1.yaml").digest == original.digest
    data["indicators"][0]["question"] = "Pertanyaan lain?"
    assert parse_instrument(yaml.safe_dump(data, allow_unicode=True), "pemdi-2026.v1.yaml").digest != original.digest


def test_first_year_is_the_year_an_instrument_code_ends_in() -> None:
    assert first_year("pemdi-2026") == 2026
    assert first_year("spbe-2020") == 2020
    assert first_year("uji") is None
    assert first_year("uji-12345") is None
