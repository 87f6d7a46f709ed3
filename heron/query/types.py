"""Value types of query columns and expressions, in heron's type vocabulary (docs/table-format.md)."""

from __future__ import annotations

from dataclasses import dataclass

from heron.store.table_format import IMAGE_FIELDS, IMAGE_HASH_FIELD, ColumnType

NUMERIC = ("int", "float")
# json and any are stored as JSON text, so they compare and concatenate like strings.
TEXT = ("string", "json", "any")

# Fields of an image cell, as ``image.field`` reads them in an expression, and their types.
IMAGE_FIELD_TYPES: dict[str, ColumnType] = {f.name: f.type for f in IMAGE_FIELDS}
_DUCKDB_STORAGE = {"string": "VARCHAR", "int32": "INTEGER"}
_DUCKDB_IMAGE = (
    f"STRUCT({', '.join(f'{f.name} {_DUCKDB_STORAGE[f.storage]}' for f in IMAGE_FIELDS)})"
)


def image_hash_sql(sql: str) -> str:
    """SQL for the content hash of the image value ``sql``: what images compare and join on."""
    return f"struct_extract({sql}, '{IMAGE_HASH_FIELD}')"


@dataclass(frozen=True)
class ValueType:
    """The type of a column or expression.

    ``kind`` is a heron type; ``elem`` is the element type of a ``list``; ``runs`` is set on a
    merged table's columns, which hold one value per run (a per-run list of ``kind``).
    """

    kind: ColumnType
    elem: ColumnType | None = None
    runs: int | None = None

    @property
    def per_run(self) -> bool:
        """True for a merged column holding one value per run."""
        return self.runs is not None

    @property
    def numeric(self) -> bool:
        """True for a single int or float value."""
        return self.runs is None and self.kind in NUMERIC

    @property
    def text(self) -> bool:
        """True for a single string-like value (string, json or any)."""
        return self.runs is None and self.kind in TEXT

    def scalar(self) -> ValueType:
        """The type of one run's value of a per-run column."""
        return ValueType(self.kind, self.elem)

    def describe(self) -> str:
        """Wording for error messages, e.g. ``string`` or ``per-run float (3 runs)``."""
        base = f"list<{self.elem}>" if self.kind == "list" and self.elem else self.kind
        if self.runs is not None:
            return f"per-run {base} ({self.runs} runs)"
        return base


NULL = ValueType("null")
BOOL = ValueType("bool")
INT = ValueType("int")
FLOAT = ValueType("float")
STRING = ValueType("string")


def duckdb_type(t: ValueType) -> str:
    """The DuckDB SQL type of a single value of heron type ``t`` (used for typed NULLs)."""
    scalar = {
        "string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN",
        "datetime": "TIMESTAMPTZ", "null": "VARCHAR", "json": "VARCHAR", "any": "VARCHAR",
        "image": _DUCKDB_IMAGE,
    }  # fmt: skip
    if t.kind == "list":
        inner = scalar.get(t.elem or "float", "DOUBLE")
        base = f"{inner}[]"
    else:
        base = scalar[t.kind]
    return f"{base}[]" if t.runs is not None else base


def common_numeric(a: ValueType, b: ValueType) -> ValueType:
    """int with int stays int; anything with a float is float."""
    return INT if a.kind == "int" and b.kind == "int" else FLOAT


def comparable(a: ValueType, b: ValueType) -> bool:
    """Whether ``a`` and ``b`` can be compared with = != < <= > >= (nulls handled by callers)."""
    if a.runs is not None or b.runs is not None:
        return False
    if a.kind == "null" or b.kind == "null":
        return True
    if a.kind in NUMERIC and b.kind in NUMERIC:
        return True
    if a.kind in TEXT and b.kind in TEXT:
        return True
    return a.kind == b.kind and a.kind in ("bool", "datetime", "image")


def unify(types: list[ValueType]) -> ValueType | None:
    """The one type values of ``types`` can share (for coalesce, lists, in), or None."""
    known = [t for t in types if t.kind != "null"]
    if not known:
        return NULL
    first = known[0]
    if all(t.numeric for t in known):
        return FLOAT if any(t.kind == "float" for t in known) else INT
    if all(t.text for t in known):
        return first if all(t == first for t in known) else STRING
    if all(t == first for t in known):
        return first
    return None
