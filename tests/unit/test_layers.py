"""The layering of docs/architecture.md and issue 13, held over the import graph and the syntax trees.

- views are thin blueprints: no view module imports another (``util`` and ``boundary`` are their helpers, and
  ``assess/views/__init__.py`` registers them all);
- read models (``assess.queries``) never import services or views; services never import views; models import
  neither services, views nor queries;
- services flush, never commit (a job's body, run by ``assess/jobs.py`` in a context of its own, commits);
- forms validate and shape input: no views, queries or database session;
- the WeasyPrint workers (``reports/layout.py``) import nothing of the app, not even through ``reports``;
- one boundary: no view module but ``boundary.py`` commits, rolls back or catches ``DomainError``;
- every ``DomainError`` message is translatable: never a bare string or an f-string.

Every failure lists the offending ``file:line``.
"""

from __future__ import annotations

import ast

from tests.astscan import Module, domain_error_names, modules, untranslated_domain_errors, within

#: Modules of assess/views with no blueprint: helpers any view may use (they import no view themselves).
VIEW_HELPERS = frozenset(
    {
        "assess.views.util",
        "assess.views.boundary",
        "assess.views.downloads",
        "assess.views.nav",
        "assess.views.panels",
        "assess.views.uploading",
    }
)
APP_PACKAGES = ("assess", "forms", "uploads")


def _in(package: str) -> list[Module]:
    found = [m for m in modules().values() if within(m.name, package)]
    assert found, package
    return found


def _offending_imports(importers: list[Module], *forbidden: str) -> list[str]:
    return sorted(
        f"{m.where}:{line} imports {name}"
        for m in importers
        for name, line in m.imports
        if any(within(name, package) for package in forbidden)
    )


def test_no_view_module_imports_another() -> None:
    offences = sorted(
        f"{m.where}:{line} imports {name}"
        for m in _in("assess.views")
        if m.name != "assess.views" and m.name not in VIEW_HELPERS
        for name, line in m.imports
        if within(name, "assess.views") and name not in VIEW_HELPERS and name != m.name
    )
    assert not offences, "\n".join(offences)


def test_view_helpers_have_no_routes() -> None:
    routed = sorted(
        m.where
        for m in _in("assess.views")
        if m.name in VIEW_HELPERS and "Blueprint(" in m.path.read_text(encoding="utf-8")
    )
    assert not routed, routed


def test_view_helpers_import_no_view() -> None:
    offences = sorted(
        f"{m.where}:{line} imports {name}"
        for m in _in("assess.views")
        if m.name in VIEW_HELPERS
        for name, line in m.imports
        if within(name, "assess.views") and name not in VIEW_HELPERS
    )
    assert not offences, "\n".join(offences)


def test_queries_import_neither_services_nor_views() -> None:
    offences = _offending_imports(_in("assess.queries"), "assess.services", "assess.views")
    assert not offences, "\n".join(offences)


def test_services_import_no_view() -> None:
    offences = _offending_imports(_in("assess.services"), "assess.views")
    assert not offences, "\n".join(offences)


def test_models_import_neither_services_views_nor_queries() -> None:
    offences = _offending_imports(_in("assess.models"), "assess.services", "assess.views", "assess.queries")
    assert not offences, "\n".join(offences)


def test_the_engine_and_display_import_nothing_above_them() -> None:
    """The engine and the display layer (values, charts, stored texts) know no table, query, service or view."""
    below = [modules()[name] for name in ("assess.scoring", "assess.display", "assess.charts", "assess.texts")]
    offences = _offending_imports(
        below, "assess.models", "assess.queries", "assess.services", "assess.views", "assess.extensions"
    )
    assert not offences, "\n".join(offences)


def test_forms_import_no_view_query_or_database_session() -> None:
    offences = _offending_imports(_in("forms"), "assess.views", "assess.queries", "assess.extensions")
    assert not offences, "\n".join(offences)


def test_report_layout_imports_nothing_of_the_app() -> None:
    """``reports/layout.py`` runs in WeasyPrint worker processes: nothing of the app, also not transitively."""
    graph = modules()
    seen: set[str] = set()
    todo = ["reports.layout"]
    offences: list[str] = []
    while todo:
        module = graph[todo.pop()]
        if module.name in seen:
            continue
        seen.add(module.name)
        for name, line in module.imports:
            if any(within(name, package) for package in APP_PACKAGES):
                offences.append(f"{module.where}:{line} imports {name}")
            elif within(name, "reports") and name in graph:
                todo.append(name)
    assert "reports.fetcher" in seen
    assert not offences, "\n".join(sorted(offences))


def _commits(module: Module) -> list[str]:
    return [
        f"{module.at(node)} calls .{node.func.attr}()"
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


def _job_bodies() -> set[tuple[str, str]]:
    """``(module, function)`` of the services ``assess/jobs.py`` runs as a job's body, in a context of its own."""
    jobs = modules()["assess.jobs"]
    return {
        (node.module, alias.name)
        for node in ast.walk(jobs.tree)
        if isinstance(node, ast.ImportFrom) and node.module and within(node.module, "assess.services")
        for alias in node.names
    }


def test_services_flush_never_commit() -> None:
    """A service flushes; only a job's body (run by ``assess/jobs.py`` outside any request) commits its own work."""
    bodies = _job_bodies()
    assert bodies, "assess/jobs.py runs no service"
    offences = sorted(
        f"{m.at(node)} commits in {function.name}()"
        for m in _in("assess.services")
        for function in ast.walk(m.tree)
        if isinstance(function, ast.FunctionDef) and (m.name, function.name) not in bodies
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
    )
    assert not offences, "\n".join(offences)


def _caught(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return set()
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {t.id if isinstance(t, ast.Name) else t.attr for t in types if isinstance(t, (ast.Name, ast.Attribute))}


def test_only_the_boundary_commits_rolls_back_or_catches_domain_errors() -> None:
    names = domain_error_names()
    assert {"DomainError", "NotFoundError"} <= names
    views = [m for m in _in("assess.views") if m.name != "assess.views.boundary"]
    offences = [o for m in views for o in _commits(m)]
    offences += [
        f"{m.at(node)} catches {', '.join(sorted(_caught(node) & names))}"
        for m in views
        for node in ast.walk(m.tree)
        if isinstance(node, ast.ExceptHandler) and _caught(node) & names
    ]
    assert not offences, "\n".join(sorted(offences))


def test_the_boundary_is_where_views_commit() -> None:
    boundary = modules()["assess.views.boundary"]
    assert {o.rsplit(" ", 1)[1] for o in _commits(boundary)} == {".commit()", ".rollback()"}


def test_every_domain_error_message_is_translatable() -> None:
    names = domain_error_names()
    offences = sorted(
        f"{m.at(node)} {ast.unparse(node)[:80]}"
        for m in modules().values()
        if within(m.name, "assess")
        for node in untranslated_domain_errors(m.tree, names)
    )
    assert not offences, "\n".join(offences)
