"""The committed HTTP contract (ui/openapi.json and the UI's generated types) matches the app."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
FIX = "the HTTP contract changed: run `make openapi` and commit ui/openapi.json and ui/src/api/schema.d.ts"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("openapi_script", ROOT / "scripts" / "openapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_openapi_json_matches_the_app() -> None:
    generator = _generator()
    committed = (ROOT / "ui" / "openapi.json").read_text()
    assert committed == generator.current_schema(), FIX


def test_typescript_types_were_generated_from_that_json() -> None:
    generator = _generator()
    committed = (ROOT / "ui" / "openapi.json").read_text()
    first_line = (ROOT / "ui" / "src" / "api" / "schema.d.ts").read_text().splitlines()[0]
    assert first_line == generator.HEADER + generator.schema_hash(committed), FIX
