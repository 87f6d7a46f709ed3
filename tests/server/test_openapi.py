"""The committed HTTP contract (ui/openapi.json and the UI's generated types) matches the app."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

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


def _untyped(node: object, path: str, schemas: dict[str, Any], seen: set[str]) -> list[str]:
    """Paths under ``node`` (following $refs once each) whose values the schema leaves open."""
    if isinstance(node, list):
        return [
            p for i, item in enumerate(node) for p in _untyped(item, f"{path}[{i}]", schemas, seen)
        ]
    if not isinstance(node, dict):
        return []
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _untyped(schemas[name], name, schemas, seen)
    found = []
    if node.get("additionalProperties") is True or not (
        set(node) - {"title", "description", "default"}
    ):
        found.append(path)
    for key in ("properties",):
        for name, child in node.get(key, {}).items():
            found += _untyped(child, f"{path}.{name}", schemas, seen)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
        if isinstance(node.get(key), dict | list):
            found += _untyped(node[key], f"{path}.{key}", schemas, seen)
    return found


def test_query_results_are_typed_to_every_field_the_ui_reads() -> None:
    schemas = json.loads((ROOT / "ui" / "openapi.json").read_text())["components"]["schemas"]
    seen: set[str] = set()
    roots = ["QueryResult", "ColumnsResult", "TableInfo", "ErrorResponse"]
    untyped = [p for name in roots for p in _untyped({"$ref": f"#/{name}"}, name, schemas, seen)]
    # The document as run is echoed back for reuse (a report stores it); no view reads into it.
    assert untyped == ["QueryResult.query.anyOf[0]"]
    assert {"Groups", "GroupRow", "ImageCell", "HistogramSummary", "RunsSummary"} <= seen
