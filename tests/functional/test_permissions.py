"""R2: the access-control matrix of the questionnaire and the evidence library, generated from one table.

Every action (``ACTIONS``) is tried by every actor (``ACTORS``) on every object of its scope
(``OBJECTS``); the expected status comes from ``RULES``, which restates the rules of
``assess/permissions.py``:

- every role of the instansi reads (200); another instansi's objects answer 404, whatever the action;
- ``koordinator`` and ``admin`` manage the assessment (assign, deadline, Pemdi items, open one);
- ``pengisi`` edits the answers assigned to their unit or to them, and the documents their unit owns or
  they uploaded; ``koordinator`` edits every answer and document; ``pengisi`` and ``koordinator`` upload;
- ``reviewer``, ``pembaca`` (and ``admin``, which is no editing role) change no answer or document:
  refused writes within the instansi answer 403.

Actions whose success would change what later requests see are made repeatable: submitting for review is
blocked by the review checks (no level claimed), withdrawing and deleting work on dedicated rows that are
put back before each request, unlinking gets a fresh link before each request, uploads use new bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.extensions import db as _db
from assess.models import (
    Answer,
    AnswerEvidence,
    AnswerState,
    Assessment,
    Evidence,
    Export,
    Instansi,
    RoleName,
    Unit,
    User,
)
from assess.services import evidence as evidence_service
from tests.factories import create_assessment, create_instansi, create_member, create_unit, instrument
from tests.functional.helpers import login, pdf_bytes

KOORDINATOR, ADMIN, PENGISI = RoleName.KOORDINATOR, RoleName.ADMIN, RoleName.PENGISI

# --------------------------------------------------------------------------- who and what


@dataclass(frozen=True)
class Actor:
    key: str
    instansi: str  # "A" (the instansi of the objects) or "B" (another instansi)
    roles: frozenset[RoleName]
    units: tuple[str, ...] = ()


ACTORS = (
    Actor("koordinator", "A", frozenset({KOORDINATOR})),
    Actor("pengisi_u1", "A", frozenset({PENGISI}), ("u1",)),
    Actor("pengisi_u2", "A", frozenset({PENGISI}), ("u2",)),
    # Reviewer and pembaca sit in unit u1: a unit alone gives no right to edit.
    Actor("reviewer", "A", frozenset({RoleName.REVIEWER}), ("u1",)),
    Actor("pembaca", "A", frozenset({RoleName.PEMBACA}), ("u1",)),
    Actor("admin", "A", frozenset({ADMIN})),
    Actor("koordinator_instansi_lain", "B", frozenset({KOORDINATOR})),
)


@dataclass(frozen=True)
class Obj:
    key: str
    instansi: str
    #: The unit the answer is assigned to, or that owns the document.
    unit: str | None
    #: The actor the answer is assigned to personally, or who uploaded the document.
    person: str | None = None


OBJECTS: dict[str, tuple[Obj, ...]] = {
    "answer": (
        Obj("jawaban unit u1", "A", "u1"),
        Obj("jawaban unit u2", "A", "u2"),
        Obj("jawaban pribadi pengisi_u2", "A", None, "pengisi_u2"),
        Obj("jawaban instansi lain", "B", "ub"),
    ),
    "document": (
        Obj("dokumen unit u1", "A", "u1"),
        Obj("dokumen unit u2", "A", "u2"),
        Obj("dokumen unit u1 diunggah pengisi_u2", "A", "u1", "pengisi_u2"),
        Obj("dokumen instansi lain", "B", "ub"),
    ),
    "instansi": (
        Obj("penilaian instansi sendiri", "A", None),
        Obj("penilaian instansi lain", "B", None),
    ),
}


def _edits(actor: Actor, obj: Obj) -> bool:
    if KOORDINATOR in actor.roles:
        return True
    return PENGISI in actor.roles and (obj.unit in actor.units or obj.person == actor.key)


#: Who may do what, inside the object's instansi.
RULES: dict[str, Callable[[Actor, Obj], bool]] = {
    "read": lambda actor, obj: True,
    "manage": lambda actor, obj: bool(actor.roles & {KOORDINATOR, ADMIN}),
    "upload": lambda actor, obj: bool(actor.roles & {KOORDINATOR, PENGISI}),
    "edit": _edits,
}

# --------------------------------------------------------------------------- the world


@dataclass
class World:
    instansi: dict[str, Instansi]
    units: dict[str, Unit]
    users: dict[str, User]
    level: dict[str, Assessment]
    pemdi: dict[str, Assessment]
    #: Per object key: the ids its actions need.
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)


#: Answer objects: (level code, level code to withdraw, Pemdi code).
ANSWER_CODES = {
    "jawaban unit u1": ("I1", "I2", "I1"),
    "jawaban unit u2": ("I11", "I12", "I2"),
    "jawaban pribadi pengisi_u2": ("I21", "I22", "I3"),
    "jawaban instansi lain": ("I1", "I2", "I1"),
}
SPARE_CODE = "I47"  # reassigned by the bulk assignment, used by nothing else
_unique = count(1)
_years = count(2031)  # years of the assessments opened by the matrix (the form takes 2018–2100)


def _answer(assessment: Assessment, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


def _document(assessment: Assessment, owner: Unit | None, creator: User, title: str) -> Evidence:
    evidence = evidence_service.upload(
        assessment=assessment,
        stream=io.BytesIO(pdf_bytes(text=f"{title} {next(_unique)}")),
        filename=f"{title}.pdf",
        meta=None,
        user=creator,
        storage=current_app.extensions["storage"],
        policy=current_app.extensions["upload_policy"],
    )
    evidence.owner_unit_id = owner.id if owner else None
    return evidence


def build_world() -> World:
    instansi = {"A": create_instansi("Pemerintah Kota Uji"), "B": create_instansi("Pemerintah Kabupaten Tetangga")}
    units = {
        "u1": create_unit(instansi["A"], "Dinas Komunikasi dan Informatika", "Diskominfo"),
        "u2": create_unit(instansi["A"], "Badan Perencanaan Pembangunan Daerah", "Bappeda"),
        "ub": create_unit(instansi["B"], "Dinas Tetangga", "DT"),
    }
    users = {
        a.key: create_member(instansi[a.instansi], *sorted(a.roles), units=tuple(units[u] for u in a.units))
        for a in ACTORS
    }
    # Documents are uploaded by someone who is none of the actors (except where the object says so).
    uploaders = {k: create_member(i, RoleName.PENGISI) for k, i in instansi.items()}
    level = {k: create_assessment(i) for k, i in instansi.items()}
    pemdi = {k: create_assessment(i, code="pemdi-2026") for k, i in instansi.items()}
    world = World(instansi, units, users, level, pemdi)
    # One document per instansi to link to (and unlink from) its answers.
    linkable = {i: _document(level[i], None, uploaders[i], f"Dokumen untuk ditautkan {i}").id for i in instansi}

    for obj in OBJECTS["answer"]:
        code, withdraw_code, pemdi_code = ANSWER_CODES[obj.key]
        unit = units[obj.unit] if obj.unit else None
        person = users[obj.person] if obj.person else None
        answers = (_answer(level[obj.instansi], code), _answer(level[obj.instansi], withdraw_code))
        pemdi_answer = _answer(pemdi[obj.instansi], pemdi_code)
        for answer in (*answers, pemdi_answer):
            answer.assignee_unit, answer.assignee_user = unit, person
        item = next(i for i in pemdi_answer.indicator.items if i.kind != "note")
        world.ids[obj.key] = {
            "a": level[obj.instansi].id,
            "code": code,
            "main_id": answers[0].id,
            "wcode": withdraw_code,
            "withdraw_id": answers[1].id,
            "p": pemdi[obj.instansi].id,
            "pcode": pemdi_code,
            "pemdi_id": pemdi_answer.id,
            "item": item.id,
            "unit": unit.id if unit else "",
            "linkable": linkable[obj.instansi],
        }

    for obj in OBJECTS["document"]:
        owner = units[obj.unit] if obj.unit else None
        creator = users[obj.person] if obj.person else uploaders[obj.instansi]
        main = _document(level[obj.instansi], owner, creator, f"Dokumen {obj.key}")
        doomed = _document(level[obj.instansi], owner, creator, f"Dokumen dihapus {obj.key}")
        world.ids[obj.key] = {
            "a": level[obj.instansi].id,
            "e": main.id,
            "d": doomed.id,
            "owner": owner.id if owner else 0,
        }

    for obj in OBJECTS["instansi"]:
        i = obj.instansi
        world.ids[obj.key] = {
            "a": level[i].id,
            "p": pemdi[i].id,
            "i": instansi[i].id,
            "unit": units["u1" if i == "A" else "ub"].id,
            "spare_id": _answer(level[i], SPARE_CODE).id,
            "linkable": linkable[i],
        }
    return world


# --------------------------------------------------------------------------- the actions


def _fresh(model: Any, ident: int) -> Any:
    _db.session.expire_all()
    return _db.session.get(model, ident)


def _version(model: Any, ident: int) -> str:
    return str(_fresh(model, ident).version)


def _pdf_file(name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(pdf_bytes(text=f"{name} {next(_unique)}")), f"{name}.pdf"


def _prepare_withdraw(ids: dict[str, Any]) -> dict[str, Any]:
    answer = _fresh(Answer, ids["withdraw_id"])
    if answer.state != AnswerState.SIAP_DIREVIU:
        answer.state = AnswerState.SIAP_DIREVIU
        _db.session.commit()
    return {}


def _prepare_unlink(ids: dict[str, Any]) -> dict[str, Any]:
    answer = _fresh(Answer, ids["main_id"])
    link = next((lk for lk in answer.links if lk.evidence_id == ids["linkable"]), None)
    if link is None:
        link = AnswerEvidence(evidence_id=ids["linkable"], level=1, note="")
        answer.links.append(link)
        _db.session.commit()
    return {"link": link.id}


def _prepare_delete(ids: dict[str, Any]) -> dict[str, Any]:
    evidence = _fresh(Evidence, ids["d"])
    if evidence.deleted_at is not None:
        evidence.deleted_at, evidence.deleted_by_id = None, None
        _db.session.commit()
    return {}


def _prepare_link(ids: dict[str, Any]) -> dict[str, Any]:
    answer = _fresh(Answer, ids["main_id"])
    link = next((lk for lk in answer.links if lk.evidence_id == ids["linkable"]), None)
    if link is not None:
        answer.links.remove(link)
        _db.session.commit()
    return {}


def _linked(ids: dict[str, Any]) -> bool:
    return any(lk.evidence_id == ids["linkable"] for lk in _fresh(Answer, ids["main_id"]).links)


def _prepare_spare(ids: dict[str, Any]) -> dict[str, Any]:
    answer = _fresh(Answer, ids["spare_id"])
    if answer.assignee_unit_id is not None:
        answer.assignee_unit_id = None
        _db.session.commit()
    return {}


def _prepare_deadline(ids: dict[str, Any]) -> dict[str, Any]:
    assessment = _fresh(Assessment, ids["a"])
    if assessment.deadline is not None:
        assessment.deadline = None
        _db.session.commit()
    return {}


def _documents(ids: dict[str, Any]) -> dict[str, Any]:
    _db.session.expire_all()
    live = select(func.count(Evidence.id)).where(Evidence.assessment_id == ids["a"], Evidence.deleted_at.is_(None))
    return {"documents": _db.session.scalar(live)}


def _current_version(ids: dict[str, Any]) -> dict[str, Any]:
    return {"current": _fresh(Evidence, ids["e"]).current_version_id}


def _open_data(ids: dict[str, Any]) -> dict[str, Any]:
    return {"instrument_id": instrument("spbe-2020").id, "year": str(next(_years)), "deadline": ""}


def _opened(ids: dict[str, Any], data: dict[str, Any]) -> bool:
    _db.session.expire_all()
    return bool(
        _db.session.scalar(
            select(Assessment.id).where(Assessment.instansi_id == ids["i"], Assessment.year == int(data["year"]))
        )
    )


def _prepare_signatory(ids: dict[str, Any]) -> dict[str, Any]:
    _fresh(Assessment, ids["a"]).signatory_name = ""
    _db.session.commit()
    return {}


def _exports(ids: dict[str, Any]) -> int:
    _db.session.expire_all()
    return len(_db.session.scalars(select(Export.id).where(Export.assessment_id == ids["a"])).all())


def _prepare_export(ids: dict[str, Any]) -> dict[str, Any]:
    return {"exports": _exports(ids)}


@dataclass(frozen=True)
class Action:
    name: str
    scope: str  # a key of OBJECTS
    method: str
    path: str  # formatted with the object's ids (and what ``prepare`` returns)
    rule: str  # a key of RULES
    ok: int  # the status when allowed
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    headers: dict[str, str] | None = None
    #: Refused within the instansi answers this (403, except pages that hide themselves).
    refused: int = 403
    #: For writes: did the request change what it should (checked after each request: changed exactly when
    #: allowed, so a 302 that only flashed an error is no success, and a refusal wrote nothing).
    changed: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None


ACTIONS: tuple[Action, ...] = (
    # ---- one answer
    Action("halaman jawaban GET", "answer", "GET", "/penilaian/{a}/indikator/{code}", "read", 200),
    Action(
        "simpan jawaban POST",
        "answer",
        "POST",
        "/penilaian/{a}/indikator/{code}",
        "edit",
        302,
        data=lambda ids: {
            "version": _version(Answer, ids["main_id"]),
            "level": "0",
            "fakta": f"Perwali 12/2024 ({next(_unique)})",
            "analisis": "",
        },
        changed=lambda ids, data: _fresh(Answer, ids["main_id"]).fakta == data["fakta"],
    ),
    Action(
        "ajukan untuk direviu POST (diblokir pemeriksaan)",
        "answer",
        "POST",
        "/penilaian/{a}/indikator/{code}/ajukan",
        "edit",
        302,
        data=lambda ids: {"version": _version(Answer, ids["main_id"])},
    ),
    Action(
        "tarik kembali POST",
        "answer",
        "POST",
        "/penilaian/{a}/indikator/{wcode}/tarik",
        "edit",
        302,
        data=lambda ids: {"version": _version(Answer, ids["withdraw_id"])},
        prepare=_prepare_withdraw,
        changed=lambda ids, data: _fresh(Answer, ids["withdraw_id"]).state == AnswerState.DRAF,
    ),
    Action(
        "tautkan dokumen POST",
        "answer",
        "POST",
        "/penilaian/{a}/indikator/{code}/tautan",
        "edit",
        302,
        data=lambda ids: {"evidence_id": str(ids["linkable"]), "level": "1", "note": "hal. 1"},
        prepare=_prepare_link,
        changed=lambda ids, data: _linked(ids),
    ),
    Action(
        "lepas tautan POST",
        "answer",
        "POST",
        "/penilaian/{a}/indikator/{code}/tautan/{link}/lepas",
        "edit",
        302,
        prepare=_prepare_unlink,
        changed=lambda ids, data: not _linked(ids),
    ),
    Action("halaman jawaban Pemdi GET", "answer", "GET", "/penilaian/{p}/indikator/{pcode}", "read", 200),
    Action(
        "simpan jawaban Pemdi POST",
        "answer",
        "POST",
        "/penilaian/{p}/indikator/{pcode}",
        "edit",
        302,
        data=lambda ids: {"version": _version(Answer, ids["pemdi_id"]), "fakta": f"SK {next(_unique)}", "analisis": ""},
        changed=lambda ids, data: _fresh(Answer, ids["pemdi_id"]).fakta == data["fakta"],
    ),
    Action(
        "pratinjau nilai Pemdi POST",
        "answer",
        "POST",
        "/penilaian/{p}/indikator/{pcode}/nilai",
        "read",
        200,
        data=lambda ids: {f"item-{ids['item']}-fulfilled": "1"},
    ),
    Action(
        "tugaskan butir Pemdi POST",
        "answer",
        "POST",
        "/penilaian/{p}/indikator/{pcode}/butir/tugaskan",
        "manage",
        302,
        data=lambda ids: {"item_ids": [str(ids["item"])], "unit_id": str(ids["unit"])},
    ),
    # ---- the assessment and the library
    Action("ringkasan penilaian GET", "instansi", "GET", "/penilaian/{a}", "read", 200),
    Action("ringkasan penilaian Pemdi GET", "instansi", "GET", "/penilaian/{p}", "read", 200),
    Action(
        "penugasan massal POST",
        "instansi",
        "POST",
        "/penilaian/{a}/tugaskan",
        "manage",
        302,
        data=lambda ids: {"unit_id": str(ids["unit"]), "user_id": "0", "answer_ids": [str(ids["spare_id"])]},
        prepare=_prepare_spare,
        changed=lambda ids, data: _fresh(Answer, ids["spare_id"]).assignee_unit_id == ids["unit"],
    ),
    Action(
        "batas waktu POST",
        "instansi",
        "POST",
        "/penilaian/{a}/batas-waktu",
        "manage",
        302,
        data=lambda ids: {"deadline": "2026-12-20"},
        prepare=_prepare_deadline,
        changed=lambda ids, data: _fresh(Assessment, ids["a"]).deadline is not None,
    ),
    # Opening is a page of the koordinator: it hides itself (404) from those who may not open.
    Action("buka penilaian GET", "instansi", "GET", "/penilaian/baru?instansi={i}", "manage", 200, refused=404),
    Action(
        "buka penilaian POST",
        "instansi",
        "POST",
        "/penilaian/baru?instansi={i}",
        "manage",
        302,
        data=_open_data,
        refused=404,
        changed=_opened,
    ),
    Action("pustaka GET", "instansi", "GET", "/penilaian/{a}/pustaka/", "read", 200),
    Action("bundel GET", "instansi", "GET", "/penilaian/{a}/bundel/", "read", 200),
    Action(
        "penandatangan POST",
        "instansi",
        "POST",
        "/penilaian/{a}/bundel/penandatangan",
        "manage",
        302,
        data=lambda ids: {"signatory_name": "Ibu Sari", "signed_minutes_id": "0", "signed_consent_id": "0"},
        prepare=_prepare_signatory,
        changed=lambda ids, data: _fresh(Assessment, ids["a"]).signatory_name == "Ibu Sari",
    ),
    Action(
        "buat bundel POST",
        "instansi",
        "POST",
        "/penilaian/{a}/bundel/",
        "manage",
        302,
        data=lambda ids: {},
        prepare=_prepare_export,
        changed=lambda ids, data: _exports(ids) == ids["exports"] + 1,
    ),
    Action(
        "unggah POST (JSON)",
        "instansi",
        "POST",
        "/penilaian/{a}/pustaka/unggah",
        "upload",
        200,
        data=lambda ids: {"files": _pdf_file("Unggahan matriks")},
        headers={"Accept": "application/json"},
        prepare=_documents,
        changed=lambda ids, data: _documents(ids)["documents"] == ids["documents"] + 1,
    ),
    Action("tautan layanan baru GET", "instansi", "GET", "/penilaian/{a}/pustaka/tautan-baru", "upload", 200),
    Action(
        "tautan layanan baru POST",
        "instansi",
        "POST",
        "/penilaian/{a}/pustaka/tautan-baru",
        "upload",
        302,
        data=lambda ids: {
            "version": "1",
            "title": f"Aplikasi e-Kinerja {next(_unique)}",
            "doc_type": "lainnya",
            "url": "https://ekinerja.contoh.go.id",
            "access_note": "",
            "owner_unit_id": "0",
        },
        changed=lambda ids, data: (
            _db.session.scalar(select(Evidence.id).where(Evidence.title == data["title"])) is not None
        ),
    ),
    # ---- one document
    Action("rincian dokumen GET", "document", "GET", "/penilaian/{a}/pustaka/{e}", "read", 200),
    Action(
        "ubah data dokumen POST",
        "document",
        "POST",
        "/penilaian/{a}/pustaka/{e}",
        "edit",
        302,
        data=lambda ids: {
            "version": _version(Evidence, ids["e"]),
            "title": f"Laporan Evaluasi {next(_unique)}",
            "doc_type": "laporan",
            "number": "",
            "doc_date": "",
            "owner_unit_id": str(ids["owner"]),
            "notes": "",
        },
        changed=lambda ids, data: _fresh(Evidence, ids["e"]).title == data["title"],
    ),
    Action(
        "ganti berkas POST",
        "document",
        "POST",
        "/penilaian/{a}/pustaka/{e}/ganti",
        "edit",
        302,
        data=lambda ids: {"file": _pdf_file("Berkas pengganti")},
        prepare=_current_version,
        changed=lambda ids, data: _current_version(ids)["current"] != ids["current"],
    ),
    Action("konfirmasi hapus GET", "document", "GET", "/penilaian/{a}/pustaka/{e}/hapus", "edit", 200),
    Action(
        "hapus POST",
        "document",
        "POST",
        "/penilaian/{a}/pustaka/{d}/hapus",
        "edit",
        302,
        prepare=_prepare_delete,
        changed=lambda ids, data: _fresh(Evidence, ids["d"]).deleted_at is not None,
    ),
    Action("unduh GET", "document", "GET", "/penilaian/{a}/pustaka/{e}/unduh", "read", 200),
    Action("unduh versi 1 GET", "document", "GET", "/penilaian/{a}/pustaka/{e}/versi/1/unduh", "read", 200),
    Action("pratinjau GET", "document", "GET", "/penilaian/{a}/pustaka/{e}/pratinjau", "read", 200),
)


def expected_status(action: Action, actor: Actor, obj: Obj) -> int:
    if actor.instansi != obj.instansi:
        return 404
    return action.ok if RULES[action.rule](actor, obj) else action.refused


# --------------------------------------------------------------------------- the matrix


def _clients(app: Flask, world: World) -> dict[str, FlaskClient]:
    clients = {}
    for actor in ACTORS:
        c = app.test_client()
        assert login(c, world.users[actor.key].email).status_code == 302, actor.key
        clients[actor.key] = c
    return clients


def _outcome(response: Any) -> str:
    status = str(response.status_code)
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return f"{status} ke halaman masuk"
    return status


def test_access_control_matrix(client: FlaskClient, app: Flask, db: Any) -> None:
    world = build_world()
    db.session.commit()
    clients = _clients(app, world)  # ``client`` set the isolating client class; one client per actor

    requests = 0
    mismatches: list[str] = []
    for action in ACTIONS:
        for obj in OBJECTS[action.scope]:
            for actor in ACTORS:
                ids = dict(world.ids[obj.key])
                if action.prepare is not None:
                    ids.update(action.prepare(ids))
                data = action.data(ids) if action.data is not None else None
                response = clients[actor.key].open(
                    action.path.format(**ids), method=action.method, data=data, headers=action.headers
                )
                requests += 1
                expected = expected_status(action, actor, obj)
                want, got = str(expected), _outcome(response)
                if action.changed is not None:
                    should = "berubah" if expected == action.ok else "tidak berubah"
                    did = "berubah" if action.changed(ids, data or {}) else "tidak berubah"
                    want, got = f"{want}, {should}", f"{got}, {did}"
                if got != want:
                    mismatches.append(
                        f"{actor.key} | {action.name} | {obj.key} | diharapkan {want}, didapat {got}"
                        f" | {action.method} {action.path.format(**ids)}"
                    )
    print(f"R2: {requests} requests, {len(mismatches)} mismatches")
    assert not mismatches, f"R2: {requests} requests, {len(mismatches)} mismatches:\n" + "\n".join(mismatches)


def test_ids_of_another_instansi_do_not_leak_through_own_urls(client: FlaskClient, db: Any) -> None:
    """A koordinator of A, on A's own URLs, names objects of B: nothing of B is shown, linked or changed."""
    world = build_world()
    db.session.commit()
    assert login(client, world.users["koordinator"].email).status_code == 302
    mine, theirs = world.ids["penilaian instansi sendiri"], world.ids["penilaian instansi lain"]
    their_doc = world.ids["dokumen instansi lain"]["e"]
    their_answer = world.ids["jawaban instansi lain"]
    a = mine["a"]

    for method, url in (
        ("GET", f"/penilaian/{a}/pustaka/{their_doc}"),
        ("GET", f"/penilaian/{a}/pustaka/{their_doc}/unduh"),
        ("GET", f"/penilaian/{a}/pustaka/{their_doc}/pratinjau"),
        ("GET", f"/penilaian/{a}/pustaka/{their_doc}/hapus"),
        ("POST", f"/penilaian/{a}/pustaka/{their_doc}/hapus"),
        ("POST", f"/penilaian/{a}/pustaka/{their_doc}/ganti"),
        ("POST", f"/penilaian/{a}/pustaka/{their_doc}"),
    ):
        assert client.open(url, method=method).status_code == 404, (method, url)

    # B's document linked to A's answer: refused.
    client.post(f"/penilaian/{a}/indikator/I1/tautan", data={"evidence_id": str(their_doc), "level": "1"})
    assert _fresh(Answer, world.ids["jawaban unit u1"]["main_id"]).links == []
    # B's answer in A's bulk assignment, B's unit as assignee: nothing changes.
    client.post(
        f"/penilaian/{a}/tugaskan",
        data={"unit_id": str(mine["unit"]), "user_id": "0", "answer_ids": [str(theirs["spare_id"])]},
    )
    client.post(
        f"/penilaian/{a}/tugaskan",
        data={"unit_id": str(theirs["unit"]), "user_id": "0", "answer_ids": [str(mine["spare_id"])]},
    )
    assert _fresh(Answer, theirs["spare_id"]).assignee_unit_id is None
    assert _fresh(Answer, mine["spare_id"]).assignee_unit_id is None
    # A link of B's answer, unlinked through A's answer: stays.
    link = AnswerEvidence(evidence_id=theirs["linkable"], level=1, note="")
    their = _fresh(Answer, their_answer["main_id"])
    their.links.append(link)
    db.session.commit()
    client.post(f"/penilaian/{a}/indikator/I1/tautan/{link.id}/lepas")
    assert db.session.scalar(select(AnswerEvidence.id).where(AnswerEvidence.id == link.id)) == link.id
    # Upload with B's unit as owner: the document has no owner of B.
    response = client.post(
        f"/penilaian/{a}/pustaka/unggah",
        data={"files": _pdf_file("Milik tetangga"), "owner_unit_id": str(theirs["unit"])},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    created = _fresh(Evidence, response.get_json()["results"][0]["id"])
    assert created.owner_unit_id is None
