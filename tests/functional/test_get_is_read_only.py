"""A GET writes nothing: every GET route of ``app.url_map``, with the real ids of a seeded world, as the koordinator
and as the pengisi, issues no INSERT, UPDATE or DELETE while its view function runs.

Only the view is watched (each of ``app.view_functions`` is wrapped): the sign-in bookkeeping of
``assess/sessions.py`` (refreshing the login session) runs before it, and a job's body runs in a thread of its own.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from assess.extensions import db
from tests import routes
from tests.functional.helpers import login, logout
from tests.functional.test_access_matrix import NO_GET, OTHER, ROUTES, Seeded, fill, world, world_app

__all__ = ["world", "world_app"]  # the module's app and seeded world, shared with the access matrix

WRITE = re.compile(r"^\s*(?:WITH\b.*?\)\s*)?(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
#: The sign-in's own row, touched when a request reads the user (``assess.sessions``), is not the view's write.
SESSION_BOOKKEEPING = re.compile(r"^\s*UPDATE\s+login_sessions\b", re.IGNORECASE)


class Watch(threading.local):
    endpoint: str | None = None


@pytest.fixture(scope="module")
def writes(world_app: Flask) -> Iterator[dict[str, list[str]]]:
    """Statements that write, by endpoint, issued on the request's thread while a view function runs."""
    watch = Watch()
    found: dict[str, list[str]] = {}

    def watched(endpoint: str, view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def run(*args: Any, **kwargs: Any) -> Any:
            watch.endpoint = endpoint
            try:
                return view(*args, **kwargs)
            finally:
                watch.endpoint = None

        return run

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if watch.endpoint and WRITE.match(statement) and not SESSION_BOOKKEEPING.match(statement):
            found.setdefault(watch.endpoint, []).append(" ".join(statement.split())[:120])

    originals = dict(world_app.view_functions)
    world_app.view_functions.update({name: watched(name, view) for name, view in originals.items()})
    with world_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield found
    event.remove(engine, "before_cursor_execute", record)
    world_app.view_functions.update(originals)


def test_the_watch_sees_a_view_that_writes(world_app: Flask, world: Seeded, writes: Any) -> None:
    """A POST that writes is seen, so a GET found clean is clean."""
    client = world_app.test_client()
    assert login(client, world.emails["koordinator"]).status_code == 302
    writes.clear()
    client.post("/saya/notifikasi/dibaca-semua")
    assert writes.get("inbox.mark_all_read"), writes
    logout(client)
    writes.clear()


@pytest.mark.parametrize(
    ("actor", "ids"),
    [("koordinator", "ids"), ("pengisi", "ids"), (OTHER, "other_ids")],
    ids=["koordinator", "pengisi", "first-visit-of-another-instansi"],
)
def test_no_get_route_writes(world_app: Flask, world: Seeded, writes: Any, actor: str, ids: str) -> None:
    """As the koordinator and the pengisi of the seeded instansi; and as another instansi's koordinator on its own,
    fresh instansi (what a first visit would set up, such as default canned comments, is not set up by a GET)."""
    client = world_app.test_client()
    assert login(client, world.emails[actor]).status_code == 302
    writes.clear()
    statuses: dict[int, int] = {}
    for rule in routes.paths(world_app, {"GET"}):
        assert ROUTES.get(rule) != NO_GET, rule
        response = client.get(fill(rule, world, actor, ids), buffered=True)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        response.close()
    found = dict(writes)
    writes.clear()
    logout(client)
    assert statuses.get(200, 0) > 10, statuses
    assert not found, "\n".join(f"{endpoint}: {'; '.join(sql)}" for endpoint, sql in sorted(found.items()))
