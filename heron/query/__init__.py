"""heron's query engine: an expression language compiled to SQL, and table operations in DuckDB.

``parse`` and the AST are light; everything that touches DuckDB or Arrow (``Query``,
``TableSource``, ``merge``, ``concat``, ``execute``) loads on first use, so ``import heron.query``
stays cheap. The language and the JSON document shapes are documented in docs/query.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from heron.query.nodes import Expr
from heron.query.parser import parse

if TYPE_CHECKING:
    from heron.query.builder import GroupSpec, Query, concat, merge
    from heron.query.document import execute
    from heron.query.engine import Engine
    from heron.query.results import Groups, Page, QueryResult
    from heron.query.source import TableSource

# name -> submodule that defines it; imported on first attribute access.
_LAZY = {
    "Query": "builder",
    "Page": "results",
    "Groups": "results",
    "QueryResult": "results",
    "GroupSpec": "builder",
    "merge": "builder",
    "concat": "builder",
    "execute": "document",
    "Engine": "engine",
    "TableSource": "source",
}

__all__ = [
    "Engine",
    "Expr",
    "GroupSpec",
    "Groups",
    "Page",
    "Query",
    "QueryResult",
    "TableSource",
    "concat",
    "execute",
    "merge",
    "parse",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'heron.query' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"heron.query.{module}"), name)
    globals()[name] = value
    return value
