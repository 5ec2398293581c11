"""The English UI is English and the Indonesian UI is Indonesian (issue 13).

Every GET route of ``app.url_map`` is requested with the real ids of one seeded world (both instruments, every
role, answers in each state, documents, comments and a resolved thread, a what-if scenario, a target, an export,
notifications, audit entries, official values, an invitation), by every role, in English and in Indonesian (a route
left out is in ``NOT_CRAWLED`` with its reason); and the refusals a user can meet (form errors, domain refusals, the
error pages, the JSON endpoints' errors) are provoked in both languages.

The visible text of a page is its text nodes and the attributes a user reads (``title``, ``placeholder``,
``aria-label``, ``alt``, a submit input's ``value``), without ``<script>`` and ``<style>``. Instrument content and
user data are Indonesian whatever the page's language: the templates mark the element that holds them with
``lang="id"``, which the crawls pass over (see ``SKIPPED``). A text is Indonesian when it has one of ``INDONESIAN``
as a whole word, English when it has one of ``ENGLISH``; ``ALLOWED`` lists the few mixed texts that are right.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from assess.database import writing
from assess.extensions import db
from assess.models import Answer, Assessment, CycleStage, Export, ExportState, RoleName, Verdict
from assess.models.base import utcnow
from assess.queries.engine import engine_instrument
from assess.services import answers as answer_service
from assess.services import comments as comment_service
from assess.services import evidence as evidence_service
from assess.services import groups, invitations, planning
from assess.services import official as official_service
from assess.services import review as review_service
from assess.services import verdicts as verdict_service
from assess.services.users import create_user
from tests.factories import create_assessment, create_instansi, create_member, create_unit
from tests.functional.helpers import jpeg_bytes, login, logout, pdf_bytes
from tests.functional.test_access_matrix import FILENAMES, NO_GET, ROUTES, world_app

__all__ = ["world_app"]  # an app on a database of its own, for this module's world

ROLES = {
    "koordinator": (RoleName.KOORDINATOR,),
    "pengisi": (RoleName.PENGISI,),
    "reviewer": (RoleName.REVIEWER,),
    "pembaca": (RoleName.PEMBACA,),
    "admin": (RoleName.ADMIN,),
}

#: The users' names (a person's name is in no language; the factory's "Pengguna Uji 3" would read as Indonesian).
NAMES = ("Sri Wahyuni", "Budi Santoso", "Ratna Sari", "Agus Salim", "Dewi Lestari")
#: Indonesian words that never occur in English: function words and the UI's own words.
INDONESIAN = (
    "yang", "dan", "untuk", "tidak", "dengan", "belum", "sudah", "ini", "itu", "akan", "dari", "pada", "atau",
    "oleh", "ke", "di", "dalam", "bila", "harus", "dapat", "Anda", "Simpan", "Batal", "Kembali", "Unggah", "Hapus",
    "Ubah", "Tambah", "Keluar", "Masuk", "Tugaskan", "Ajukan", "Setujui", "Lepas", "Tautkan", "Pilih", "halaman",
    "berkas", "dokumen", "penilaian", "jawaban", "butir", "catatan", "tahun", "tanggal", "kata", "sandi",
    "pengguna", "diskusi", "komentar", "pustaka", "riwayat", "unduh", "ditugaskan", "diajukan", "disetujui",
    "perbaikan", "sementara", "semua",
)  # fmt: skip
#: English words of a UI label, which the Indonesian UI translates.
ENGLISH = (
    "the", "and", "of", "to", "with", "for", "your", "you", "Save", "Cancel", "Submit", "Version", "Upload",
    "Delete", "Edit", "Back", "Sign", "Password", "Download", "Search", "Settings", "Close", "Comment", "Comments",
    "Document", "Documents", "Assessment", "Answer", "Export", "Import", "Dashboard", "Review", "Draft", "Approve",
    "Approved", "Reply", "Resolve", "Resolved", "Remove", "Name", "Date", "Year", "Page", "Error", "is", "not",
    "this", "has", "again", "try", "later", "user", "method", "allowed", "requested", "valid", "choice",
)  # fmt: skip
ID_WORDS = re.compile(r"\b(" + "|".join(INDONESIAN) + r")\b", re.IGNORECASE)
EN_WORDS = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b")

#: GET routes no role reaches in the crawl, and why.
NOT_CRAWLED = {
    "/static/<path:filename>": "a static file, no text",
    "/fs-static/<path:filename>": "a static file of Flask-Security, no text",
    "/csrf": "a JSON token, no text",
    "/favicon.ico": "a redirect to the favicon, no text",
    "/healthz": "a health probe for the load balancer, no text for a user",
    "/instansi/<int:instansi_id>/logo": "the instansi's logo image",
    "/penilaian/<int:assessment_id>/ekspor.xlsx": "a spreadsheet file, not a page",
    "/penilaian/<int:assessment_id>/audit.csv": "a CSV file of the audit trail",
    "/penilaian/<int:assessment_id>/hasil-asesor/templat.csv": "a CSV template of the asesor's verdicts",
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/unduh": "the document's file",
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/versi/<int:number>/unduh": "the document's file",
    "/penilaian/<int:assessment_id>/pustaka/<int:evidence_id>/pratinjau": "the document's file shown inline",
    "/penilaian/<int:assessment_id>/bundel/<int:export_id>/<any(pdf, zip, summary):kind>": "a file of the export",
    "/penilaian/<int:assessment_id>/bundel/<int:export_id>/indikator/<code>.pdf": "a file of the export",
}
#: The marked elements each crawl passes over: on an English page, the Indonesian content; on an Indonesian page,
#: English content and the instrument's and users' texts too (content, not labels: the instrument says "to-be").
SKIPPED = {"en": ("id",), "id": ("id", "en")}
#: Texts that are right as they are, and why.
ALLOWED = {
    "E.g. Peraturan Wali Kota Nomor 12 Tahun 2024.": "an example of a document's title, which is Indonesian",
    "Example: Dinas Komunikasi dan Informatika": "an example of a unit's name, which is Indonesian",
}
VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The texts a reader sees, outside ``<script>``, ``<style>`` and the elements in one of ``skip_langs``.

    The ``<title>`` cannot mark a part of itself: what the page marks elsewhere (an indicator's name, the instansi's)
    is taken out of it.
    """

    def __init__(self, skip_langs: Iterable[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_langs = set(skip_langs)
        self.stack: list[str] = []
        self.skip_from: int | None = None
        self.texts: list[str] = []
        self.titles: list[str] = []
        self.marked: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.skip_from is None and (
            tag in ("script", "style") or (tag != "html" and values.get("lang") in self.skip_langs)
        ):
            self.skip_from = len(self.stack)
        if self.skip_from is None:
            self.texts += [values[name] or "" for name in READ_ATTRIBUTES if values.get(name)]
            if values.get("value") and tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self.texts.append(values["value"] or "")
        if tag not in VOID:
            self.stack.append(tag)
        elif self.skip_from == len(self.stack):
            self.skip_from = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            return
        while self.stack and self.stack.pop() != tag:
            pass
        if self.skip_from is not None and len(self.stack) <= self.skip_from:
            self.skip_from = None

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text:
            return
        if self.skip_from is not None:
            self.marked.add(text)
        elif self.stack[-1:] == ["title"] and "svg" not in self.stack:
            self.titles.append(text)
        else:
            self.texts.append(text)

    def visible(self) -> list[str]:
        titles = []
        for title in self.titles:
            for marked in sorted(self.marked, key=len, reverse=True):
                title = title.replace(marked, "")
            titles.append(title)
        return titles + self.texts


def visible_texts(html: str, skip_langs: Iterable[str]) -> list[str]:
    parser = VisibleText(skip_langs)
    parser.feed(html)
    parser.close()
    return parser.visible()


def found(texts: Iterable[str], words: re.Pattern[str]) -> list[str]:
    return sorted({text for text in texts if words.search(text) and text not in ALLOWED})


# --------------------------------------------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def world(world_app: Flask) -> dict[str, Any]:
    """One instansi with a user of each role, an SPBE and a Pemdi assessment with answers in every state, documents
    linked, comments (one thread resolved), a scenario, a target, an export, notifications and official values."""
    storage, policy = world_app.extensions["storage"], world_app.extensions["upload_policy"]
    with world_app.app_context(), writing():
        instansi = create_instansi("Pemerintah Kabupaten Sukamaju")
        unit = create_unit(instansi, "Dinas Komunikasi dan Informatika", "Diskominfo")
        users = {
            key: create_member(instansi, *roles, units=(unit,) if key == "pengisi" else ())
            for key, roles in ROLES.items()
        }
        for user, name in zip(users.values(), NAMES, strict=True):
            user.name = name
        koordinator, reviewer = users["koordinator"], users["reviewer"]
        spbe = create_assessment(instansi)
        pemdi = create_assessment(instansi, code="pemdi-2026")

        def answer_of(assessment: Assessment, code: str) -> Answer:
            return next(a for a in assessment.answers if a.indicator.code == code)

        def document(assessment: Assessment, title: str) -> Any:
            return evidence_service.upload(
                assessment=assessment,
                stream=io.BytesIO(pdf_bytes(text=title)),
                filename=f"{title}.pdf",
                meta=None,
                user=koordinator,
                storage=storage,
                policy=policy,
            )

        perwali = document(spbe, "Peraturan Wali Kota tentang SPBE")
        for code, level in (("I1", 2), ("I2", 2), ("I3", 1), ("I4", 3)):
            ans = answer_of(spbe, code)
            ans.assignee_unit = unit
            answer_service.save_level_answer(
                answer=ans,
                expected_version=ans.version,
                level=level,
                fakta="Kebijakan SPBE sudah ditetapkan dengan peraturan wali kota dan dipakai semua perangkat daerah.",
                analisis="Kebijakan ini belum dievaluasi dan belum diperbarui sejak ditetapkan.",
                actor=koordinator,
            )
            evidence_service.link(
                answer=ans, evidence=perwali, level=1, item=None, note="Pasal 3 dan 4", user=koordinator
            )
            if code != "I4":
                answer_service.submit_for_review(answer=ans, expected_version=ans.version, actor=koordinator)
        approved, sent_back = answer_of(spbe, "I1"), answer_of(spbe, "I2")
        review_service.set_reviewer_value(answer=approved, value=2, note="Sesuai dengan dokumen.", actor=reviewer)
        review_service.approve(answer=approved, actor=reviewer)
        thread = comment_service.add_comment(
            assessment=spbe,
            author=reviewer,
            body="Mohon lampirkan bukti evaluasi kebijakan. @sriwahyuni @agussalim @dewilestari",
            answer=sent_back,
        )
        comment_service.add_comment(
            assessment=spbe, author=koordinator, body="Baik, akan kami lengkapi.", answer=sent_back, parent=thread
        )
        review_service.send_back(answer=sent_back, actor=reviewer)
        resolved = comment_service.add_comment(
            assessment=spbe, author=reviewer, body="Tanggal dokumen belum diisi.", answer=approved
        )
        comment_service.resolve(comment=resolved, actor=reviewer)
        comment_service.add_comment(assessment=spbe, author=reviewer, body="Dokumen ini masih draf.", evidence=perwali)
        inst = engine_instrument(spbe.instrument)
        planning.set_target(
            assessment=spbe, inst=inst, target_index=Decimal("3.5"), target_predikat=None, actor=koordinator
        )
        scenario = planning.save_scenario(
            assessment=spbe, name="Kebijakan diperbarui", changes={"I3": Fraction(3)}, actor=koordinator
        )
        official_service.apply_official(
            spbe,
            [
                official_service.OfficialRow(
                    row=2, code="I1", value="2", note="Dokumen lengkap", recommendation="Perbarui kebijakan"
                )
            ],
            actor=koordinator,
        )
        export = Export(assessment_id=spbe.id, state=ExportState.RUNNING, started_at=utcnow(), heartbeat_at=utcnow())
        db.session.add(export)

        graded = answer_of(pemdi, "I1")
        graded.assignee_unit = unit
        item = next(i for i in graded.indicator.items if i.kind != "note")
        answer_service.save_graded_answer(
            answer=graded,
            expected_version=graded.version,
            items=[answer_service.ItemInput(item.id, True, "Halaman 3 dokumen rencana induk")],
            source_value=None,
            fakta="Rencana induk sudah ditetapkan dengan keputusan bupati.",
            analisis="Rencana induk belum memuat peta rencana.",
            actor=koordinator,
        )
        masterplan = document(pemdi, "Rencana Induk Pemerintahan Digital")
        evidence_service.link(answer=graded, evidence=masterplan, level=None, item=item, note="Bab 2", user=koordinator)
        answer_service.submit_for_review(answer=graded, expected_version=graded.version, actor=koordinator)
        pemdi_comment = comment_service.add_comment(
            assessment=pemdi, author=reviewer, body="Peta rencana belum dilampirkan.", answer=graded
        )
        # The asesor's verdicts on the butir: a revisi in the document stage, accepted after the correction.
        for stage, verdict, note in (
            (CycleStage.DOKUMEN, Verdict.REVISI, "Dokumen belum ditandatangani."),
            (CycleStage.KOREKSI, Verdict.DITERIMA, ""),
        ):
            judged = verdict_service.set_verdict(
                pemdi, item, stage=stage, verdict=verdict, note=note, actor=koordinator
            )
        invited = create_user(
            email="rina@uji.go.id", name="Rina Marlina", password=None, instansi=instansi, roles=(RoleName.PENGISI,)
        )
        token = invitations.invite(user=invited, instansi=instansi, by=users["admin"]).path.rsplit("/", 1)[1]
        # A pembina oversees a group holding this instansi (a person with no role in it).
        users["pembina"] = create_member(None)
        users["pembina"].name = "Hendra Wijaya"
        groups.create_group(slug="provinsi-uji", name="Provinsi Uji")
        groups.add_members(slug="provinsi-uji", instansi_slugs=[instansi.slug])
        groups.set_pembina(slug="provinsi-uji", email=users["pembina"].email)
        db.session.flush()
        base = {
            "instansi_id": instansi.id,
            "unit_id": unit.id,
            "user_id": users["pengisi"].id,
            "number": 1,
            "token": token,
            "group_slug": "provinsi-uji",
            "item_id": item.id,
            "verdict_id": judged.id,
        }
        ids = {
            "spbe": {
                **base,
                "assessment_id": spbe.id,
                "code": "I2",
                "answer_id": sent_back.id,
                "evidence_id": perwali.id,
                "comment_id": thread.id,
                "canned_id": 0,
                "export_id": export.id,
                "scenario_id": scenario.id,
            },
            "pemdi": {
                **base,
                "assessment_id": pemdi.id,
                "code": "I1",
                "answer_id": graded.id,
                "evidence_id": masterplan.id,
                "comment_id": pemdi_comment.id,
                "canned_id": 0,
                "export_id": export.id,
            },
        }
        db.session.commit()
        emails = {key: user.email for key, user in users.items()}
        user_ids = {key: user.id for key, user in users.items()}
    with world_app.app_context():
        from assess.models import CannedComment, Notification

        comment_service.ensure_canned_defaults(ids["spbe"]["instansi_id"])
        db.session.commit()
        canned = db.session.scalar(select(CannedComment.id).order_by(CannedComment.id))
        for group in ids.values():
            group["canned_id"] = canned
        notifications = {
            key: db.session.scalar(select(Notification.id).where(Notification.user_id == uid).order_by(Notification.id))
            for key, uid in user_ids.items()
        }
    return {"ids": ids, "emails": emails, "notifications": notifications}


def fill(rule: str, world: dict[str, Any], actor: str, which: str) -> str:
    """The rule with the world's ids of ``which`` assessment and the actor's first notification."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "filename":
            return FILENAMES[rule]
        if name == "notification_id":
            return str(world["notifications"][actor] or 0)
        values = world["ids"][which]
        assert name in values, f"{rule}: give <{name}> a value in this module's world (or list the rule in NOT_CRAWLED)"
        return str(values[name])

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule)


def signed_in(app: Flask, world: dict[str, Any], actor: str, lang: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, world["emails"][actor]).status_code == 302
    assert client.post("/bahasa", data={"lang": lang}).status_code == 302
    return client


def crawled_rules(app: Flask) -> list[str]:
    rules = sorted({r.rule for r in app.url_map.iter_rules() if "GET" in (r.methods or ())})
    return [rule for rule in rules if rule not in NOT_CRAWLED]


def crawl(app: Flask, world: dict[str, Any], lang: str) -> Iterator[tuple[str, str, str, list[str]]]:
    """(actor, which assessment, url, visible texts) of every page each role reads (status 200, HTML or JSON);
    and, signed out, the sign-in page."""
    anonymous = app.test_client()
    anonymous.post("/bahasa", data={"lang": lang})
    for url in ("/login", f"/undangan/{world['ids']['spbe']['token']}", "/undangan/sudah-tidak-berlaku"):
        yield "anonymous", "-", url, visible_texts(anonymous.get(url).get_data(as_text=True), SKIPPED[lang])
    for actor in (*ROLES, "pembina"):
        client = signed_in(app, world, actor, lang)
        for which in ("spbe", "pemdi"):
            for rule in crawled_rules(app):
                if which == "pemdi" and "<int:assessment_id>" not in rule:
                    continue
                url = fill(rule, world, actor, which)
                response = client.get(url)
                if response.status_code == 200 and response.mimetype == "text/html":
                    yield (
                        actor,
                        which,
                        url,
                        visible_texts(response.get_data(as_text=True), SKIPPED[lang]),
                    )
                elif response.status_code == 200 and response.mimetype == "application/json":
                    yield actor, which, url, json_texts(response.get_json())
        logout(client)


def json_texts(body: Any) -> list[str]:
    """The strings of a JSON answer that a page shows: its messages, labels and errors."""
    if isinstance(body, dict):
        return [text for key, value in body.items() for text in (json_texts(value) if key != "url" else [])]
    if isinstance(body, list):
        return [text for value in body for text in json_texts(value)]
    return [body] if isinstance(body, str) and " " in body else []


def report(hits: list[str]) -> str:
    return f"{len(hits)} texts:\n" + "\n".join(hits)


# --------------------------------------------------------------------------------------------------- the tests


def test_the_detector_reads_what_a_user_sees() -> None:
    page = (
        '<html lang="en"><head><title>Save · Kebijakan Internal</title><style>.dan{}</style></head><body>'
        '<h1 lang="id">Kebijakan Internal</h1>'
        '<p>Assessment <span lang="id">Dinas Komunikasi dan Informatika</span> of '
        "2026</p>"
        '<script>var yang = 1;</script><input placeholder="Simpan jawaban"><br>'
        '<button value="hapus">x</button><input type="submit" value="Kirim"><input type="hidden" value="untuk">'
        '<p lang="id">Baik<br>sekali</p>ok</body></html>'
    )
    assert visible_texts(page, SKIPPED["en"]) == [
        "Save · ",
        "Assessment",
        "of 2026",
        "Simpan jawaban",
        "x",
        "Kirim",
        "ok",
    ]
    assert found(["Simpan jawaban", "Save answer", "Dindan"], ID_WORDS) == ["Simpan jawaban"]
    assert found(["Save answer", "Simpan jawaban"], EN_WORDS) == ["Save answer"]


def test_every_get_route_is_crawled_or_has_a_reason(world_app: Flask) -> None:
    rules = {r.rule for r in world_app.url_map.iter_rules() if "GET" in (r.methods or ())}
    assert sorted(set(NOT_CRAWLED) - rules) == []
    assert all(ROUTES.get(rule) != NO_GET for rule in rules)
    assert len(crawled_rules(world_app)) > 40


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ID_WORDS), ("id", EN_WORDS)],
    ids=["english-has-no-indonesian", "indonesian-has-no-english"],
)
def test_every_page_of_every_role_is_in_the_users_language(
    world_app: Flask, world: dict[str, Any], lang: str, words: re.Pattern[str]
) -> None:
    hits: dict[str, set[str]] = {}
    pages: dict[str, int] = {}
    overseen: set[str] = set()
    for actor, which, url, texts in crawl(world_app, world, lang):
        pages[actor] = pages.get(actor, 0) + 1
        if actor == "pembina" and url.startswith("/pembina/"):
            overseen.add(url)
        for text in found(texts, words):
            hits.setdefault(text, set()).add(f"{actor} {which} {url}")
    assert pages["koordinator"] > 45, pages
    assert pages["pembaca"] > 30, pages
    assert overseen >= {"/pembina/", "/pembina/provinsi-uji/"}, overseen
    lines = [f"{text!r}  <- {sorted(where)[0]} (+{len(where) - 1})" for text, where in sorted(hits.items())]
    assert not lines, report(lines)


def _page_or_json(response: Any, lang: str) -> list[str]:
    if response.mimetype == "application/json":
        return json_texts(response.get_json())
    return visible_texts(response.get_data(as_text=True), SKIPPED[lang])


REFUSED = re.compile(r'class="(?:flash flash-(?:error|warning)|field-error|card error)"')


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ID_WORDS), ("id", EN_WORDS)],
    ids=["english-has-no-indonesian", "indonesian-has-no-english"],
)
def test_every_refusal_is_in_the_users_language(
    world_app: Flask, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, lang: str, words: re.Pattern[str]
) -> None:
    """Form errors, domain refusals, the error pages and the JSON endpoints' errors, as a user meets them."""
    from dataclasses import replace

    spbe, pemdi = world["ids"]["spbe"], world["ids"]["pemdi"]
    a, p = f"/penilaian/{spbe['assessment_id']}", f"/penilaian/{pemdi['assessment_id']}"
    client = signed_in(world_app, world, "koordinator", lang)
    json_headers = {"Accept": "application/json"}
    with world_app.app_context():
        version, version5 = _version(spbe["assessment_id"], "I4"), _version(spbe["assessment_id"], "I5")
    penjelasan = {"fakta": "Ada.", "analisis": "Ada."}
    upload_url = f"{a}/pustaka/unggah"

    def upload(name: str, data: bytes, **kw: Any) -> Any:
        return client.post(
            upload_url, data={"files": (io.BytesIO(data), name)}, content_type="multipart/form-data", **kw
        )

    cases: dict[str, tuple[Any, int]] = {}
    cases["answer: a level the indicator has not"] = (
        client.post(f"{a}/indikator/I4", data={"version": version, "level": "9", **penjelasan}),
        400,
    )
    cases["answer: penjelasan too long"] = (
        client.post(f"{a}/indikator/I4", data={"version": version, "level": "1", "fakta": "x" * 20001, "analisis": ""}),
        400,
    )
    cases["answer: saved by someone else first"] = (
        client.post(f"{a}/indikator/I4", data={"version": version - 1, "level": "1", **penjelasan}),
        409,
    )
    saved = client.post(f"{a}/indikator/I5", data={"version": version5, "level": "2", **penjelasan})
    assert saved.status_code == 302
    with world_app.app_context():
        version5 = _version(spbe["assessment_id"], "I5")
    cases["submit: a level claimed without evidence"] = (
        client.post(f"{a}/indikator/I5/ajukan", data={"version": version5}, follow_redirects=True),
        200,
    )
    cases["what-if: a value out of range"] = (client.post(f"{a}/simulasi", data={"action": "hitung", "v-I1": "9"}), 200)
    cases["what-if JSON: a value out of range"] = (
        client.post(f"{a}/simulasi/hitung", json={"values": {"I1": "sembilan"}}, headers=json_headers),
        400,
    )
    cases["what-if JSON: not the expected shape"] = (
        client.post(f"{a}/simulasi/hitung", json={"values": 1}, headers=json_headers),
        400,
    )
    cases["what-if: a scenario without a name"] = (
        client.post(f"{a}/simulasi", data={"action": "simpan", "v-I1": "3", "name": " "}),
        200,
    )
    cases["target: neither index nor predikat"] = (
        client.post(f"{a}/target", data={"target_index": "", "target_predikat": ""}, follow_redirects=True),
        200,
    )
    cases["preview JSON: not a number"] = (
        client.post(f"{p}/indikator/I1/nilai", data={"source_value": "x" * 30}, headers=json_headers),
        400,
    )
    cases["upload: wrong type"] = (upload("skrip.exe", b"MZ\x90\x00" * 64, follow_redirects=True), 200)
    cases["upload JSON: wrong type"] = (upload("skrip.exe", b"MZ\x90\x00" * 64, headers=json_headers), 400)
    cases["upload JSON: empty file"] = (upload("kosong.pdf", b"", headers=json_headers), 400)
    cases["upload JSON: no file"] = (client.post(upload_url, data={}, headers=json_headers), 400)
    cases["upload: no file"] = (client.post(upload_url, data={}, follow_redirects=True), 200)
    policy = world_app.extensions["upload_policy"]
    monkeypatch.setitem(world_app.extensions, "upload_policy", replace(policy, max_bytes=1024))
    cases["upload JSON: too large"] = (upload("foto.jpg", jpeg_bytes((800, 600)), headers=json_headers), 400)
    monkeypatch.setitem(world_app.extensions, "upload_policy", policy)
    cases["delete a linked document"] = (
        client.post(f"{a}/pustaka/{spbe['evidence_id']}/hapus", data={}, follow_redirects=True),
        200,
    )
    cases["resolve a thread twice"] = (
        client.post(
            f"{a}/komentar/{_resolved_comment(world_app, spbe['assessment_id'])}/selesai", follow_redirects=True
        ),
        200,
    )
    cases["413: a JSON body over the limit"] = (
        client.post(
            f"{a}/simulasi/hitung",
            data=json.dumps({"pad": "x" * (world_app.config["BODY_MAX_KB"] * 1024)}),
            content_type="application/json",
        ),
        413,
    )
    not_a_sheet = {"file": (io.BytesIO(b"bukan lembar kerja"), "nilai.xlsx")}
    cases["XLSX import: not a spreadsheet"] = (
        client.post(f"{a}/impor", data=not_a_sheet, content_type="multipart/form-data"),
        400,
    )
    not_a_sheet = {"file": (io.BytesIO(b"bukan lembar kerja"), "resmi.xlsx")}
    cases["official import: not a spreadsheet"] = (
        client.post(f"{a}/hasil-resmi", data=not_a_sheet, content_type="multipart/form-data"),
        400,
    )
    invitee = world_app.test_client()
    invitee.post("/bahasa", data={"lang": lang})
    cases["invitation: passwords that differ"] = (
        invitee.post(
            f"/undangan/{spbe['token']}", data={"password": "kata-sandi-panjang-1", "confirm": "kata-sandi-lain-22"}
        ),
        400,
    )
    cases["404"] = (client.get("/penilaian/999999"), 404)
    cases["405"] = (client.get(f"{a}/target"), 405)
    logout(client)
    reader = signed_in(world_app, world, "reviewer", lang)
    cases["approve a draft"] = (
        reader.post(f"{a}/indikator/I4/reviu/setujui", data={"version": version}, follow_redirects=True),
        200,
    )
    cases["send back without an open comment"] = (
        reader.post(f"{a}/indikator/I1/reviu/kembalikan", follow_redirects=True),
        200,
    )
    logout(reader)
    reader = signed_in(world_app, world, "pembaca", lang)
    cases["403"] = (reader.post(f"{a}/indikator/I4", data={"version": version, "level": "1"}), 403)
    monkeypatch.setitem(world_app.config, "WTF_CSRF_ENABLED", True)
    cases["CSRF"] = (reader.post(f"{a}/target", data={"target_index": "3"}), 400)
    cases["CSRF JSON"] = (reader.post(upload_url, data={}, headers=json_headers), 400)
    monkeypatch.setitem(world_app.config, "WTF_CSRF_ENABLED", False)
    logout(reader)
    with world_app.test_request_context("/"):
        from flask import session

        session["lang"] = lang
        cases["429"] = (world_app.make_response(world_app.handle_user_exception(TooManyRequests())), 429)

    wrong, hits = [], []
    for name, (response, status) in cases.items():
        body = response.get_data(as_text=True)
        refused = response.mimetype != "text/html" or status not in (200, 400) or REFUSED.search(body)
        if response.status_code != status or not refused:
            wrong.append(f"{name}: {response.status_code}, expected {status} and a refusal")
        hits += [f"{name}: {text!r}" for text in found(_page_or_json(response, lang), words)]
    assert not wrong, "\n".join(wrong)
    assert not hits, report(hits)


def _version(assessment_id: int, code: str) -> int:
    answer = db.session.get(Answer, _answer_id(assessment_id, code))
    assert answer is not None
    return answer.version


def _answer_id(assessment_id: int, code: str) -> int:
    answer = db.session.scalar(
        select(Answer)
        .join(Answer.indicator)
        .where(Answer.assessment_id == assessment_id, Answer.indicator.has(code=code))
    )
    assert answer is not None
    return answer.id


def _resolved_comment(app: Flask, assessment_id: int) -> int:
    from assess.models import Comment

    with app.app_context():
        found_id = db.session.scalar(
            select(Comment.id).where(Comment.assessment_id == assessment_id, Comment.resolved_at.is_not(None))
        )
    assert found_id is not None
    return found_id
