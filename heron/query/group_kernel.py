"""Grouped summaries counted by compiled loops over a loaded table's arrays.

DuckDB keeps one job here: it evaluates the filter (``SELECT __ord ... WHERE``), so there is one
filter evaluator. The loops of heron.query.kernels then count over the kept positions what the
statements of heron.query.groups would aggregate: rows per group, and per column each group's
min/mean/max, null and non-finite counts, histogram, first image positions, value counts. The
images themselves are fetched by position as the DuckDB path fetches them, and the result is
assembled by the same code. Measured on 1M rows x 11 numeric columns, two cores: ~25 ms of
counting where the grouped DuckDB statement takes ~140 ms.

It applies when the table's arrays are ready (heron.query.arrays), the keys are coded string
columns and every summarised column is a stored scalar column the arrays hold; anything else
(derived columns, per-run columns, dates, lists, strings without codes) returns None and the
caller runs the DuckDB path. Means are summed in row order and may differ from DuckDB's in the
last bits; every count, min and max is exact.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from heron.query.arrays import TableArrays, kernel_enabled, ready_kernels
from heron.query.bins import bin_scale
from heron.query.group_targets import (
    Target,
    coded_keys,
    kept_ranges,
    known_ranges,
    stored_columns,
    summary_targets,
)
from heron.query.groups import assemble_groups, fetch_images, group_edges, hashable
from heron.query.jsonify import json_value
from heron.query.relation import ORD

if TYPE_CHECKING:
    import numpy as np

    from heron.query.builder import GroupSpec
    from heron.query.engine import Engine
    from heron.query.plan import Plan
    from heron.query.results import Groups

# At most this many combined key codes (the product of the keys' code spaces), and counters
# per page for a categorical column's values: beyond them the DuckDB path groups instead.
MAX_KEY_SPACE = 1 << 20
MAX_VALUE_CELLS = 1 << 22
# Chosen image positions spanning fewer rows than this are read as one range of rows.
MAX_IMAGE_SPAN = 4096

_pool: ThreadPoolExecutor | None = None


def _threads() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        workers = max(1, min(4, os.cpu_count() or 1))
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="heron-count")
    return _pool


def kernel_groups(engine: Engine, plan: Plan, spec: GroupSpec, deadline: float) -> Groups | None:
    """The grouping ``spec`` over ``plan`` counted by the loops, or None when they do not apply
    (then the caller groups in DuckDB)."""
    kernels = ready_kernels()
    if kernels is None or not engine.use_kernel or not kernel_enabled():
        return None
    arrays = engine.tables.arrays(plan.relation)
    if arrays is None:
        return None
    import numpy as np

    stored = stored_columns(plan)
    keys = [plan.key_ref(name, field="group.by") for name in spec.by]
    key_names = [stored.get(k.sql) for k in keys]
    if not keys or any(k.code is None for k in keys):
        return None
    key_arrays = [arrays.codes[n] for n in key_names if n is not None and n in arrays.codes]
    width = len(plan.relation.code_values) + 1
    if len(key_arrays) != len(keys) or width ** len(keys) > MAX_KEY_SPACE:
        return None
    targets = summary_targets(plan.outputs, spec.by)
    names: dict[int, str] = {}
    for t in targets:
        name = stored.get(t.sql)
        if t.kind == "none" or (t.kind == "values" and spec.top_n <= 0):
            continue
        if t.run is not None or name is None or not _holds(arrays, t, name):
            return None
        if t.kind == "values" and width * min(spec.limit, width ** len(keys)) > MAX_VALUE_CELLS:
            return None
        names[id(t)] = name

    engine.tally("kernel")
    space = width ** len(keys)
    key = key_arrays[0] if len(keys) == 1 else _combined(key_arrays, width)
    use_sel = plan.where != "TRUE"
    numeric = [t for t in targets if t.kind == "histogram"]
    # The filter's effect on the ranges is looked up on the rows holding the table's extremes
    # (a statement of its own) while DuckDB finds the kept positions.
    kept = _threads().submit(kept_ranges, engine, plan, numeric, deadline) if use_sel else None
    if use_sel:
        sql = f"SELECT t.{ORD} AS o FROM {plan.from_sql} WHERE {plan.where}"
        found = engine.run(sql, plan.params.values, deadline=deadline).column("o")
        # A writable copy: the loops are compiled for writable arrays.
        sel = np.array(found.to_numpy(), dtype=np.int64)
    else:
        sel = np.zeros(0, np.int64)
    counts = kernels.key_counts(key, sel, use_sel, space)
    present = np.flatnonzero(counts)
    page_codes = present[spec.offset : spec.offset + spec.limit]
    slots = np.full(space, -1, np.int32)
    slots[page_codes] = np.arange(len(page_codes), dtype=np.int32)
    page_keys = [_split(int(c), width, len(keys)) for c in page_codes]
    page = [(k, int(counts[c])) for k, c in zip(page_keys, page_codes, strict=True)]
    total_rows = int(sel.shape[0]) if use_sel else arrays.rows
    total_groups = len(present)
    if not page:
        # As the DuckDB path reports a page past the last group: its totals come with its rows.
        total_groups = total_rows = 0

    edges: dict[int, list[float]] = {}
    known = {} if kept is None else kept.result()
    if page:
        edges = group_edges(numeric, _ranges(engine, plan, numeric, arrays, names, kernels,
                                             sel, use_sel, known), spec.bins)  # fmt: skip
    summaries: dict[tuple[Any, ...], dict[int, dict[str, Any]]] = {
        hashable(k): {} for k in page_keys
    }
    wanted: dict[tuple[tuple[Any, ...], int], list[int]] = {}
    n_slots = len(page)
    space_values = list(plan.relation.code_values)

    def count(t: Target) -> None:
        name = names[id(t)]
        if t.kind == "histogram":
            _numeric(kernels, arrays, name, t, sel, use_sel, key, slots, n_slots,
                     edges.get(id(t)), page_keys, summaries)  # fmt: skip
        elif t.kind == "images":
            _images(kernels, arrays, name, t, sel, use_sel, key, slots, n_slots,
                    spec.images_per_group, page_keys, summaries, wanted,
                    [c for _, c in page])  # fmt: skip
        else:
            _values(kernels, arrays, name, t, sel, use_sel, key, slots, n_slots, width,
                    space_values, spec.top_n, page_keys, summaries)  # fmt: skip

    if page:
        # Each loop releases the GIL: the columns are counted side by side.
        list(_threads().map(count, [t for t in targets if id(t) in names]))
    engine.check_deadline(deadline)
    if any(wanted.values()):
        images = [t for t in targets if t.kind == "images" and id(t) in names]
        _fetch_images(engine, plan, keys, images, wanted, summaries, deadline)
    _, key_values = coded_keys(plan, keys)
    return assemble_groups(plan, spec, keys, key_values, targets, page, summaries, edges,
                           total_groups, total_rows)  # fmt: skip


def _fetch_images(
    engine: Engine, plan: Plan, keys: list[Any], images: list[Target],
    wanted: dict[tuple[tuple[Any, ...], int], list[int]],
    out: dict[tuple[Any, ...], dict[int, dict[str, Any]]], deadline: float,
) -> None:  # fmt: skip
    """Fill in the images at the chosen positions. In one table a position is one row, so
    when they span few rows (the first images of each group usually do) those rows are read
    as a range, without the filter or a list lookup: half the time of the general fetch."""
    ords = sorted({o for chosen in wanted.values() for o in chosen})
    if ords[-1] - ords[0] >= MAX_IMAGE_SPAN:
        key_select = ", ".join(f"{sql} AS g{i}" for i, sql in enumerate(coded_keys(plan, keys)[0]))
        fetch_images(engine, plan, images, key_select, len(keys), wanted, out, deadline)
        return
    cols = ", ".join(f"{t.sql} AS {t.alias}" for t in images)
    # Positions are heron's own integers.
    sql = (
        f"SELECT t.{ORD} AS o, {cols} FROM {plan.from_sql} "
        f"WHERE t.{ORD} BETWEEN {int(ords[0])} AND {int(ords[-1])}"
    )
    rows = engine.run(sql, [], deadline=deadline).to_pylist()
    by_position = {row["o"]: row for row in rows}
    for (key, target_id), chosen in wanted.items():
        alias = next(t.alias for t in images if id(t) == target_id)
        picked = [by_position.get(o, {}).get(alias) for o in chosen]
        out[key][target_id]["images"] = json_value([p for p in picked if p is not None])


def _holds(arrays: TableArrays, t: Target, name: str) -> bool:
    """True when the arrays hold what target ``t`` (of stored column ``name``) is counted on."""
    if t.kind == "histogram":
        return name in arrays.numbers
    if t.kind == "images":
        return name in arrays.images
    return t.kind == "values" and name in arrays.codes


def _combined(key_arrays: list[np.ndarray], width: int) -> np.ndarray:
    """One code per row for several keys, ordered as the keys' codes are, the first key first."""
    import numpy as np

    out = key_arrays[0].astype(np.int64)
    for more in key_arrays[1:]:
        out = out * width + more
    return out


def _split(code: int, width: int, n: int) -> tuple[Any, ...]:
    """A combined code back into each key's code (None for the null key's sentinel)."""
    parts: list[Any] = []
    for _ in range(n):
        code, one = divmod(code, width)
        parts.append(None if one == width - 1 else one)
    return tuple(reversed(parts))


def _ranges(
    engine: Engine, plan: Plan, numeric: list[Target], arrays: TableArrays, names: dict[int, str],
    kernels: Any, sel: np.ndarray, use_sel: bool, kept: dict[str, tuple[float, float] | None],
) -> dict[str, tuple[float, float] | None]:  # fmt: skip
    """Each numeric column's finite range over the kept rows: the table's own when every row is
    kept or the filter keeps its extremes (``kept``, from ``kept_ranges``), else counted."""
    if not use_sel:
        known = known_ranges(engine, plan, numeric)
        if known is not None:
            return known
    ranges = dict(kept)
    missing = [t for t in numeric if t.column not in ranges]

    def scan(t: Target) -> tuple[float, float]:
        lo, hi = kernels.finite_range(arrays.numbers[names[id(t)]], sel, use_sel)
        return float(lo), float(hi)

    # Side by side, as the columns' counts are.
    for t, (lo, hi) in zip(missing, _threads().map(scan, missing), strict=True):
        ranges[t.column] = (lo, hi) if lo <= hi else None
    return ranges


def _numeric(
    kernels: Any, arrays: TableArrays, name: str, t: Target, sel: np.ndarray, use_sel: bool,
    key: np.ndarray, slots: np.ndarray, n_slots: int, edges: list[float] | None,
    page_keys: list[tuple[Any, ...]], out: dict[tuple[Any, ...], dict[int, dict[str, Any]]],
) -> None:  # fmt: skip
    import numpy as np

    x = arrays.numbers[name]
    nulls = arrays.nulls.get(name)
    n_bins = 0 if edges is None else len(edges) - 1
    lo = 0.0 if edges is None else edges[0]
    scale = 0.0 if edges is None else bin_scale(edges[0], edges[-1], n_bins)
    count = np.zeros(n_slots, np.int64)
    low = np.full(n_slots, np.inf)
    high = np.full(n_slots, -np.inf)
    total = np.zeros(n_slots)
    null = np.zeros(n_slots, np.int64)
    bad = np.zeros(n_slots, np.int64)
    hist = np.zeros(max(n_slots * n_bins, 1), np.int64)
    flags = np.zeros(1, np.uint8) if nulls is None else nulls
    kernels.numeric_groups(x, flags, nulls is not None, sel, use_sel, key, slots, lo, scale,
                           n_bins, count, low, high, total, null, bad, hist)  # fmt: skip
    for s, k in enumerate(page_keys):
        n = int(count[s])
        out[hashable(k)][id(t)] = {
            "kind": "histogram",
            "counts": [int(c) for c in hist[s * n_bins : (s + 1) * n_bins]],
            "min": json_value(float(low[s])) if n else None,
            "mean": json_value(float(total[s]) / n) if n else None,
            "max": json_value(float(high[s])) if n else None,
            "nulls": int(null[s]),
            "non_finite": int(bad[s]),
        }


def _images(
    kernels: Any, arrays: TableArrays, name: str, t: Target, sel: np.ndarray, use_sel: bool,
    key: np.ndarray, slots: np.ndarray, n_slots: int, per_group: int,
    page_keys: list[tuple[Any, ...]], out: dict[tuple[Any, ...], dict[int, dict[str, Any]]],
    wanted: dict[tuple[tuple[Any, ...], int], list[int]], sizes: list[int],
) -> None:  # fmt: skip
    import numpy as np

    nulls = arrays.nulls.get(name)
    # present = not null; a column without nulls needs no flags at all
    present = np.zeros(1, np.uint8) if nulls is None else np.logical_not(nulls).view(np.uint8)
    k = max(per_group, 0)
    count = np.zeros(n_slots, np.int64)
    first = np.full(max(n_slots * k, 1), -1, np.int64)
    # Without nulls each group's image count is its row count (``sizes``): the walk only has to
    # find the first positions, and the kept positions come ascending (heron.query.arrays).
    dense = nulls is None
    if not (dense and k == 0):
        kernels.first_rows(sel, use_sel, key, slots, present, not dense, k, count, first, dense)
    for s, group in enumerate(page_keys):
        n = sizes[s] if dense else int(count[s])
        out[hashable(group)][id(t)] = {"kind": "images", "total": n, "images": []}
        wanted[(hashable(group), id(t))] = [int(o) for o in first[s * k : s * k + min(n, k)]]


def _values(
    kernels: Any, arrays: TableArrays, name: str, t: Target, sel: np.ndarray, use_sel: bool,
    key: np.ndarray, slots: np.ndarray, n_slots: int, width: int, space: list[Any], top_n: int,
    page_keys: list[tuple[Any, ...]], out: dict[tuple[Any, ...], dict[int, dict[str, Any]]],
) -> None:  # fmt: skip
    import numpy as np

    cells = np.zeros(n_slots * width, np.int64)
    kernels.code_counts(arrays.codes[name], sel, use_sel, key, slots, width, cells)
    for s, group in enumerate(page_keys):
        row = cells[s * width : (s + 1) * width]
        counted = [(None if c == width - 1 else space[c], int(row[c])) for c in np.flatnonzero(row)]
        # As heron.query.groups orders them: count descending, then value, null last.
        counted.sort(key=lambda vc: (-vc[1], vc[0] is None, vc[0]))
        top = [{"value": json_value(v), "count": c} for v, c in counted[:top_n]]
        out[hashable(group)][id(t)] = {
            "kind": "values", "values": top, "other": 0, "distinct": len(counted),
        }  # fmt: skip
