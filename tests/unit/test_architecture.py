"""The module structure: no import cycles inside survey_app/, and the layer rules the code keeps.

A small AST walk over survey_app/**/*.py (and reports/**/*.py) resolves every absolute and
relative import of a project module. An import inside a function body is *deferred*: it runs
when the function is first called, not when the module is imported, so it cannot make
``import survey_app.x`` fail. Cycles among module-level imports fail the test; deferred imports
that close a cycle are allowed but listed (``DEFERRED_CYCLE_EDGES``), so that a new one is a
deliberate choice. Imports under ``if TYPE_CHECKING:`` never run and are ignored.

Dependencies are edges between modules as written: importing ``survey_app.services.units``
counts as a dependency on that module only, not on the packages above it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("survey_app", "reports")

#: Module-level import cycles that exist today, each named by the modules it runs through. A
#: cycle found that is not listed fails the test, and so does a listed one that no longer exists
#: (then remove it here). The list is meant to become empty.
ALLOWED_MODULE_CYCLES: list[frozenset[str]] = []

#: Imports inside functions that close a cycle of module dependencies. Each is a deliberate
#: deferral; a new one fails the test until it is added here (better: remove the cycle). None
#: today: the cli <-> cli_check <-> cli_kiosk cycle they used to break is gone (survey_app/cli/).
DEFERRED_CYCLE_EDGES: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    deferred: bool  # inside a function body


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES
            for p in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, deferred: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every import node under ``node``, with whether it sits inside a function body."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for sub in child.orelse:
                yield from _walk(sub, deferred)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, deferred
        inner = deferred or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _walk(child, inner)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` if it is a project module, else the longest project module that contains it."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, modules: dict[str, Path]) -> list[Import]:
    """Every import of a project module by ``module`` (third-party imports are left out)."""
    path = modules[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node, deferred in _walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            assert isinstance(node, ast.ImportFrom)
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[:len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # "from pkg import name": a submodule if there is one, else a name in pkg itself
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        for target in dict.fromkeys(targets):
            resolved = _resolve(target, modules)
            if resolved and resolved != module:
                found.append(Import(module, resolved, node.lineno, deferred))
    return found


def all_imports() -> list[Import]:
    modules = _modules()
    return [imp for module in modules for imp in imports_of(module, modules)]


def third_party_imports(module: str, modules: dict[str, Path]) -> set[str]:
    """Top-level names of every absolute import of ``module`` (module level or deferred)."""
    path = modules[module]
    names: set[str] = set()
    for node, _deferred in _walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def cycles(edges: set[tuple[str, str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _describe(component: frozenset[str], imports: list[Import]) -> str:
    lines = [f"cycle through {', '.join(sorted(component))}:"]
    for imp in sorted(imports, key=lambda i: (i.importer, i.line)):
        if imp.importer in component and imp.imported in component:
            where = "in a function" if imp.deferred else "module level"
            lines.append(f"  {imp.importer}:{imp.line} imports {imp.imported} ({where})")
    return "\n".join(lines)


def test_the_walk_sees_relative_absolute_and_deferred_imports():
    modules = _modules()
    found = {(i.imported, i.deferred) for i in imports_of("survey_app", modules)}
    assert ("survey_app.cli", True) in found  # "from . import cli" inside create_app
    found = {(i.imported, i.deferred) for i in imports_of("survey_app.cli.check", modules)}
    assert ("survey_app.db", False) in found  # "from ..db import alembic_config, get_db"
    found = {i.imported for i in imports_of("survey_app.cli.index", modules)}
    assert "reports.ranking" in found  # absolute import of a project module
    assert cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [frozenset("abc")]


def test_no_import_cycle_among_module_level_imports():
    imports = [i for i in all_imports() if not i.deferred]
    found = cycles({(i.importer, i.imported) for i in imports})
    unexpected = [c for c in found if c not in ALLOWED_MODULE_CYCLES]
    assert not unexpected, "\n\n".join(_describe(c, imports) for c in unexpected)
    gone = [sorted(c) for c in ALLOWED_MODULE_CYCLES if c not in found]
    assert not gone, f"no longer a cycle, remove from ALLOWED_MODULE_CYCLES: {gone}"


def test_deferred_imports_that_close_a_cycle_are_the_known_ones():
    imports = all_imports()
    module_level = {(i.importer, i.imported) for i in imports if not i.deferred}
    closing = set()
    for component in cycles({(i.importer, i.imported) for i in imports}):
        for imp in imports:
            if (imp.deferred and imp.importer in component and imp.imported in component
                    and (imp.importer, imp.imported) not in module_level):
                closing.add((imp.importer, imp.imported))
    assert closing - DEFERRED_CYCLE_EDGES == set(), (
        "new deferred imports inside a cycle: "
        f"{sorted(closing - DEFERRED_CYCLE_EDGES)}")
    assert DEFERRED_CYCLE_EDGES - closing == set(), (
        "no longer part of a cycle, remove from DEFERRED_CYCLE_EDGES: "
        f"{sorted(DEFERRED_CYCLE_EDGES - closing)}")


def _offenders(prefix: str, banned: tuple[str, ...],
               banned_project: tuple[str, ...] = ()) -> list[str]:
    modules = _modules()
    bad = []
    for module in modules:
        if module != prefix and not module.startswith(prefix + "."):
            continue
        for name in sorted(third_party_imports(module, modules)):
            if name.split(".")[0] in banned:
                bad.append(f"{module} imports {name}")
        for imp in imports_of(module, modules):
            if any(imp.imported == p or imp.imported.startswith(p + ".") for p in banned_project):
                bad.append(f"{module}:{imp.line} imports {imp.imported}")
    return bad


@pytest.mark.parametrize(("package", "banned", "banned_project"), [
    # the pure rules: no web framework, no database
    ("survey_app.domain", ("flask", "sqlalchemy"), ("survey_app.db", "survey_app.models")),
    # use cases take a Session; requests and responses are the web layer's
    ("survey_app.services", ("flask",), ("survey_app.web", "survey_app.cli")),
    # renderers take plain tables and return bytes
    ("reports", ("flask",), ("survey_app.db", "survey_app.models")),
])
def test_layers(package, banned, banned_project):
    assert _offenders(package, banned, banned_project) == []
