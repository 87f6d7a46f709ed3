"""JSON query documents: what the HTTP API and the UI send, and what reports store.

``execute(document, sources)`` is the whole engine behind one call; the document and result
shapes are written down in docs/query.md. Documents are untrusted input: every field is checked
and any mistake is a QueryError.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from heron.errors import QueryError
from heron.query.builder import Query, concat, merge
from heron.query.engine import Engine, default_engine
from heron.query.nodes import Binary, Expr
from heron.query.parser import parse
from heron.query.plan import Origin, filter_field
from heron.query.results import QueryResult
from heron.query.source import TableSource

DOCUMENT_KEYS = {"version", "merge", "filter", "columns", "sort", "select", "group", "page"}
GROUP_KEYS = {"by", "top_n", "bins", "images_per_group", "offset", "limit"}


@contextmanager
def part(field: str) -> Iterator[None]:
    """Blame ``field`` (a path into the document) for a QueryError raised within, unless the
    error already names a more precise part."""
    try:
        yield
    except QueryError as error:
        raise error.within(field) from None


def _expr(value: Any, where: str) -> Expr:
    with part(where):
        if isinstance(value, str):
            return parse(value)
        if isinstance(value, dict):
            return Expr.from_json(value)
    raise QueryError(f"{where} must be expression text or an AST object", field=where)


def _obj(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise QueryError(f"{where} must be an object", field=where)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise QueryError(f"{where} has unknown field(s): {', '.join(unknown)}", field=where)
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise QueryError(f"{where} must be a string", field=where)
    return value


def _origin_query(spec: Any, sources: Sequence[TableSource], engine: Engine | None) -> Query:
    if not sources:
        raise QueryError("a query needs at least one table")
    for s in sources:
        if not isinstance(s, TableSource):
            raise QueryError("sources must be TableSource objects")
    if spec is None:
        spec = {"mode": "table"} if len(sources) == 1 else {"mode": "join"}
    spec = _obj(spec, "merge", {"mode", "on", "how", "source_column", "index"})
    mode = spec.get("mode", "join")
    if mode == "table":
        if len(sources) != 1:
            raise QueryError(
                f'merge mode "table" needs one table, got {len(sources)}', field="merge.mode"
            )
        return Query(sources[0], engine=engine)
    if mode == "join":
        on = spec.get("on")
        if on is not None:
            on = _str(on, "merge.on")
        how = spec.get("how", "inner")
        if how not in ("inner", "outer"):
            raise QueryError('merge.how must be "inner" or "outer"', field="merge.how")
        return merge(sources, on=on, how=how, engine=engine)
    if mode == "concat":
        column = _str(spec.get("source_column", "source"), "merge.source_column")
        return concat(sources, source_column=column, engine=engine)
    if mode == "side_by_side":
        index = spec.get("index")
        if index is None:
            raise QueryError(
                "side_by_side needs an index (or use execute's runs result)", field="merge.index"
            )
        if not isinstance(index, int) or isinstance(index, bool):
            raise QueryError("merge.index must be an integer", field="merge.index")
        with part("merge.index"):
            return Query(Origin("table", tuple(sources)), engine=engine).side_by_side(index)
    raise QueryError(
        f'unknown merge mode {mode!r}; use "table", "join", "concat" or "side_by_side"',
        field="merge.mode",
    )


def query_from_document(
    doc: Any, sources: Sequence[TableSource], engine: Engine | None = None
) -> Query:
    """Build a :class:`Query` from a JSON query document over ``sources``."""
    doc = _obj(doc, "the query document", DOCUMENT_KEYS)
    version = doc.get("version", 1)
    if version != 1:
        raise QueryError(f"unsupported query document version {version!r}", field="version")
    q = _origin_query(doc.get("merge"), sources, engine)
    derived = doc.get("columns") or []
    if not isinstance(derived, list):
        raise QueryError("columns must be a list of {name, expr}", field="columns")
    for i, col in enumerate(derived):
        col = _obj(col, f"columns[{i}]", {"name", "expr"})
        q = q.add_column(_str(col.get("name"), f"columns[{i}].name"),
                         _expr(col.get("expr"), f"columns[{i}].expr"))  # fmt: skip
    flt = doc.get("filter")
    # Filters are named as the query names them when it compiles (plan.filter_field).
    filters = flt if isinstance(flt, list) else ([] if flt is None else [flt])
    kept = [f for f in filters if not (isinstance(f, str) and not f.strip())]
    for i, f in enumerate(kept):  # an empty filter box means no filter
        q = q.filter(_expr(f, filter_field(i, len(kept))))
    sorts = doc.get("sort") or []
    if not isinstance(sorts, list):
        raise QueryError("sort must be a list of {column, descending}", field="sort")
    for i, s in enumerate(sorts):
        s = _obj(s, f"sort[{i}]", {"column", "descending"})
        desc = s.get("descending", False)
        if not isinstance(desc, bool):
            raise QueryError(
                f"sort[{i}].descending must be true or false", field=f"sort[{i}].descending"
            )
        q = q.sort(_str(s.get("column"), f"sort[{i}].column"), descending=desc)
    select = doc.get("select")
    if select is not None:
        if not isinstance(select, list):
            raise QueryError("select must be a list of column names", field="select")
        q = q.select([_str(c, f"select[{i}]") for i, c in enumerate(select)])
    group = doc.get("group")
    if group is not None:
        group = _obj(group, "group", GROUP_KEYS)
        by = group.get("by")
        if isinstance(by, str):
            by = [by]
        if not isinstance(by, list) or not by:
            raise QueryError(
                "group.by must be a column name or a non-empty list of them", field="group.by"
            )
        options = {k: group[k] for k in GROUP_KEYS - {"by"} if k in group}
        names = [_str(b, "group.by") for b in by]
        # An option of the wrong type (a string for bins) blames the group as a whole.
        with part("group"):
            q = q.group_by(*names, **options)
    return q


def _page_args(doc: dict[str, Any]) -> tuple[int, int]:
    page = doc.get("page")
    if page is None:
        return 0, 50
    page = _obj(page, "page", {"offset", "size"})
    # Query.page checks both, naming page.offset or page.size.
    return page.get("offset", 0), page.get("size", 50)


def query_to_document(q: Query) -> dict[str, Any]:
    """The JSON query document of ``q`` (filters combined with and, as an AST)."""
    doc: dict[str, Any] = {"version": 1, "merge": q.origin.to_json()}
    if q.filters:
        # Paired up level by level: a chain of hundreds of filters would nest past what the AST
        # may (nodes.MAX_DEPTH) and past Python's recursion limit.
        level = list(q.filters)
        while len(level) > 1:
            pairs = [Binary("and", a, b) for a, b in zip(level[::2], level[1::2], strict=False)]
            level = pairs + ([level[-1]] if len(level) % 2 else [])
        doc["filter"] = level[0].to_json()
    if q.derived:
        doc["columns"] = [{"name": d.name, "expr": d.expr.to_json()} for d in q.derived]
    if q.sorts:
        doc["sort"] = [{"column": s.column, "descending": s.descending} for s in q.sorts]
    if q.selected is not None:
        doc["select"] = list(q.selected)
    if q.grouping is not None:
        doc["group"] = q.grouping.to_json()
    return doc


def execute(
    document: dict[str, Any], sources: list[TableSource], *, engine: Engine | None = None
) -> QueryResult:
    """Run a JSON query document over ``sources``; return its typed result.

    With ``merge.mode = "side_by_side"`` and no index, the result holds one result per run in
    ``runs``. Every failure is a :class:`heron.errors.QueryError` naming the part of the
    document at fault (``field``) and the position in its expression when there is one.
    """
    if not isinstance(document, dict):
        raise QueryError("the query document must be an object")
    engine = engine or default_engine()
    # The time limit covers reading and checking the document too, not only running it.
    deadline = time.monotonic() + engine.timeout
    spec = document.get("merge")
    labels = [s.label for s in sources]
    if isinstance(spec, dict) and spec.get("mode") == "side_by_side" and spec.get("index") is None:
        results = []
        for i in range(len(sources)):
            doc = {**document, "merge": {"mode": "side_by_side", "index": i}}
            results.append(execute(doc, sources, engine=engine))
        return QueryResult.model_construct(runs=results, labels=labels)
    try:
        q = query_from_document(document, sources, engine)
        engine.check_deadline(deadline)
        offset, size = _page_args(document)
        page = q.page(offset, size, deadline=deadline)
    except QueryError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # A document shape nobody anticipated: still a bad query, not a server crash.
        raise QueryError(f"invalid query: {exc}") from None
    # The page's fields are heron's own JSON-ready values: taken over as they are.
    return QueryResult.model_construct(
        **page.to_json(),
        labels=[s.label for s in q.origin.sources],
        query=q.to_document(),
        runs=None,
    )
