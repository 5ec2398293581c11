"""Load and validate instrument files from ``seeds/instruments/`` into frozen dataclasses.

Pure: no Flask, no database. Syncing into the database lives in ``assess.services.instruments``.
Every problem is reported as an :class:`InstrumentError` naming the file, the key path, the line
(where the YAML has one) and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is several times faster; fall back to the pure one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

SEED_DIR = Path(__file__).resolve().parent.parent / "seeds" / "instruments"
FILE_RE = re.compile(r"^(?P<code>[a-z0-9][a-z0-9-]*)\.v(?P<version>[1-9][0-9]*)\.yaml$")
#: An instrument code that ends in a year names the first assessment year it applies to (``pemdi-2026``).
CODE_YEAR_RE = re.compile(r"-(?P<year>(?:19|20)[0-9]{2})$")
VALUE_TYPES = ("level", "graded")
BASES = ("exact", "rounded")
ITEM_KINDS = ("doc", "ss", "idx", "note")
CONVERSIONS = ("linear", "identity", "none")
#: Checks run when an answer moves to "siap direviu", and what a failure does.
SUBMISSION_CHECKS = ("no_evidence", "empty_penjelasan", "stale_evidence")
CHECK_ACTIONS = ("block", "warn")
LEVELS = (1, 2, 3, 4, 5)
#: Explanatory indicator texts that no value depends on: left out of the digest, so a version already used by
#: assessments takes new or corrected descriptions in place (see ``assess.services.instruments``).
DESCRIPTIVE_KEYS = ("description", "description_en")

Path_ = tuple[str | int, ...]


class InstrumentError(ValueError):
    """A problem in an instrument file: where it is and what is wrong."""

    def __init__(self, file: str, path: Path_, problem: str, line: int | None = None) -> None:
        self.file = file
        self.path = path
        self.problem = problem
        self.line = line
        where = _format_path(path) or "(root)"
        at_line = f", baris {line}" if line else ""
        super().__init__(f"{file}: {where}{at_line}: {problem}")


def _format_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Band:
    min: Fraction
    name: str
    name_en: str


@dataclass(frozen=True)
class LevelBand:
    level: int
    lower: Fraction
    upper: Fraction


@dataclass(frozen=True)
class LevelName:
    level: int
    name: str
    name_en: str
    alt_name: str | None
    description: str


@dataclass(frozen=True)
class LevelScale:
    key: str
    name: str
    name_en: str
    levels: tuple[LevelName, ...]

    def level(self, n: int) -> LevelName:
        return self.levels[n - 1]


@dataclass(frozen=True)
class EvidenceItem:
    code: str
    indicator: str
    level: int
    nn: int
    kind: str
    text: str

    @property
    def counted(self) -> bool:
        """Guidance notes are shown but do not count towards a level."""
        return self.kind != "note"


@dataclass(frozen=True)
class Level:
    level: int
    criteria: str
    evidence: str
    max_evidence_age_years: int | None
    items: tuple[EvidenceItem, ...]

    @property
    def counted_items(self) -> tuple[EvidenceItem, ...]:
        return tuple(i for i in self.items if i.counted)


@dataclass(frozen=True)
class External:
    source: str
    source_min: Fraction
    source_max: Fraction
    conversion: str
    offset: Fraction | None
    divisor: Fraction | None
    confirmed: bool


@dataclass(frozen=True)
class Indicator:
    code: str
    number: int
    asesor_code: str | None
    aspect: str
    name: str
    short_name: str
    weight: Fraction
    scale: str
    question: str
    hint_fakta: str
    hint_analisis: str
    external: External | None
    levels: tuple[Level, ...]
    #: What the indicator measures (Pemdi's "Deskripsi Indikator", own words); "" when the file has none.
    description: str = ""
    description_en: str = ""

    def level(self, n: int) -> Level:
        return self.levels[n - 1]

    @property
    def items(self) -> tuple[EvidenceItem, ...]:
        return tuple(item for lvl in self.levels for item in lvl.items)


@dataclass(frozen=True)
class Aspect:
    code: str
    domain: str | None
    name: str
    name_en: str
    weight: Fraction
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Domain:
    code: str
    name: str
    name_en: str
    weight: Fraction
    aspects: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: str
    title_en: str
    regulation: str
    provisional: bool
    provisional_note: str | None
    value_type: str
    scale_min: int
    scale_max: int
    basis_default: str
    basis_by_year: tuple[tuple[int, str], ...]
    bands: tuple[Band, ...]
    level_bands: tuple[LevelBand, ...]
    level_scales: Mapping[str, LevelScale]
    domains: Mapping[str, Domain]
    aspects: Mapping[str, Aspect]
    indicators: Mapping[str, Indicator]
    submission_checks: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    #: SHA-256 of the content that assessments depend on: everything but the :data:`DESCRIPTIVE_KEYS`.
    digest: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"

    @property
    def has_domains(self) -> bool:
        return bool(self.domains)

    def basis_for_year(self, year: int | None) -> str:
        """The predikat basis of an assessment year (``rounded`` up to 2023 for SPBE)."""
        if year is not None:
            for until, basis in self.basis_by_year:
                if year <= until:
                    return basis
        return self.basis_default

    def band_for(self, value: Fraction) -> Band:
        chosen = self.bands[0]
        for band in self.bands:
            if value >= band.min:
                chosen = band
        return chosen

    def level_name(self, indicator_code: str, level: int) -> LevelName:
        return self.level_scales[self.indicators[indicator_code].scale].level(level)


# --------------------------------------------------------------------------- reading


class _Reader:
    """Walks the parsed YAML with the key path in hand, so every error can say where."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self._tree: yaml.Node | None = None

    def fail(self, path: Path_, problem: str) -> InstrumentError:
        return InstrumentError(self.file, path, problem, self._line(path))

    def _line(self, path: Path_) -> int | None:
        try:
            if self._tree is None:
                self._tree = yaml.compose(self.text, Loader=_Loader)
        except yaml.YAMLError:
            return None
        node = self._tree
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                found = next((v for k, v in node.value if k.value == part), None)
                if found is None:
                    return line
                line = next(k for k, v in node.value if v is found).start_mark.line + 1
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def mapping(self, value: Any, path: Path_, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "harus berupa mapping (kunci: nilai)")
        missing = [k for k in required if k not in value]
        if missing:
            raise self.fail(path, f"kunci wajib tidak ada: {', '.join(missing)}")
        unknown = sorted(str(k) for k in value if k not in required and k not in optional)
        if unknown:
            raise self.fail(path, f"kunci tidak dikenal: {', '.join(unknown)}")
        return value

    def seq(self, value: Any, path: Path_, *, min_len: int = 1) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "harus berupa daftar")
        if len(value) < min_len:
            raise self.fail(path, f"harus berisi paling sedikit {min_len} entri")
        return value

    def text_(self, value: Any, path: Path_, *, optional: bool = False) -> str:
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "harus berupa teks yang tidak kosong")
        return value.strip()

    def int_(self, value: Any, path: Path_, *, low: int | None = None, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, "harus berupa bilangan bulat")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(path, f"harus di antara {low} dan {high}")
        return value

    def bool_(self, value: Any, path: Path_) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "harus true atau false")
        return value

    def number(self, value: Any, path: Path_, *, positive: bool = False) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(path, 'harus berupa angka (tulis sebagai teks, mis. "1.30")')
        try:
            result = Fraction(Decimal(str(value).strip()))
        except (InvalidOperation, ValueError):
            raise self.fail(path, f"bukan angka yang sah: {value!r}") from None
        if positive and result <= 0:
            raise self.fail(path, "harus lebih besar dari 0")
        if result < 0:
            raise self.fail(path, "tidak boleh negatif")
        return result

    def choice(self, value: Any, path: Path_, choices: Sequence[str]) -> str:
        if value not in choices:
            raise self.fail(path, f"harus salah satu dari: {', '.join(choices)} (tertulis {value!r})")
        return str(value)


def _digest(data: Mapping[str, Any]) -> str:
    scored = {
        **data,
        "indicators": [{k: v for k, v in ind.items() if k not in DESCRIPTIVE_KEYS} for ind in data["indicators"]],
    }
    canonical = json.dumps(scored, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_instrument(text: str, file: str = "<teks>") -> Instrument:
    """Parse and validate the text of one instrument file."""
    r = _Reader(file, text)
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InstrumentError(file, (), f"YAML tidak sah: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise InstrumentError(file, (), f"YAML tidak sah: {exc}") from None

    top = r.mapping(
        data,
        (),
        required=(
            "code",
            "version",
            "title",
            "regulation",
            "provisional",
            "value_type",
            "scale",
            "predikat_basis",
            "bands",
            "level_scales",
            "aspects",
            "indicators",
        ),
        optional=("title_en", "provisional_note", "level_bands", "domains", "submission_checks"),
    )
    code = r.text_(top["code"], ("code",))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", code):
        raise r.fail(("code",), "hanya huruf kecil, angka dan tanda hubung")
    version = r.int_(top["version"], ("version",), low=1)
    name_match = FILE_RE.match(Path(file).name)
    if name_match and (name_match["code"] != code or int(name_match["version"]) != version):
        raise r.fail(("code",), f"nama berkas harus {code}.v{version}.yaml")

    provisional = r.bool_(top["provisional"], ("provisional",))
    provisional_note = r.text_(top.get("provisional_note"), ("provisional_note",), optional=True) or None
    if provisional and not provisional_note:
        raise r.fail(("provisional_note",), "instrumen sementara (provisional) wajib diberi catatan")
    value_type = r.choice(top["value_type"], ("value_type",), VALUE_TYPES)

    scale = r.mapping(top["scale"], ("scale",), required=("min", "max"))
    scale_min = r.int_(scale["min"], ("scale", "min"), low=0, high=10)
    scale_max = r.int_(scale["max"], ("scale", "max"), low=scale_min + 1, high=10)
    if scale_max - scale_min + 1 != len(LEVELS):
        raise r.fail(("scale",), "skala harus terdiri atas lima level")

    basis = r.mapping(top["predikat_basis"], ("predikat_basis",), required=("default",), optional=("by_year",))
    basis_default = r.choice(basis["default"], ("predikat_basis", "default"), BASES)
    by_year: list[tuple[int, str]] = []
    for i, rule in enumerate(r.seq(basis.get("by_year", []), ("predikat_basis", "by_year"), min_len=0)):
        p: Path_ = ("predikat_basis", "by_year", i)
        rule = r.mapping(rule, p, required=("until", "basis"))
        by_year.append(
            (r.int_(rule["until"], (*p, "until"), low=1900, high=2999), r.choice(rule["basis"], (*p, "basis"), BASES))
        )
    by_year.sort()

    bands = _bands(r, top["bands"], scale_max)
    level_bands = _level_bands(r, top.get("level_bands"), value_type, scale_min, scale_max)
    level_scales = _level_scales(r, top["level_scales"])
    domains_raw = _domains(r, top.get("domains"))
    aspects_raw = _aspects(r, top["aspects"], domains_raw)
    indicators = _indicators(r, top["indicators"], value_type, aspects_raw, level_scales)

    aspects = _check_aspect_weights(r, aspects_raw, indicators)
    domains = _check_domain_weights(r, domains_raw, aspects)
    total = sum((ind.weight for ind in indicators.values()), Fraction(0))
    if total != 100:
        raise r.fail(("indicators",), f"jumlah bobot indikator harus 100, tertulis {_fmt(total)}")

    checks_raw = r.mapping(
        top.get("submission_checks", {}), ("submission_checks",), required=(), optional=SUBMISSION_CHECKS
    )
    checks = dict.fromkeys(SUBMISSION_CHECKS, "warn")
    for name, action in checks_raw.items():
        checks[name] = r.choice(action, ("submission_checks", name), CHECK_ACTIONS)

    return Instrument(
        code=code,
        version=version,
        title=r.text_(top["title"], ("title",)),
        title_en=r.text_(top.get("title_en"), ("title_en",), optional=True) or r.text_(top["title"], ("title",)),
        regulation=r.text_(top["regulation"], ("regulation",)),
        provisional=provisional,
        provisional_note=provisional_note,
        value_type=value_type,
        scale_min=scale_min,
        scale_max=scale_max,
        basis_default=basis_default,
        basis_by_year=tuple(by_year),
        bands=bands,
        level_bands=level_bands,
        level_scales=level_scales,
        domains=domains,
        aspects=aspects,
        indicators=indicators,
        submission_checks=checks,
        source=file,
        digest=_digest(data),
    )


def _fmt(value: Fraction) -> str:
    return f"{float(value):g}"


def _bands(r: _Reader, raw: Any, scale_max: int) -> tuple[Band, ...]:
    out: list[Band] = []
    for i, b in enumerate(r.seq(raw, ("bands",), min_len=2)):
        p: Path_ = ("bands", i)
        b = r.mapping(b, p, required=("min", "name"), optional=("name_en",))
        band = Band(
            r.number(b["min"], (*p, "min")),
            r.text_(b["name"], (*p, "name")),
            r.text_(b.get("name_en"), (*p, "name_en"), optional=True) or str(b["name"]),
        )
        if out and band.min <= out[-1].min:
            raise r.fail((*p, "min"), "batas predikat harus urut naik")
        if band.min > scale_max:
            raise r.fail((*p, "min"), "batas predikat melebihi skala")
        out.append(band)
    if out[0].min != 0:
        raise r.fail(("bands", 0, "min"), "predikat pertama harus mulai dari 0")
    if len({b.name for b in out}) != len(out):
        raise r.fail(("bands",), "nama predikat harus unik")
    return tuple(out)


def _level_bands(r: _Reader, raw: Any, value_type: str, lo: int, hi: int) -> tuple[LevelBand, ...]:
    if value_type != "graded":
        if raw is not None:
            raise r.fail(("level_bands",), "hanya untuk instrumen bertipe graded")
        return ()
    if raw is None:
        raise r.fail(("level_bands",), "wajib untuk instrumen bertipe graded")
    out: list[LevelBand] = []
    previous = Fraction(lo)
    for i, b in enumerate(r.seq(raw, ("level_bands",))):
        p: Path_ = ("level_bands", i)
        b = r.mapping(b, p, required=("level", "lower", "upper"))
        band = LevelBand(
            r.int_(b["level"], (*p, "level"), low=1, high=5),
            r.number(b["lower"], (*p, "lower")),
            r.number(b["upper"], (*p, "upper")),
        )
        if band.level != i + 1:
            raise r.fail((*p, "level"), f"harus level {i + 1}")
        if band.lower != previous or band.upper <= band.lower:
            raise r.fail(p, "rentang level harus bersambung dan naik")
        previous = band.upper
        out.append(band)
    if len(out) != len(LEVELS) or previous != hi:
        raise r.fail(("level_bands",), f"harus lima rentang dari {lo} sampai {hi}")
    return tuple(out)


def _level_scales(r: _Reader, raw: Any) -> dict[str, LevelScale]:
    if not isinstance(raw, dict) or not raw:
        raise r.fail(("level_scales",), "harus berupa mapping skala level yang tidak kosong")
    out: dict[str, LevelScale] = {}
    for key, s in raw.items():
        p: Path_ = ("level_scales", str(key))
        s = r.mapping(s, p, required=("name", "levels"), optional=("name_en",))
        levels: list[LevelName] = []
        for i, lv in enumerate(r.seq(s["levels"], (*p, "levels"))):
            lp: Path_ = (*p, "levels", i)
            lv = r.mapping(lv, lp, required=("level", "name", "description"), optional=("name_en", "alt_name"))
            n = r.int_(lv["level"], (*lp, "level"), low=1, high=5)
            if n != i + 1:
                raise r.fail((*lp, "level"), f"harus level {i + 1}")
            levels.append(
                LevelName(
                    n,
                    r.text_(lv["name"], (*lp, "name")),
                    r.text_(lv.get("name_en"), (*lp, "name_en"), optional=True) or str(lv["name"]),
                    r.text_(lv.get("alt_name"), (*lp, "alt_name"), optional=True) or None,
                    r.text_(lv["description"], (*lp, "description")),
                )
            )
        if len(levels) != len(LEVELS):
            raise r.fail((*p, "levels"), "harus tepat lima level (1 sampai 5)")
        out[str(key)] = LevelScale(
            str(key),
            r.text_(s["name"], (*p, "name")),
            r.text_(s.get("name_en"), (*p, "name_en"), optional=True) or str(s["name"]),
            tuple(levels),
        )
    return out


def _unique_code(r: _Reader, seen: set[str], code: str, path: Path_) -> None:
    if code in seen:
        raise r.fail(path, f"kode {code} dipakai lebih dari sekali")
    seen.add(code)


def _domains(r: _Reader, raw: Any) -> dict[str, tuple[str, str, Fraction]]:
    out: dict[str, tuple[str, str, Fraction]] = {}
    if raw is None:
        return out
    for i, d in enumerate(r.seq(raw, ("domains",))):
        p: Path_ = ("domains", i)
        d = r.mapping(d, p, required=("code", "name", "weight"), optional=("name_en",))
        code = r.text_(d["code"], (*p, "code"))
        _unique_code(r, set(out), code, (*p, "code"))
        out[code] = (
            r.text_(d["name"], (*p, "name")),
            r.text_(d.get("name_en"), (*p, "name_en"), optional=True) or str(d["name"]),
            r.number(d["weight"], (*p, "weight"), positive=True),
        )
    return out


def _aspects(r: _Reader, raw: Any, domains: Mapping[str, Any]) -> dict[str, tuple[str | None, str, str, Fraction]]:
    out: dict[str, tuple[str | None, str, str, Fraction]] = {}
    for i, a in enumerate(r.seq(raw, ("aspects",))):
        p: Path_ = ("aspects", i)
        a = r.mapping(a, p, required=("code", "name", "weight"), optional=("name_en", "domain"))
        code = r.text_(a["code"], (*p, "code"))
        _unique_code(r, set(out), code, (*p, "code"))
        domain: str | None = None
        if domains:
            domain = r.text_(a.get("domain"), (*p, "domain"))
            if domain not in domains:
                raise r.fail((*p, "domain"), f"domain {domain} tidak ada")
        elif "domain" in a:
            raise r.fail((*p, "domain"), "instrumen ini tidak memiliki domain")
        out[code] = (
            domain,
            r.text_(a["name"], (*p, "name")),
            r.text_(a.get("name_en"), (*p, "name_en"), optional=True) or str(a["name"]),
            r.number(a["weight"], (*p, "weight"), positive=True),
        )
    return out


def _indicators(
    r: _Reader, raw: Any, value_type: str, aspects: Mapping[str, Any], scales: Mapping[str, LevelScale]
) -> dict[str, Indicator]:
    out: dict[str, Indicator] = {}
    item_codes: set[str] = set()
    for i, d in enumerate(r.seq(raw, ("indicators",))):
        p: Path_ = ("indicators", i)
        d = r.mapping(
            d,
            p,
            required=("code", "aspect", "name", "short_name", "weight", "scale", "question", "hints", "levels"),
            optional=("asesor_code", "external", *DESCRIPTIVE_KEYS),
        )
        code = r.text_(d["code"], (*p, "code"))
        if code != f"I{i + 1}":
            raise r.fail((*p, "code"), f"kode indikator harus berurutan: diharapkan I{i + 1}, tertulis {code}")
        aspect = r.text_(d["aspect"], (*p, "aspect"))
        if aspect not in aspects:
            raise r.fail((*p, "aspect"), f"aspek {aspect} tidak ada")
        scale = r.text_(d["scale"], (*p, "scale"))
        if scale not in scales:
            raise r.fail((*p, "scale"), f"skala level {scale} tidak ada di level_scales")
        hints = r.mapping(d["hints"], (*p, "hints"), required=("fakta", "analisis"))
        external = _external(r, d.get("external"), (*p, "external"), value_type)
        levels = _levels(r, d["levels"], (*p, "levels"), code, value_type, external is not None, item_codes)
        asesor = d.get("asesor_code")
        description = r.text_(d.get("description"), (*p, "description"), optional=True)
        description_en = r.text_(d.get("description_en"), (*p, "description_en"), optional=True)
        if description_en and not description:
            raise r.fail((*p, "description_en"), "description_en memerlukan description (teks bahasa Indonesia)")
        out[code] = Indicator(
            code=code,
            number=i + 1,
            asesor_code=r.text_(str(asesor), (*p, "asesor_code")) if asesor is not None else None,
            aspect=aspect,
            name=r.text_(d["name"], (*p, "name")),
            short_name=r.text_(d["short_name"], (*p, "short_name")),
            weight=r.number(d["weight"], (*p, "weight"), positive=True),
            scale=scale,
            question=r.text_(d["question"], (*p, "question")),
            hint_fakta=r.text_(hints["fakta"], (*p, "hints", "fakta")),
            hint_analisis=r.text_(hints["analisis"], (*p, "hints", "analisis")),
            external=external,
            levels=levels,
            description=description,
            description_en=description_en,
        )
    return out


def _external(r: _Reader, raw: Any, p: Path_, value_type: str) -> External | None:
    if raw is None:
        return None
    if value_type != "graded":
        raise r.fail(p, "indikator eksternal hanya untuk instrumen bertipe graded")
    e = r.mapping(
        raw,
        p,
        required=("source", "source_min", "source_max", "conversion", "confirmed"),
        optional=("offset", "divisor"),
    )
    conversion = r.choice(e["conversion"], (*p, "conversion"), CONVERSIONS)
    offset = divisor = None
    if conversion == "linear":
        if "offset" not in e or "divisor" not in e:
            raise r.fail(p, "konversi linear memerlukan offset dan divisor")
        offset = r.number(e["offset"], (*p, "offset"))
        divisor = r.number(e["divisor"], (*p, "divisor"), positive=True)
    elif "offset" in e or "divisor" in e:
        raise r.fail(p, "offset dan divisor hanya untuk konversi linear")
    lo, hi = r.number(e["source_min"], (*p, "source_min")), r.number(e["source_max"], (*p, "source_max"))
    if hi <= lo:
        raise r.fail((*p, "source_max"), "harus lebih besar dari source_min")
    return External(
        r.text_(e["source"], (*p, "source")),
        lo,
        hi,
        conversion,
        offset,
        divisor,
        r.bool_(e["confirmed"], (*p, "confirmed")),
    )


def _levels(
    r: _Reader, raw: Any, p: Path_, code: str, value_type: str, external: bool, item_codes: set[str]
) -> tuple[Level, ...]:
    out: list[Level] = []
    for i, lv in enumerate(r.seq(raw, p)):
        lp: Path_ = (*p, i)
        lv = r.mapping(lv, lp, required=("level", "criteria", "evidence"), optional=("max_evidence_age_years", "items"))
        n = r.int_(lv["level"], (*lp, "level"), low=1, high=5)
        if n != i + 1:
            raise r.fail((*lp, "level"), f"harus level {i + 1}")
        age = lv.get("max_evidence_age_years")
        items: list[EvidenceItem] = []
        if value_type == "level" and "items" in lv:
            raise r.fail((*lp, "items"), "butir bukti hanya untuk instrumen bertipe graded")
        for j, it in enumerate(r.seq(lv.get("items", []), (*lp, "items"), min_len=0)):
            ip: Path_ = (*lp, "items", j)
            it = r.mapping(it, ip, required=("code", "kind", "text"))
            item_code = r.text_(it["code"], (*ip, "code"))
            m = re.fullmatch(r"(I\d+)-L(\d)-(\d{2})", item_code)
            if not m or m[1] != code or int(m[2]) != n:
                raise r.fail((*ip, "code"), f"kode butir harus berbentuk {code}-L{n}-NN, tertulis {item_code}")
            _unique_code(r, item_codes, item_code, (*ip, "code"))
            items.append(
                EvidenceItem(
                    item_code,
                    code,
                    n,
                    int(m[3]),
                    r.choice(it["kind"], (*ip, "kind"), ITEM_KINDS),
                    r.text_(it["text"], (*ip, "text")),
                )
            )
        if value_type == "graded" and not external and not any(item.counted for item in items):
            raise r.fail((*lp, "items"), "level ini belum memiliki butir bukti yang dihitung")
        out.append(
            Level(
                n,
                r.text_(lv["criteria"], (*lp, "criteria")),
                r.text_(lv["evidence"], (*lp, "evidence")),
                r.int_(age, (*lp, "max_evidence_age_years"), low=1, high=10) if age is not None else None,
                tuple(items),
            )
        )
    if len(out) != len(LEVELS):
        raise r.fail(p, "harus tepat lima level (1 sampai 5)")
    return tuple(out)


def _check_aspect_weights(
    r: _Reader, raw: Mapping[str, tuple[str | None, str, str, Fraction]], indicators: Mapping[str, Indicator]
) -> dict[str, Aspect]:
    out: dict[str, Aspect] = {}
    for i, (code, (domain, name, name_en, weight)) in enumerate(raw.items()):
        members = tuple(ind.code for ind in indicators.values() if ind.aspect == code)
        if not members:
            raise r.fail(("aspects", i), f"aspek {code} tidak memiliki indikator")
        total = sum((indicators[m].weight for m in members), Fraction(0))
        if total != weight:
            raise r.fail(
                ("aspects", i, "weight"),
                f"bobot aspek {code} ({_fmt(weight)}) tidak sama dengan jumlah bobot indikatornya ({_fmt(total)})",
            )
        out[code] = Aspect(code, domain, name, name_en, weight, members)
    return out


def _check_domain_weights(
    r: _Reader, raw: Mapping[str, tuple[str, str, Fraction]], aspects: Mapping[str, Aspect]
) -> dict[str, Domain]:
    out: dict[str, Domain] = {}
    for i, (code, (name, name_en, weight)) in enumerate(raw.items()):
        members = tuple(a.code for a in aspects.values() if a.domain == code)
        if not members:
            raise r.fail(("domains", i), f"domain {code} tidak memiliki aspek")
        total = sum((aspects[m].weight for m in members), Fraction(0))
        if total != weight:
            raise r.fail(
                ("domains", i, "weight"),
                f"bobot domain {code} ({_fmt(weight)}) tidak sama dengan jumlah bobot aspeknya ({_fmt(total)})",
            )
        out[code] = Domain(code, name, name_en, weight, members)
    return out


# --------------------------------------------------------------------------- files


def first_year(code: str) -> int | None:
    """The first assessment year of the instrument ``code`` (``pemdi-2026`` → 2026); None when its code names none."""
    m = CODE_YEAR_RE.search(code)
    return int(m["year"]) if m else None


def load_file(path: str | Path) -> Instrument:
    """Read, validate and return the instrument in one file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(str(p), (), f"tidak dapat dibaca: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InstrumentError(str(p), (), "bukan teks UTF-8") from None
    return parse_cached(text, str(p))


@lru_cache(maxsize=16)
def parse_cached(text: str, file: str) -> Instrument:
    """:func:`parse_instrument`, remembered for the same text (instruments are immutable data)."""
    return parse_instrument(text, file)


def instrument_files(directory: str | Path | None = None) -> Iterator[tuple[str, int, Path]]:
    """(code, version, path) of every instrument file in the folder, sorted."""
    folder = Path(directory) if directory else SEED_DIR
    found = []
    for p in folder.glob("*.yaml"):
        m = FILE_RE.match(p.name)
        if m:
            found.append((m["code"], int(m["version"]), p))
    yield from sorted(found)


def load_all(directory: str | Path | None = None) -> list[Instrument]:
    return [load_file(p) for _code, _version, p in instrument_files(directory)]


def load_instrument(code: str, version: int | None = None, directory: str | Path | None = None) -> Instrument:
    """The instrument ``code`` (its latest version unless one is named)."""
    candidates = [(v, p) for c, v, p in instrument_files(directory) if c == code]
    if version is not None:
        candidates = [(v, p) for v, p in candidates if v == version]
    if not candidates:
        wanted = f"{code} versi {version}" if version is not None else code
        raise LookupError(f"instrumen {wanted} tidak ditemukan")
    return load_file(max(candidates)[1])
