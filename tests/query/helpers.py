"""Test tables written the way docs/table-format.md describes, plus pandas twins of them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from heron.query import Page, TableSource

CLASSES = [
    "Amphibia", "Animalia", "Arachnida", "Aves", "Fungi",
    "Insecta", "Mammalia", "Mollusca", "Plantae", "Reptilia",
]  # fmt: skip

IMAGE_TYPE = pa.struct(
    [
        ("sha256", pa.string()),
        ("format", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("caption", pa.string()),
        ("overlays", pa.string()),
    ]
)

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
    "datetime": pa.timestamp("us", tz="UTC"), "json": pa.string(), "any": pa.string(),
    "image": IMAGE_TYPE, "null": pa.null(),
}  # fmt: skip


def image_ref(key: int | str, size: int = 64) -> dict[str, Any]:
    """An image cell referring to the (fake) image number ``key``."""
    digest = hashlib.sha256(f"image-{key}".encode()).hexdigest()
    return {"sha256": digest, "format": "png", "width": size, "height": size,
            "caption": None, "overlays": None}  # fmt: skip


def write_table(
    directory: Path,
    columns: list[tuple[str, str]],
    data: dict[str, list[Any]],
    label: str,
    parts: int = 1,
    list_type: pa.DataType | None = None,
) -> TableSource:
    """Write ``data`` as ``parts`` Parquet files with heron's schema metadata."""
    fields = []
    for name, typ in columns:
        arrow = (list_type or pa.list_(pa.float64())) if typ == "list" else ARROW_TYPES[typ]
        fields.append(pa.field(name, arrow, metadata={"heron.type": typ}))
    schema = pa.schema(fields, metadata={"heron.table": "v1"})
    table = pa.Table.from_pydict({n: data[n] for n, _ in columns}, schema=schema)
    directory.mkdir(parents=True, exist_ok=True)
    n = table.num_rows
    bounds = np.linspace(0, n, parts + 1).astype(int)
    paths = []
    for i in range(parts):
        path = directory / f"part-{i:05d}.parquet"
        pq.write_table(table.slice(bounds[i], bounds[i + 1] - bounds[i]), path, compression="zstd")
        paths.append(path)
    return TableSource(paths, columns, label)


PREDICTION_COLUMNS = [
    ("id", "int"), ("image", "image"), ("guess", "string"), ("truth", "string"),
    *[(f"score_{c}", "float") for c in CLASSES],
]  # fmt: skip


def predictions(
    rng: np.random.Generator, n: int, image_ids: list[int] | None = None, accuracy: float = 0.7
) -> dict[str, list[Any]]:
    """A validation-predictions table like the walkthrough's: id, image, guess, truth, scores."""
    ids = image_ids if image_ids is not None else list(range(n))
    truth = rng.integers(0, len(CLASSES), len(ids))
    scores = rng.dirichlet(np.ones(len(CLASSES)) * 0.5, len(ids))
    right = rng.random(len(ids)) < accuracy
    scores[right, truth[right]] += 1.0
    scores = scores / scores.sum(axis=1, keepdims=True)
    guess = scores.argmax(axis=1)
    data: dict[str, list[Any]] = {
        "id": [int(i) for i in ids],
        "image": [image_ref(i) for i in ids],
        "guess": [CLASSES[g] for g in guess],
        "truth": [CLASSES[t] for t in truth],
    }
    for j, c in enumerate(CLASSES):
        data[f"score_{c}"] = [float(x) for x in scores[:, j]]
    return data


def frame(data: dict[str, list[Any]]) -> pd.DataFrame:
    """The pandas reference twin of a table (image cells kept as dicts)."""
    return pd.DataFrame(data)


def json_roundtrip(value: Any) -> Any:
    """Assert a result (a typed page or result, or plain data) is strict JSON and return it
    parsed back."""
    if isinstance(value, Page):
        value = value.to_json()
    return json.loads(json.dumps(value, allow_nan=False))
