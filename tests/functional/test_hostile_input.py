"""Hostile identifiers and text (issue 12, finding 12): never a 500, generated from ``app.url_map`` and the pages.

- Paths: every integer part of every rule gets 2^31, 2^63, 2^64 and -1 (the other parts real ids), by GET and
  POST, as pengisi, koordinator and admin: 404 (ids are ``Integer`` columns, signed 32-bit on PostgreSQL), or 405
  where the path is another method's rule. Every string part gets a control character: the same.
- Query strings: every argument a views module reads (found in its source) on every GET route of its blueprint,
  with the same numbers (no 500) and with control characters (400).
- Forms: every POST form of every page each role sees (and the login page, signed out), one field at a time set
  to the same numbers and to texts with a NUL or another control character: no 500, and no stored text carries a
  control character afterwards.
- JSON: the what-if calculation with the same values.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import String, Text, select

import assess.views
from assess.extensions import db as _db
from assess.models import AnswerState, FollowUp, Notification
from assess.services import comments as comment_service
from assess.services import evidence as evidence_service
from assess.services import planning
from forms import OUT_OF_RANGE_MESSAGE
from forms.comments import CommentForm
from tests import routes
from tests.factories import create_assessment
from tests.functional.helpers import login, logout, pdf_bytes
from tests.worlds import World, build_world

HOSTILE_NUMBERS = (str(2**31), str(2**63), str(2**64), "-1")
CONTROL_TEXTS = ("teks\x00uji", "\x1b[31m")
ROLES = ("pengisi", "reviewer", "koordinator", "admin")
#: Path and query probes sign in as these; the form crawl adds the reviewer (the review forms are theirs).
SWEEP_ROLES = ("pengisi", "koordinator", "admin")
#: Forms whose success removes or closes what later forms need: sent last.
LAST = ("hapus", "nonaktifkan", "keluarkan", "tahap", "lepas", "tarik", "logo", "kata-sandi")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_unique = count(1)


@dataclass
class Site:
    ids: dict[str, Any]
    world: World
    #: Pages beyond the filled rules whose forms differ (a Pemdi answer, an answer waiting for review).
    extra_pages: list[str] = field(default_factory=list)


@pytest.fixture
def site(db: Any) -> Site:
    world = build_world(name="Pemerintah Kota Uji", members=ROLES, outsider=())
    instansi, unit, level = world.instansi, world.unit, world.assessment
    pemdi = create_assessment(instansi, code="pemdi-2026")
    for answer in pemdi.answers:
        answer.assignee_unit = unit
    answer = next(a for a in level.answers if a.indicator.code == "I1")
    next(a for a in level.answers if a.indicator.code == "I2").state = AnswerState.SIAP_DIREVIU
    document = evidence_service.upload(
        assessment=level,
        stream=io.BytesIO(pdf_bytes(text="Peraturan uji")),
        filename="peraturan.pdf",
        meta=None,
        user=world.pengisi,
        storage=current_app.extensions["storage"],
        policy=current_app.extensions["upload_policy"],
    )
    document.owner_unit_id = unit.id
    link = evidence_service.link(
        answer=answer, evidence=document, level=1, item=None, note="", user=world.koordinator
    )
    top = comment_service.add_comment(assessment=level, author=world.koordinator, body="Mohon dicek", answer=answer)
    comment_service.add_comment(assessment=level, author=world.pengisi, body="Sudah", parent=top)
    comment_service.add_comment(assessment=level, author=world.pengisi, body="Lihat", evidence=document)
    comment_service.ensure_canned_defaults(instansi.id)
    scenario = planning.save_scenario(assessment=level, name="Skenario uji", changes={}, actor=world.koordinator)
    follow_up = FollowUp(assessment_id=level.id, indicator_code="I1", recommendation="Tetapkan", owner_unit_id=unit.id)
    _db.session.add(follow_up)
    _db.session.flush()
    notification = _db.session.scalars(select(Notification).order_by(Notification.id)).first()
    assert notification is not None
    canned = comment_service.list_canned(instansi.id)[0]
    _db.session.commit()
    ids = {
        "assessment_id": level.id,
        "instansi_id": instansi.id,
        "user_id": world.pengisi.id,
        "unit_id": unit.id,
        "evidence_id": document.id,
        "number": 1,
        "export_id": 1,
        "comment_id": top.id,
        "canned_id": canned.id,
        "scenario_id": scenario.id,
        "follow_up_id": follow_up.id,
        "link_id": link.id,
        "notification_id": notification.id,
        "answer_id": answer.id,
        "code": "I1",
    }
    extra = [f"/penilaian/{level.id}/indikator/I2", f"/penilaian/{pemdi.id}/indikator/I1"]
    return Site(ids, world, extra)


# --------------------------------------------------------------------------- building URLs


def _routes(app: Flask) -> list[Any]:
    """Every rule but the static files (a file name, not an id)."""
    return routes.rules(app, static=False)


def _methods(rule: Any) -> list[str]:
    return sorted((rule.methods or set()) & {"GET", "POST"})


@pytest.fixture
def as_each(client: FlaskClient, app: Flask, site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Signs the client in as a role; errors answer 500 as in production, so that a sweep lists them all."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def sign_in(role: str) -> FlaskClient:
        logout(client)
        assert login(client, site.world.member(role).email).status_code == 302
        return client

    yield sign_in
    logout(client)


# --------------------------------------------------------------------------- paths


def test_out_of_range_ids_and_control_characters_in_paths_answer_404(app: Flask, site: Site, as_each: Any) -> None:
    probes, failures = 0, []
    for role in SWEEP_ROLES:
        client = as_each(role)
        for rule in _routes(app):
            for converter, name in routes.VARIABLE.findall(rule.rule):
                if converter == "int":
                    values: tuple[str, ...] = HOSTILE_NUMBERS
                elif converter in ("", "string"):
                    values = ("I1%00", "%1Fx")
                else:
                    continue
                for value in values:
                    url = routes.fill(rule.rule, {**site.ids, name: value})
                    for method in _methods(rule):
                        status = client.open(url, method=method).status_code
                        probes += 1
                        if status not in (404, 405):  # 405: the path is another method's rule
                            failures.append(f"{role} {method} {url}: {status}")
    print(f"hostile paths: {probes} requests, {len(failures)} answered neither 404 nor 405")
    assert probes > 1000
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- query strings


def _query_arguments() -> dict[str, set[str]]:
    """Per blueprint, the query-string arguments its module reads (``args.get("…")``, ``page_arg(…)``), also through
    the read models of ``assess/queries`` it imports (the audit filters are parsed there)."""
    found: dict[str, set[str]] = {}
    queries = Path(assess.views.__file__).parent.parent / "queries"
    for path in sorted(Path(assess.views.__file__).parent.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        blueprint = re.search(r'Blueprint\(\s*"(\w+)"', source)
        if blueprint is None:
            continue
        for imported in re.findall(r"from assess\.queries import (\w+) as|from assess\.queries\.(\w+) import", source):
            module = queries / f"{imported[0] or imported[1]}.py"
            if module.exists():
                source += module.read_text(encoding="utf-8")
        names = set(re.findall(r'args\.get\(\s*"(\w+)"', source))
        names |= {name or "hal" for name in re.findall(r'(?<!def )page_arg\(\s*(?:"(\w+)")?\s*\)', source)}
        names |= set(re.findall(r'int_arg\(\s*"(\w+)"\s*\)', source))
        if names:
            found[blueprint.group(1)] = names
    return found


def test_hostile_query_arguments_never_answer_500(app: Flask, site: Site, as_each: Any) -> None:
    arguments = _query_arguments()
    assert {"hal", "unit", "instansi", "skenario", "orang", "q"} <= set().union(*arguments.values())
    probes, failures = 0, []
    for role in SWEEP_ROLES:
        client = as_each(role)
        for rule in _routes(app):
            if "GET" not in (rule.methods or ()):
                continue
            url = routes.fill(rule.rule, site.ids)
            for name in sorted(arguments.get(rule.endpoint.split(".")[0], ())):
                for value in (*HOSTILE_NUMBERS, *CONTROL_TEXTS):
                    status = client.get(url, query_string={name: value}).status_code
                    probes += 1
                    control = bool(CONTROL.search(value))
                    if status >= 500 or (control and status != 400):
                        failures.append(f"{role} GET {url}?{name}={value!r}: {status}")
    print(f"hostile query arguments: {probes} requests, {len(failures)} failures")
    assert probes > 500
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- forms


@dataclass
class Form:
    action: str
    #: The values the page would send (checked boxes, selected options, the first named button).
    values: dict[str, str]
    #: Every field name the form has, file inputs apart.
    names: list[str]
    files: list[str]


class _FormParser(HTMLParser):
    """The POST forms of a page, as a browser would submit them."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        form, name = self._form, a.get("name", "")
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(a.get("action") or self.page_url, {}, [], [])
            return
        if form is not None and tag == "option" and self._select:
            if self._select not in form.values or "selected" in a:
                form.values[self._select] = a.get("value", "")
            return
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
                return
            if name not in form.names:
                form.names.append(name)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "reset", "image"):
                form.values[name] = a.get("value", "")
        elif tag == "textarea":
            form.names.append(name)
            form.values[name] = ""
            self._textarea = name
        elif tag == "select":
            form.names.append(name)
            self._select = name
        elif tag == "button" and name not in form.names:
            form.names.append(name)
            form.values[name] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.values[self._textarea] += data

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _forms(client: FlaskClient, url: str) -> list[Form]:
    response = client.get(url)
    if response.status_code != 200 or not response.content_type.startswith("text/html"):
        return []
    parser = _FormParser(url)
    parser.feed(response.get_data(as_text=True))
    return [f for f in parser.forms if urlsplit(f.action).path != "/logout" and f.names]


def _crawl(client: FlaskClient, app: Flask, site: Site, seen: set[tuple[str, tuple[str, ...]]]) -> list[Form]:
    """The forms of every page the client sees, except those in ``seen`` (probed as another role already)."""
    pages = [routes.fill(rule.rule, site.ids) for rule in _routes(app) if "GET" in (rule.methods or ())]
    found = []
    for page in [*pages, *site.extra_pages]:
        for form in _forms(client, page):
            key = (urlsplit(form.action).path, tuple(sorted(form.names)))
            if key not in seen:
                seen.add(key)
                found.append(form)
    return sorted(found, key=lambda f: any(word in f.action for word in LAST))


def _post(client: FlaskClient, form: Form, name: str, value: str) -> int:
    data: dict[str, Any] = {**form.values, name: value}
    for file_field in form.files:
        data[file_field] = (io.BytesIO(pdf_bytes(text=f"Unggahan uji {next(_unique)}")), "uji.pdf")
    return client.post(form.action, data=data).status_code


def _probe_forms(client: FlaskClient, forms: list[Form], who: str, failures: list[str]) -> int:
    probes = 0
    for form in forms:
        for name in form.names:
            for value in (*CONTROL_TEXTS, *HOSTILE_NUMBERS):
                status = _post(client, form, name, value)
                probes += 1
                if status >= 500:
                    failures.append(f"{who} POST {form.action} {name}={value!r}: {status}")
    return probes


def _stored_control_characters() -> list[str]:
    _db.session.expire_all()
    found = []
    for table in _db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in _db.session.execute(select(*columns)):
            found += [f"{table.name}: {value!r}" for value in row if isinstance(value, str) and CONTROL.search(value)]
    return found


def test_hostile_values_in_every_form_never_answer_500(
    client: FlaskClient, app: Flask, site: Site, as_each: Any
) -> None:
    probes, forms = 0, 0
    failures: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for role in ROLES:
        signed_in = as_each(role)
        found = _crawl(signed_in, app, site, seen)
        forms += len(found)
        probes += _probe_forms(signed_in, found, role, failures)
    logout(client)
    login_forms = _forms(client, "/login")
    assert login_forms
    forms += len(login_forms)
    probes += _probe_forms(client, login_forms, "signed out", failures)
    print(f"hostile form values: {forms} forms, {probes} requests, {len(failures)} answered 500")
    assert forms > 25
    assert not failures, "\n".join(failures)
    assert _stored_control_characters() == []


def test_hostile_json_for_the_whatif_calculation(client: FlaskClient, site: Site, as_each: Any) -> None:
    url = f"/penilaian/{site.ids['assessment_id']}/simulasi/hitung"
    values: list[Any] = [*CONTROL_TEXTS, *HOSTILE_NUMBERS, *(int(n) for n in HOSTILE_NUMBERS), 1e308, None, [], {}]
    bodies: list[Any] = [[], "teks", 2**64, {"values": []}, {"values": {}, "items": {}}]
    bodies += [{"values": {"I1": v}} for v in values] + [{"values": {}, "items": [v]} for v in values]
    bodies += [{"values": {v: "1"}} for v in values if isinstance(v, str)]
    probes, failures = 0, []
    for role in SWEEP_ROLES:
        signed_in = as_each(role)
        for body in bodies:
            response = signed_in.post(url, json=body)
            probes += 1
            if response.status_code not in (200, 400) or not response.is_json:
                failures.append(f"{role} {body!r}: {response.status_code}")
    print(f"hostile what-if JSON: {probes} requests, {len(failures)} failures")
    assert not failures, "\n".join(failures)


def test_forms_refuse_numbers_beyond_an_id_and_drop_control_characters(app: Flask) -> None:
    """The base form does it for every field: a field error in Indonesian, text without its control characters."""
    data = {"body": "Mohon\x00 cek\x1b lagi.\r\n\tTerima kasih", "parent_id": str(2**31), "item_id": str(-(2**31))}
    with app.test_request_context(method="POST", data=data, headers={"Accept-Language": "id"}):
        form = CommentForm(items=[], canned=[])
        assert not form.validate()
        assert form.body.data == "Mohon cek lagi.\r\n\tTerima kasih"
        assert form.parent_id.errors == [OUT_OF_RANGE_MESSAGE]
        assert form.item_id.errors == [OUT_OF_RANGE_MESSAGE]
        assert str(OUT_OF_RANGE_MESSAGE) == "Angka ini di luar rentang yang dapat diterima."
    with app.test_request_context(method="POST", data={"body": "Baik", "parent_id": str(2**31 - 1), "item_id": "0"}):
        form = CommentForm(items=[], canned=[])
        assert form.validate(), form.errors
