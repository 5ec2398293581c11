"""The design tokens of assess/static/app.css: the colour pairs the pages use meet WCAG 2.2 AA contrast, every rule
takes its colours from the tokens, and no template or static file draws an icon with an emoji."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "assess" / "static" / "app.css"
TEMPLATES = ROOT / "assess" / "templates"
STATIC = ROOT / "assess" / "static"

BANDS = ("kurang", "cukup", "baik", "sangat-baik", "memuaskan")
#: Text on its background: 4.5:1 (WCAG 1.4.3).
TEXT_PAIRS = [
    ("color-text", "color-surface"),
    ("color-text", "color-bg"),
    ("color-text", "color-surface-alt"),
    ("color-text", "color-accent-soft"),
    ("color-text", "color-warning-soft"),
    ("color-text", "color-danger-soft"),
    ("color-text", "color-success-soft"),
    ("color-muted", "color-surface"),
    ("color-muted", "color-bg"),
    ("color-muted", "color-surface-alt"),
    ("color-accent", "color-surface"),
    ("color-accent", "color-bg"),
    ("color-accent", "color-accent-soft"),
    ("color-accent-strong", "color-accent-soft"),
    ("color-on-accent", "color-accent"),
    ("color-on-accent", "color-accent-strong"),
    ("color-danger", "color-surface"),
    ("color-danger", "color-danger-soft"),
    ("color-on-danger", "color-danger"),
    ("color-on-danger", "color-danger-strong"),
    ("color-success", "color-surface"),
    ("color-warning", "color-surface"),
    ("color-warning", "color-warning-soft"),
    *[(f"predikat-{band}-fg", f"predikat-{band}-bg") for band in BANDS],
]
#: Borders of controls and the focus ring against what they sit on: 3:1 (WCAG 1.4.11).
UI_PAIRS = [
    ("color-border", "color-surface"),
    ("color-border", "color-bg"),
    ("color-accent", "color-surface"),
    ("color-focus", "color-surface"),
    ("color-focus", "color-bg"),
]
#: Emoji and pictographs (they show as empty boxes where no emoji font is installed): icons are inline SVG instead.
#: The plain check and cross marks (✓ ✕ ✗, not emoji) are in the ordinary text fonts.
EMOJI = re.compile("(?![\u2713\u2715\u2717])[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u231a-\u23ff\ufe0f]")


def tokens(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", css, re.S)
    assert root, "app.css has no :root block"
    return {name: value.strip() for name, value in re.findall(r"--([\w-]+)\s*:\s*([^;]+);", root.group(1))}


def luminance(colour: str) -> float:
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", hexa), f"not a hex colour: {colour}"

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hexa[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS, ids=[f"{f} on {b}" for f, b in TEXT_PAIRS])
def test_text_colours_meet_aa(fg: str, bg: str) -> None:
    t = tokens(CSS.read_text())
    assert contrast(t[fg], t[bg]) >= 4.5, f"--{fg} on --{bg}: {contrast(t[fg], t[bg]):.2f}:1"


@pytest.mark.parametrize(("fg", "bg"), UI_PAIRS, ids=[f"{f} on {b}" for f, b in UI_PAIRS])
def test_control_colours_meet_aa(fg: str, bg: str) -> None:
    t = tokens(CSS.read_text())
    assert contrast(t[fg], t[bg]) >= 3.0, f"--{fg} on --{bg}: {contrast(t[fg], t[bg]):.2f}:1"


def test_every_predikat_band_has_its_own_colour() -> None:
    t = tokens(CSS.read_text())
    assert len({t[f"predikat-{b}-bg"] for b in BANDS}) == len(BANDS)
    css = CSS.read_text()
    for band in BANDS:
        assert re.search(rf"\.chip-predikat-{band}\s*\{{[^}}]*var\(--predikat-{band}-bg\)", css), band


def test_rules_take_their_colours_from_the_tokens() -> None:
    """Outside :root no rule writes a colour of its own."""
    css = CSS.read_text()
    rules = re.sub(r":root\s*\{.*?\}", "", css, count=1, flags=re.S)
    rules = re.sub(r"/\*.*?\*/", "", rules, flags=re.S)
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", rules) == []


def test_no_rule_fades_what_it_shows() -> None:
    """A rule with an opacity below 1 blends its text into the background, below the contrast checked above (the
    muted text of a resolved comment thread at 80 % opacity came to about 4.2:1, under AA's 4.5:1)."""
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    assert re.findall(r"opacity\s*:\s*(0?\.\d+|0)\s*[;}]", css) == []


def test_hidden_wins_over_display_rules() -> None:
    """``.chip { display:inline-block }`` and the like must not show an element marked ``hidden``."""
    assert re.search(r"\[hidden\]\s*\{\s*display\s*:\s*none\s*!important", CSS.read_text())


def test_no_emoji_in_templates_or_static_files() -> None:
    found = []
    for path in [*TEMPLATES.rglob("*.html"), *STATIC.rglob("*.js"), *STATIC.rglob("*.css")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(ROOT)}:{number}: {m.group()!r}" for m in EMOJI.finditer(line)]
    assert found == []
