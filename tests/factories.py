"""Factory helpers for tests: small, explicit, flushing only."""

from __future__ import annotations

from itertools import count
from typing import Any

from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, Instansi, InstansiKind, Instrument, RoleName, Unit, User
from assess.services.assessments import open_assessment
from assess.services.users import create_user

_seq = count(1)
PASSWORD = "kata-sandi-uji"


def create_instansi(name: str | None = None, **kw: Any) -> Instansi:
    n = next(_seq)
    instansi = Instansi(
        slug=kw.pop("slug", f"instansi-{n}"),
        name=name or f"Pemerintah Kabupaten Uji {n}",
        kind=kw.pop("kind", InstansiKind.KABUPATEN),
        **kw,
    )
    db.session.add(instansi)
    db.session.flush()
    return instansi


def create_unit(instansi: Instansi, name: str | None = None, short_name: str | None = None) -> Unit:
    n = next(_seq)
    unit = Unit(instansi=instansi, name=name or f"Dinas Uji {n}", short_name=short_name or f"DU{n}")
    db.session.add(unit)
    db.session.flush()
    return unit


def create_member(
    instansi: Instansi | None, *roles: RoleName, units: tuple[Unit, ...] = (), email: str | None = None
) -> User:
    n = next(_seq)
    return create_user(
        email=email or f"pengguna{n}@uji.go.id",
        name=f"Pengguna Uji {n}",
        password=PASSWORD,
        instansi=instansi,
        roles=roles,
        units=units,
    )


def instrument(code: str = "spbe-2020") -> Instrument:
    row = db.session.scalar(select(Instrument).where(Instrument.code == code).order_by(Instrument.version.desc()))
    assert row is not None, f"instrument {code} not synced"
    return row


def create_assessment(instansi: Instansi | None = None, code: str = "spbe-2020", year: int = 2026) -> Assessment:
    return open_assessment(instansi=instansi or create_instansi(), instrument=instrument(code), year=year)
