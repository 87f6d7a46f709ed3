"""heron's layers import one way: store <- query <- server <- cli, and the SDK never imports the
server or the CLI; no two modules import each other (directly or round a loop).

Every module under ``heron/`` is parsed (not imported), so a violation is named by file and
line even when it sits inside a function. Imports under ``if TYPE_CHECKING:`` count for the
layer rules (a name still ties the layers together) but not for cycles (they never run).

An import inside a function is for a heavy library only (one ruff bans at module level, or a
heron module that imports one): it keeps ``import heron`` light. An import of a light heron
module inside a function has no such reason, so the cycle check counts it as if it were at the
top: a loop through it is a cycle held apart by a local import, and fails the same way.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import heron

# ``module``: runs when the importing module is imported; ``function``: inside a function (runs
# when it is called); ``typing``: under ``if TYPE_CHECKING:`` (never runs).
ImportKind = Literal["module", "function", "typing"]

PACKAGE_ROOT = Path(heron.__file__).resolve().parent
REPO_ROOT = PACKAGE_ROOT.parent

# Layer -> the heron layers it must never import (top-level or inside a function).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "store": ("query", "server", "cli", "sdk", "wandb", "integrations", "importers"),
    "query": ("server", "cli", "sdk", "wandb", "integrations", "importers"),
    "server": ("cli",),
    "sdk": ("server", "cli", "wandb", "importers"),
}
# Modules at heron's top that every layer may use.
SHARED = ("heron", "heron.errors", "heron._types")


def _banned_at_module_level() -> frozenset[str]:
    """The libraries ruff bans at module level (pyproject.toml): too heavy for ``import heron``."""
    settings = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = settings["tool"]["ruff"]["lint"]
    return frozenset(lint["flake8-tidy-imports"]["banned-module-level-imports"])


HEAVY = _banned_at_module_level()

# Loops kept on purpose, each with why it cannot be layered away.
KNOWN_LOOPS: dict[frozenset[str], str] = {
    frozenset({"heron.wandb.artifacts", "heron.wandb.api_runs"}): (
        "W&B's Artifact.logged_by()/used_by() return its public-API Run, whose "
        "logged_artifacts()/used_artifacts() return Artifacts: the two wrappers of W&B's "
        "surface navigate to each other"
    ),
}


@dataclass(frozen=True)
class Import:
    """One import of a heron module: where it is written and what it imports."""

    source: str  # importing module, e.g. heron.sdk.run
    target: str  # imported module, e.g. heron.sdk.artifact
    path: Path
    line: int
    kind: ImportKind

    @property
    def where(self) -> str:
        """``heron/sdk/run.py:12``."""
        return f"{self.path.relative_to(REPO_ROOT).as_posix()}:{self.line}"


def module_name(path: Path) -> str:
    """The dotted module name of a file under the package."""
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    """Every heron module by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(node: ast.ImportFrom | ast.Import, package: str, known: dict[str, Path]) -> list[str]:
    """The heron modules an import statement loads (``from a import b`` loads ``a.b`` when it
    is a module, else ``a``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "heron"]
    if node.level:
        base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    if origin.split(".")[0] != "heron":
        return []
    targets = []
    for alias in node.names:
        submodule = f"{origin}.{alias.name}"
        targets.append(submodule if submodule in known else origin)
    return targets


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[Import]:
    """Every import of a heron module written in ``path``, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, kind: ImportKind) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, "typing" if kind == "typing" else "function")
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for inner in child.body:
                    visit(ast.Module(body=[inner], type_ignores=[]), "typing")
                for inner in child.orelse:
                    visit(ast.Module(body=[inner], type_ignores=[]), kind)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                for target in _resolve(child, package, known):
                    found.append(Import(name, target, path, child.lineno, kind))
            else:
                visit(child, kind)

    visit(tree, "module")
    return found


def every_import() -> list[Import]:
    """The imports of every heron module."""
    known = all_modules()
    return [found for name, path in known.items() for found in imports_of(name, path, known)]


def heavy_modules(imports: list[Import]) -> set[str]:
    """heron modules whose import loads a heavy library: directly at module level, or through
    heron modules they import at module level."""
    heavy = set()
    for name, path in all_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: TYPE_CHECKING blocks and functions never run
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            if roots & HEAVY:
                heavy.add(name)
    importers: dict[str, set[str]] = {}
    for found in imports:
        if found.kind == "module":
            importers.setdefault(found.target, set()).add(found.source)
    pending = list(heavy)
    while pending:
        for source in importers.get(pending.pop(), ()):
            if source not in heavy:
                heavy.add(source)
                pending.append(source)
    return heavy


def running_imports(imports: list[Import]) -> list[Import]:
    """The imports that take part in cycles: those at module level, and those inside functions
    of modules light enough to import at the top."""
    heavy = heavy_modules(imports)
    return [
        found
        for found in imports
        if found.kind == "module" or (found.kind == "function" and found.target not in heavy)
    ]


def layer_of(module: str) -> str | None:
    """``store`` for ``heron.store.tables``; None for heron's top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and module not in SHARED) else None


def layer_violations(imports: list[Import]) -> list[str]:
    """``file:line: a imports b (store must not import query)`` for each forbidden import."""
    problems = []
    for found in imports:
        source, target = layer_of(found.source), layer_of(found.target)
        if source is not None and target in FORBIDDEN.get(source, ()):
            problems.append(
                f"{found.where}: {found.source} imports {found.target} "
                f"({source} must not import {target})"
            )
    return problems


def import_cycles(imports: list[Import]) -> list[str]:
    """Each loop of the imports given (``typing`` ones never run and are skipped), as the chain
    of imports (with file:line) closing it; loops in :data:`KNOWN_LOOPS` are left out."""
    edges: dict[str, dict[str, Import]] = {}
    for found in imports:
        if found.kind != "typing" and found.target != found.source:
            edges.setdefault(found.source, {}).setdefault(found.target, found)
    # A module's parent packages run before it, but importing a package is not an import of
    # its submodules: only written imports are edges.
    cycles: list[str] = []
    seen_loops: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Import] = []

    def walk(module: str) -> None:
        state[module] = 1
        for target, found in sorted(edges.get(module, {}).items()):
            if state.get(target) == 1:
                # ``target`` is on the current path, so some step of it starts there.
                start = next(i for i, step in enumerate(path) if step.source == target)
                loop = [*path[start:], found]
                key = frozenset(step.source for step in loop)
                if key not in seen_loops and key not in KNOWN_LOOPS:
                    seen_loops.add(key)
                    chain = " -> ".join(f"{step.source} ({step.where})" for step in loop)
                    cycles.append(f"{chain} -> {target}")
            elif state.get(target) is None:
                path.append(found)
                walk(target)
                path.pop()
        state[module] = 2

    for module in sorted(edges):
        if state.get(module) is None:
            walk(module)
    return cycles


def test_layers_import_one_way() -> None:
    problems = layer_violations(every_import())
    assert not problems, "imports against heron's layering:\n" + "\n".join(problems)


def test_no_import_cycle() -> None:
    cycles = import_cycles(running_imports(every_import()))
    assert not cycles, (
        "import cycles (an import of a light module inside a function counts: move what both "
        "sides need into a module below them):\n" + "\n".join(cycles)
    )


def test_the_check_names_a_forbidden_import_with_its_place(tmp_path: Path) -> None:
    # The rules above are only worth something if they fire: a store module importing the
    # query engine inside a function, and two modules importing each other, are both caught.
    store_module = PACKAGE_ROOT / "store" / "example.py"
    fake = tmp_path / "example.py"
    fake.write_text("def f():\n    from heron.query import Query\n    return Query\n")
    known = {**all_modules(), "heron.store.example": store_module}
    found = [
        Import(i.source, i.target, store_module, i.line, i.kind)
        for i in imports_of("heron.store.example", fake, known)
    ]
    assert layer_violations(found) == [
        "heron/store/example.py:2: heron.store.example imports heron.query "
        "(store must not import query)"
    ]
    a, b = PACKAGE_ROOT / "sdk" / "a.py", PACKAGE_ROOT / "sdk" / "b.py"
    loop = [
        Import("heron.sdk.a", "heron.sdk.b", a, 3, "module"),
        Import("heron.sdk.b", "heron.sdk.a", b, 7, "module"),
        Import("heron.sdk.b", "heron.store", b, 8, "function"),
    ]
    assert import_cycles(loop) == [
        "heron.sdk.a (heron/sdk/a.py:3) -> heron.sdk.b (heron/sdk/b.py:7) -> heron.sdk.a"
    ]
    assert import_cycles([loop[0], Import("heron.sdk.b", "heron.sdk.a", b, 7, "typing")]) == []
    # A local import of a light module closes a loop; of a heavy one (pyarrow behind it) not.
    local = Import("heron.sdk.b", "heron.sdk.a", b, 7, "function")
    assert import_cycles(running_imports([loop[0], local])) == [
        "heron.sdk.a (heron/sdk/a.py:3) -> heron.sdk.b (heron/sdk/b.py:7) -> heron.sdk.a"
    ]
    to_tables = Import("heron.store.example", "heron.store.tables", store_module, 4, "function")
    back = Import("heron.store.tables", "heron.store.example", store_module, 9, "module")
    assert import_cycles(running_imports([to_tables, back])) == []
