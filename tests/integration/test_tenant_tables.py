"""Every table holds either one instansi's data or global data, as the metadata says: built from
``db.metadata``, so a new table that is neither fails here.

An instansi's table has an ``instansi_id`` column, or a foreign key leading (through other such tables, never
through a global one) to one. The global tables are listed with the reason.
The tests' cleanup list (``tests.conftest.TENANT_TABLES``) removes every instansi's rows and the global rows tests
create, and no synced instrument row.
"""

from __future__ import annotations

from sqlalchemy import Table

import assess.models  # noqa: F401  (every model on the metadata)
from assess.extensions import db
from tests.conftest import TENANT_TABLES

ROOT = "instansi"
#: Tables of no instansi, and why.
GLOBAL: dict[str, str] = {
    "instansi": "the tenants themselves: the root every instansi table leads to",
    "users": "a person may hold roles in several instansi (memberships say where)",
    "roles": "the fixed role names of Flask-Security",
    "roles_users": "Flask-Security's user-role link; the instansi of a role is in memberships",
    "login_sessions": "a person's sign-ins, across instansi",
    "blobs": "content-addressed file bytes, shared by identical uploads; evidence versions say whose",
    "instruments": "the synced assessment instruments (seeds/instruments), the same for everyone",
    "domains": "part of an instrument",
    "aspects": "part of an instrument",
    "indicators": "part of an instrument",
    "indicator_levels": "part of an instrument",
    "evidence_items": "part of an instrument (Pemdi evidence items)",
    "instansi_groups": "groups of instansi overseen together: they span instansi by design",
    "group_pembina": "who oversees a group (a person across the group's instansi)",
}
#: Global tables of the synced instruments: the tests' cleanup keeps them.
CATALOGUE = frozenset({"instruments", "domains", "aspects", "indicators", "indicator_levels", "evidence_items"})


def _tables() -> dict[str, Table]:
    tables = dict(db.metadata.tables)
    assert len(tables) > 20, sorted(tables)
    return tables


def tenant_tables() -> dict[str, list[str]]:
    """Each instansi table with its path to ``instansi`` (``table.column`` hops over foreign keys), a not-null
    path where there is one."""
    tables = _tables()
    paths: dict[str, list[str]] = {
        name: [f"{name}.instansi_id"] for name, table in tables.items() if "instansi_id" in table.c
    }
    for allow_nullable in (False, True):
        grown = True
        while grown:
            grown = False
            for name, table in sorted(tables.items()):
                if name in paths or name in GLOBAL:
                    continue
                for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
                    target = fk.column.table.name
                    if (allow_nullable or not fk.parent.nullable) and target in paths:
                        paths[name] = [f"{name}.{fk.parent.name}", *paths[target]]
                        grown = True
                        break
    return paths


def test_every_table_is_an_instansi_table_or_listed_global() -> None:
    tenant = tenant_tables()
    unclassified = sorted(set(_tables()) - set(tenant) - set(GLOBAL))
    assert not unclassified, f"neither instansi data (no path to instansi) nor listed in GLOBAL: {unclassified}"
    assert not sorted(set(tenant) & set(GLOBAL)), "a global table has an instansi"


def test_the_global_list_names_real_tables() -> None:
    assert sorted(set(GLOBAL) - set(_tables())) == []


def test_the_main_instansi_tables_lead_to_their_instansi() -> None:
    tenant = tenant_tables()
    assert tenant["assessments"] == ["assessments.instansi_id"]
    assert tenant["answers"] == ["answers.assessment_id", "assessments.instansi_id"]
    assert tenant["evidence_versions"][-1] == "assessments.instansi_id"
    assert tenant["unit_members"] == ["unit_members.unit_id", "units.instansi_id"]
    assert tenant["notifications"][-1] == "assessments.instansi_id"


def test_the_tests_cleanup_list_is_every_instansi_table_and_the_global_rows_tests_create() -> None:
    assert len(TENANT_TABLES) == len(set(TENANT_TABLES))
    assert set(TENANT_TABLES) == set(tenant_tables()) | (set(GLOBAL) - CATALOGUE)
