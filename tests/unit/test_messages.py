"""Every user-facing message is translatable, with named parameters, and has its English text.

``tests/unit/test_layers.py`` holds that no ``DomainError`` of the code base carries a literal message; here the
scanner it uses is shown to catch each form of literal, and the other ways a message escapes translation are held:
a literal flash, a translating call given text it cannot extract (an f-string), positional ``%s`` parameters. The
English catalogue check of ``tests/unit/test_translations.py`` covers ``assess/``; here it also covers the rest of
``babel.cfg`` (forms, reports, uploads) and ``lazy_gettext``, and every English text keeps its named parameters.
"""

from __future__ import annotations

import ast
import re
from io import BytesIO

from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.astscan import ROOT, TRANSLATING_CALLS, called_name, is_untranslated, modules, untranslated_domain_errors
from tests.unit.test_translations import _source_msgids

CATALOGUE = ROOT / "assess" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
NAMES = frozenset({"DomainError", "NotFoundError"})
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
POSITIONAL = re.compile(r"%[sdif]")


def _offending_lines(source: str) -> list[int]:
    return sorted(getattr(node, "lineno", 0) for node in untranslated_domain_errors(ast.parse(source), NAMES))


def test_the_scanner_finds_every_literal_message() -> None:
    source = """
raise DomainError("Tahun wajib diisi.")
raise NotFoundError(f"Indikator {code} tidak ada.")
raise DomainError("Indikator %s tidak ada." % code)
raise DomainError("Indikator {} tidak ada.".format(code))
raise errors.DomainError(message="Nilai tidak sah.")
raise DomainError(_l("Nilai tidak sah."), reasons=[("year", "Tahun wajib diisi.")])
"""
    assert _offending_lines(source) == [2, 3, 4, 5, 6, 7]


def test_the_scanner_accepts_translated_messages_and_variables() -> None:
    source = """
raise DomainError(_("Indikator %(code)s tidak ada.", code=code))
raise NotFoundError(_l("Penilaian tidak ada."), field="assessment")
raise DomainError(message, reasons=[("year", _("Tahun wajib diisi."))])
raise DomainError(exc.message)
raise OtherError("not a domain error")
"""
    assert _offending_lines(source) == []


def _calls() -> list[tuple[str, ast.Call]]:
    return [
        (module.at(node), node)
        for module in modules().values()
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Call)
    ]


def test_no_flash_of_a_literal() -> None:
    offences = sorted(
        f"{where} {ast.unparse(call)[:80]}"
        for where, call in _calls()
        if called_name(call) == "flash" and call.args and is_untranslated(call.args[0])
    )
    assert not offences, "\n".join(offences)


def test_translating_calls_get_extractable_text_with_named_parameters() -> None:
    offences = []
    for where, call in _calls():
        if called_name(call) not in TRANSLATING_CALLS or not isinstance(call.func, ast.Name) or not call.args:
            continue
        text = call.args[0]
        if isinstance(text, ast.JoinedStr):
            offences.append(f"{where} an f-string is never found in the catalogue")
        elif isinstance(text, ast.Constant) and isinstance(text.value, str) and POSITIONAL.search(text.value):
            offences.append(f"{where} positional parameter in {text.value[:60]!r}: name it, %(name)s")
    offences += [
        f"{where} formats a translated text with %: pass named parameters to the call"
        for where, node in ((module.at(node), node) for module in modules().values() for node in ast.walk(module.tree))
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.Call)
        and called_name(node.left) in TRANSLATING_CALLS
    ]
    assert not offences, "\n".join(sorted(offences))


def _catalogue() -> dict[str, Message]:
    with CATALOGUE.open("rb") as fh:
        catalog = read_po(BytesIO(fh.read()))
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}


def _all_source_msgids() -> set[str]:
    """What ``make messages`` extracts: every package of ``babel.cfg``, with ``_l`` and ``lazy_gettext``."""
    method_map = [
        ("assess/**.py", "python"),
        ("forms/**.py", "python"),
        ("reports/**.py", "python"),
        ("uploads/**.py", "python"),
        ("assess/templates/**.html", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT),
            method_map=method_map,
            keywords=keywords,
            directory_filter=lambda d: (
                not d.rsplit("/", 1)[-1].startswith(".") and d.rsplit("/", 1)[-1] not in ("instance", "tests", ".venv")
            ),
        )
    }


def test_messages_outside_assess_have_their_english_text() -> None:
    entries = _catalogue()
    beyond = _all_source_msgids() - _source_msgids()
    assert beyond, "forms/ holds translatable labels: the extraction found none"
    missing = sorted(m for m in beyond if m not in entries)
    untranslated = sorted(m for m in beyond if m in entries and (not entries[m].string or entries[m].fuzzy))
    assert not missing, f"run `make messages` and translate: {missing}"
    assert not untranslated, f"untranslated or fuzzy in en: {untranslated}"


def test_english_texts_keep_the_named_parameters() -> None:
    wrong = []
    for msgid, message in _catalogue().items():
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid)):
                wrong.append(f"{msgid!r} -> {text!r}")
    assert not wrong, "\n".join(sorted(wrong))


def _untranslated_upload_refusals(tree: ast.AST) -> list[int]:
    """Lines where an ``UploadRejectedError(code, message)`` is given a literal message."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and called_name(node) == "UploadRejectedError":
            given = node.args[1:2] + [k.value for k in node.keywords if k.arg == "message"]
            found += [node.lineno for message in given if is_untranslated(message)]
    return found


def test_the_upload_scanner_finds_literal_messages() -> None:
    source = """
UploadRejectedError("empty", "Berkas kosong.")
UploadRejectedError("too_large", f"Berkas melebihi batas {limit}.")
UploadRejectedError(code="bad_name", message="Nama berkas tidak dapat digunakan.")
UploadRejectedError("empty", _l("Berkas kosong."))
UploadRejectedError("corrupt", _sentences(problem, advice))
"""
    assert _untranslated_upload_refusals(ast.parse(source)) == [2, 3, 4]


def test_every_upload_refusal_message_is_translatable() -> None:
    offences = [f"{m.where}:{line}" for m in modules().values() for line in _untranslated_upload_refusals(m.tree)]
    assert not offences, "\n".join(offences)
