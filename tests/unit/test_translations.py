"""Every UI string is translatable and the English catalogue is complete and current."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "assess" / "translations"


def _source_msgids() -> set[str]:
    method_map = [("assess/**.py", "python"), ("assess/templates/**.html", "jinja2")]
    found: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None},
        directory_filter=lambda d: not Path(d).name.startswith(".") and Path(d).name not in ("instance", "tests"),
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_english_catalogue_is_complete_and_current() -> None:
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(BytesIO(fh.read()))
    # A plural entry (ngettext) is keyed by its singular msgid, and needs every form translated.
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    source = _source_msgids()
    assert len(source) > 40
    missing = sorted(source - set(entries))
    assert not missing, f"run `make messages` and translate: {missing}"
    untranslated = sorted(
        str(k)
        for k, m in entries.items()
        if m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string))
    )
    assert not untranslated, f"untranslated or fuzzy in en: {untranslated}"


def test_indonesian_security_messages_exist() -> None:
    with (TRANSLATIONS / "id" / "LC_MESSAGES" / "flask_security.po").open("rb") as fh:
        catalog = read_po(BytesIO(fh.read()))
    strings = {m.id: m.string for m in catalog if m.id}
    assert strings["Authentication failed - identity or password/passcode invalid"] == "Surel atau kata sandi salah."
    assert strings["Please log in to access this page."]
