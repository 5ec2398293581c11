"""Typed worlds for the tests (a pytest plugin, registered in ``tests/conftest.py``).

A :class:`World` is an instansi with its units, one assessment whose answers are assigned to the first unit,
a member of each role asked for (the pengisi in the first unit) and, for the cross-tenant tests, the user of
another instansi (``outsider``). :func:`build_world` makes one with the factories of ``tests/factories.py``; the
fixtures ``world`` (SPBE 2020) and ``pemdi_world`` (Pemdi 2026) commit one. A test module that needs more (values,
states, a second unit) overrides the fixture, asking for the plugin's, or builds its own with :func:`build_world`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from assess.extensions import db
from assess.models import (
    Answer,
    Assessment,
    CannedComment,
    Export,
    ExportState,
    Instansi,
    Notification,
    NotificationKind,
    RoleName,
    Unit,
    User,
)
from assess.models.base import utcnow
from assess.services import comments as comment_service
from assess.services import evidence as evidence_service
from tests.factories import create_assessment, create_instansi, create_member, create_unit
from tests.functional.helpers import pdf_bytes

#: The members a world can have, by the name a test reads them with.
ROLES: Mapping[str, RoleName] = {
    "koordinator": RoleName.KOORDINATOR,
    "pengisi": RoleName.PENGISI,
    "reviewer": RoleName.REVIEWER,
    "pembaca": RoleName.PEMBACA,
    "admin": RoleName.ADMIN,
}
#: Units as (name, short name); a name of None lets the factory choose one.
DISKOMINFO = ("Dinas Komunikasi dan Informatika", "Diskominfo")
BAPPEDA = ("Badan Perencanaan Pembangunan Daerah", "Bappeda")


@dataclass(frozen=True)
class World:
    instansi: Instansi
    assessment: Assessment
    #: By short name, in the order built; the first holds the pengisi and every answer.
    units: Mapping[str, Unit]
    #: By role name (``ROLES``), and ``"outsider"`` for the other instansi's user.
    members: Mapping[str, User]
    #: The other instansi, when the world has an outsider.
    other: Instansi | None = None

    def member(self, name: str) -> User:
        """The member named ``name`` (a key of ``ROLES`` or ``"outsider"``), for tests parametrized by role."""
        try:
            return self.members[name]
        except KeyError:
            raise LookupError(f"this world has no {name}; build it with that member") from None

    @property
    def unit(self) -> Unit:
        return next(iter(self.units.values()))

    @property
    def koordinator(self) -> User:
        return self.member("koordinator")

    @property
    def pengisi(self) -> User:
        return self.member("pengisi")

    @property
    def reviewer(self) -> User:
        return self.member("reviewer")

    @property
    def pembaca(self) -> User:
        return self.member("pembaca")

    @property
    def admin(self) -> User:
        return self.member("admin")

    @property
    def outsider(self) -> User:
        return self.member("outsider")

    def answer(self, code: str) -> Answer:
        return next(a for a in self.assessment.answers if a.indicator.code == code)


def build_world(
    instrument: str = "spbe-2020",
    *,
    year: int = 2026,
    name: str | None = None,
    units: Sequence[tuple[str | None, str]] = (DISKOMINFO,),
    members: Sequence[str] = tuple(ROLES),
    roles: Mapping[str, Sequence[RoleName]] | None = None,
    outsider: Sequence[RoleName] = (RoleName.KOORDINATOR,),
    assign: bool = True,
    emails: Mapping[str, str] | None = None,
) -> World:
    """A world of ``instrument``'s assessment for ``year``, with ``units`` and ``members`` (each holding its role of
    ``ROLES``, or the roles ``roles`` gives it), and an outsider holding the roles ``outsider`` in another instansi
    (none if there are none); every answer is assigned to the first unit unless ``assign`` is false. ``emails``
    gives a member (or the outsider) an address of the test's choosing instead of the factory's. Flushes only: the
    caller commits."""
    instansi = create_instansi(name)
    made = {short: create_unit(instansi, unit_name, short) for unit_name, short in units}
    assessment = create_assessment(instansi, code=instrument, year=year)
    first = next(iter(made.values()), None)
    if first is not None and assign:
        for answer in assessment.answers:
            answer.assignee_unit = first
    held = {key: (ROLES[key],) for key in members} | dict(roles or {})
    address = dict(emails or {})
    people = {
        key: create_member(
            instansi, *held[key], units=(first,) if key == "pengisi" and first else (), email=address.get(key)
        )
        for key in members
    }
    other = None
    if outsider:
        other = create_instansi()
        people["outsider"] = create_member(other, *outsider, email=address.get("outsider"))
    return World(instansi, assessment, made, people, other)


@dataclass(frozen=True)
class Objects:
    """What :func:`seed_objects` made, by the ids a sweep over the routes needs."""

    #: A value for each variable of the GET routes (for ``tests.routes.fill``) but the notification's.
    ids: dict[str, Any]
    #: Each member's notification, by member name.
    notifications: dict[str, int]


def seed_objects(world: World, app: Flask) -> Objects:
    """One of each object a GET route names, in the world's assessment: a PDF linked to I1, a comment on I1 and one
    on the PDF, a canned comment, a running export and a mention for each member of the instansi. Flushes only:
    the caller commits."""
    koordinator, answer = world.koordinator, world.answer("I1")
    evidence = evidence_service.upload(
        assessment=world.assessment,
        stream=io.BytesIO(pdf_bytes(text="Perwali")),
        filename="Perwali 12 Tahun 2024.pdf",
        meta=None,
        user=koordinator,
        storage=app.extensions["storage"],
        policy=app.extensions["upload_policy"],
    )
    evidence_service.link(answer=answer, evidence=evidence, level=1, item=None, note="", user=koordinator)
    comment = comment_service.add_comment(
        assessment=world.assessment, author=koordinator, body="Mohon lampirkan SK penetapan.", answer=answer
    )
    comment_service.add_comment(assessment=world.assessment, author=koordinator, body="Versi final?", evidence=evidence)
    canned = CannedComment(instansi_id=world.instansi.id, title="SK", body="Lampirkan SK yang ditandatangani.")
    export = Export(
        assessment_id=world.assessment.id, state=ExportState.RUNNING, started_at=utcnow(), heartbeat_at=utcnow()
    )
    db.session.add_all([canned, export])
    db.session.flush()
    notifications = {}
    for key, user in world.members.items():
        if key == "outsider":
            continue
        row = Notification(
            user_id=user.id,
            kind=NotificationKind.MENTION,
            assessment_id=world.assessment.id,
            answer_id=answer.id,
            comment_id=comment.id,
            message="Anda disebut dalam komentar.",
            url=f"/penilaian/{world.assessment.id}/indikator/I1",
        )
        db.session.add(row)
        db.session.flush()
        notifications[key] = row.id
    ids = {
        "instansi_id": world.instansi.id,
        "unit_id": world.unit.id,
        "user_id": world.pengisi.id,
        "assessment_id": world.assessment.id,
        "code": "I1",
        "answer_id": answer.id,
        "evidence_id": evidence.id,
        "comment_id": comment.id,
        "canned_id": canned.id,
        "export_id": export.id,
        "kind": "summary",
        "number": 1,
    }
    return Objects(ids, notifications)


@pytest.fixture
def world(db: Any) -> World:
    """An SPBE 2020 assessment of 2026, every answer assigned to Diskominfo, a member of every role, an outsider
    who is another instansi's koordinator."""
    built = build_world()
    db.session.commit()
    return built


@pytest.fixture
def pemdi_world(db: Any) -> World:
    """A Pemdi 2026 assessment, every answer assigned to one unit (Kominfo), a member of every role, an outsider."""
    built = build_world("pemdi-2026", units=((None, "Kominfo"),))
    db.session.commit()
    return built
