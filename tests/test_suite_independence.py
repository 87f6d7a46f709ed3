"""No test suite imports another suite's modules: what suites share lives in tests/fixtures.

A suite is a folder under tests/ (server, e2e, wandb, ...). A helper one suite borrowed from
another tied them together: moving or changing it broke a suite its owner never ran.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SHARED = "fixtures"


def _suite_of(path: Path) -> str:
    """The suite a file belongs to: its first folder under tests/, or "" for tests/*.py."""
    parts = path.relative_to(TESTS).parts
    return parts[0] if len(parts) > 1 else ""


def _imported_suites(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, suite) for every ``tests.<suite>`` module the file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from tests import server`` names the suite in the imported names.
            modules = (
                [f"tests.{alias.name}" for alias in node.names]
                if node.module == "tests"
                else [node.module]
            )
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "tests" and len(parts) > 1:
                target = TESTS / parts[1]
                suite = parts[1] if target.is_dir() else ""
                found.append((node.lineno, module, suite))
    return found


def test_no_suite_imports_another_suites_modules() -> None:
    offences = []
    for path in sorted(TESTS.rglob("*.py")):
        own = _suite_of(path)
        for line, module, suite in _imported_suites(path):
            allowed = {SHARED} if own == SHARED else {own, SHARED}
            if suite not in allowed:
                where = path.relative_to(TESTS.parent)
                offences.append(f"{where}:{line} imports {module} (suite {suite or 'tests/'})")
    assert not offences, "move what suites share into tests/fixtures:\n" + "\n".join(offences)


def test_a_borrowed_helper_is_found_with_its_line(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os\nfrom tests.e2e.ui_server import UiServer\nfrom tests import server\n"
        "from tests.fixtures import local\n"
    )
    assert _imported_suites(probe) == [
        (2, "tests.e2e.ui_server", "e2e"),
        (3, "tests.server", "server"),
        (4, "tests.fixtures", "fixtures"),
    ]
