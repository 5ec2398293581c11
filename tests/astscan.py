"""The project's Python sources as syntax trees: modules, their imports, DomainError and its subclasses.

Shared by the structural tests (``tests/unit/test_layers.py``, ``tests/unit/test_messages.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assess", "forms", "reports", "uploads")
TRANSLATING_CALLS = frozenset({"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"})


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    imports: list[tuple[str, int]] = field(default_factory=list)

    @property
    def where(self) -> str:
        return str(self.path.relative_to(ROOT))

    def at(self, node: ast.AST) -> str:
        return f"{self.where}:{getattr(node, 'lineno', 0)}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Module]:
    """Every module of the four packages, by dotted name, with its imports resolved to module names."""
    found: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts[:2] and path.parent.name == "versions":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found[_module_name(path)] = Module(_module_name(path), path, tree)
    for module in found.values():
        module.imports = list(_imports(module, set(found)))
    return found


def _imports(module: Module, known: set[str]) -> Iterator[tuple[str, int]]:
    """The modules ``module`` imports (at any depth of its code), as the most precise known module name."""
    is_package = module.path.name == "__init__.py"
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in known else base), node.lineno


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@cache
def domain_error_names() -> frozenset[str]:
    """``DomainError`` and every class of the project derived from it (by name, through any depth)."""
    bases: dict[str, set[str]] = {}
    for module in modules().values():
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_name_of(b) for b in node.bases)
    names = {"DomainError"}
    grown = True
    while grown:
        before = len(names)
        names |= {cls for cls, of in bases.items() if of & names}
        grown = len(names) > before
    return frozenset(names)


def _name_of(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def called_name(call: ast.Call) -> str:
    return _name_of(call.func)


def is_untranslated(node: ast.AST) -> bool:
    """A message written as a literal: a string, an f-string, or text built from one (``%``, ``+``, ``.format``).

    A translating call (``_()``, ``_l()``, ``gettext``...), a variable or an attribute is not.
    """
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return is_untranslated(node.left) or is_untranslated(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return is_untranslated(node.func.value)
    return False


def message_arguments(call: ast.Call) -> Iterator[ast.AST]:
    """The messages a ``DomainError(...)`` construction carries: the first argument and each reason's text."""
    if call.args:
        yield call.args[0]
    for keyword in call.keywords:
        if keyword.arg == "message":
            yield keyword.value
        if keyword.arg == "reasons" and isinstance(keyword.value, (ast.List, ast.Tuple)):
            for reason in keyword.value.elts:
                if isinstance(reason, ast.Tuple) and len(reason.elts) == 2:
                    yield reason.elts[1]


def untranslated_domain_errors(tree: ast.AST, names: frozenset[str]) -> Iterator[ast.AST]:
    """Every message of a ``DomainError`` (or subclass) construction in ``tree`` that is a bare literal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and called_name(node) in names:
            yield from (arg for arg in message_arguments(node) if is_untranslated(arg))
