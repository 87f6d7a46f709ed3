"""Turning the values a W&B run logged into heron's: images, tables, joined tables, histograms,
image lists.

W&B writes a media value as a dict with ``_type`` (``image-file``, ``table-file``,
``histogram``, ``images/separated``...) whose paths point at files in the run's ``files/``
directory or, for tables, inside an artifact W&B logs alongside (``run-<id>-<key>``). A
:class:`FileSource` finds those files on this machine; each converter returns the heron object,
or raises :class:`Unimportable` with the reason the value is left out (reported, never silent).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import HeronError
from heron.sdk.media import Histogram, Image
from heron.sdk.table import Table
from heron.wandb.data_types import JoinedTable

if TYPE_CHECKING:
    import numpy.typing as npt

# W&B media kinds heron has no counterpart for (yet): they are reported as skipped.
_UNSUPPORTED_KINDS = {
    "audio-file": "audio",
    "video-file": "video",
    "html-file": "HTML",
    "object3D-file": "3-D objects",
    "molecule-file": "molecules",
    "plotly-file": "Plotly charts",
    "bokeh-file": "Bokeh charts",
    "graph-file": "model graphs",
    "partitioned-table": "partitioned tables",
}
# What W&B 0.31+ writes into a run's own table file for a media cell: only the class name,
# the real cell being in the table's artifact copy.
_STUB_CELLS = {"Image", "Audio", "Video", "Html", "Object3D", "Molecule", "Plotly", "Bokeh"}


class Unimportable(Exception):
    """A logged value heron cannot bring over; the message says why."""


class FileSource:
    """Where the files a W&B value names (``media/images/x.png``) are on this machine.

    Either a directory (a run's ``files/``) or a mapping from artifact paths to local files.
    """

    def __init__(
        self, label: str, *, root: Path | None = None, files: Mapping[str, Path] | None = None
    ) -> None:
        self.label = label
        self.root = root.resolve() if root is not None else None
        self.files = dict(files or {})

    def locate(self, relative: str) -> Path:
        """The local file for ``relative``; Unimportable if it is not here."""
        local = self.files.get(relative)
        if local is None and self.root is not None:
            candidate = self.root / relative
            # W&B's paths are relative; one that escapes the directory is not trusted.
            if candidate.resolve().is_relative_to(self.root):
                local = candidate
        if local is None or not local.is_file():
            raise Unimportable(f"file {relative!r} is not in {self.label}")
        return local

    def read_json(self, relative: str) -> Any:
        """A JSON file of this source, parsed."""
        path = self.locate(relative)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise Unimportable(f"{path} is not readable JSON: {error}") from None


def kind_of(value: Any) -> str | None:
    """The W&B media kind of a logged value (``image-file``...), or None for plain values."""
    if isinstance(value, dict) and isinstance(value.get("_type"), str):
        return str(value["_type"])
    return None


def unsupported_reason(kind: str) -> str:
    """Why a W&B media kind is not imported."""
    what = _UNSUPPORTED_KINDS.get(kind, kind)
    return f"W&B {what} ({kind}): heron has no counterpart"


def histogram(value: Mapping[str, Any]) -> Histogram:
    """A W&B histogram (``values`` per bin and ``bins`` edges, or packed bins) as heron's."""
    counts = value.get("values")
    edges = value.get("bins")
    packed = value.get("packedBins")
    if isinstance(packed, Mapping) and edges is None:
        start, size, count = packed.get("min"), packed.get("size"), packed.get("count")
        if not (
            isinstance(start, int | float)
            and isinstance(size, int | float)
            and isinstance(count, int)
        ):
            raise Unimportable("histogram with malformed packedBins")
        edges = [float(start) + float(size) * i for i in range(count + 1)]
    if not isinstance(counts, list) or not isinstance(edges, list):
        raise Unimportable("histogram without values/bins")
    try:
        return Histogram(np_histogram=(counts, edges))
    except HeronError as error:
        raise Unimportable(f"histogram: {error.message}") from None


def image(
    value: Mapping[str, Any],
    source: FileSource,
    *,
    classes: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
    where: str = "image",
) -> Image:
    """A W&B ``image-file`` value as a heron Image: the same file bytes, caption, boxes, masks.

    Boxes or masks heron rejects (e.g. outside the image) are dropped with a note in ``notes``;
    the image itself is kept.
    """
    path = value.get("path")
    if not isinstance(path, str):
        raise Unimportable("image without a path")
    local = source.locate(path)
    caption = value.get("caption")
    caption = caption if isinstance(caption, str) else None
    labels = dict(classes or {})
    classes_ref = value.get("classes")
    if isinstance(classes_ref, Mapping) and isinstance(classes_ref.get("path"), str):
        labels.update(_class_set(source.read_json(classes_ref["path"])))
    boxes = _boxes(value.get("boxes"), source, labels)
    masks = _masks(value.get("masks"), source, labels)
    try:
        if boxes or masks:
            try:
                return Image(
                    local, caption=caption, boxes=boxes or None, masks=masks or None,
                    classes=labels or None,
                )  # fmt: skip
            except HeronError as error:
                if notes is not None:
                    notes.append(f"{where}: boxes/masks left out: {error.message}")
        return Image(local, caption=caption)
    except HeronError as error:
        raise Unimportable(error.message) from None


def _class_set(document: Any) -> dict[str, str]:
    items = document.get("class_set") if isinstance(document, Mapping) else None
    if not isinstance(items, list):
        return {}
    return {
        str(item["id"]): str(item.get("name", item["id"]))
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("id"), int)
    }


def _boxes(
    boxes: Any, source: FileSource, labels: dict[str, str]
) -> dict[str, dict[str, Any]] | None:
    """W&B boxes by group: inline lists (in tables) or ``boxes2D`` files (logged images)."""
    if not isinstance(boxes, Mapping) or not boxes:
        return None
    groups: dict[str, dict[str, Any]] = {}
    for group, spec in boxes.items():
        if isinstance(spec, list):
            groups[str(group)] = {"box_data": spec, "class_labels": labels}
        elif isinstance(spec, Mapping) and isinstance(spec.get("path"), str):
            document = source.read_json(spec["path"])
            if isinstance(document, Mapping) and isinstance(document.get("box_data"), list):
                own = document.get("class_labels")
                merged = {**labels, **(own if isinstance(own, Mapping) else {})}
                groups[str(group)] = {"box_data": document["box_data"], "class_labels": merged}
    return groups or None


def _masks(
    masks: Any, source: FileSource, labels: dict[str, str]
) -> dict[str, dict[str, Any]] | None:
    """W&B masks by name: PNG files of class ids."""
    if not isinstance(masks, Mapping) or not masks:
        return None
    named: dict[str, dict[str, Any]] = {}
    for name, spec in masks.items():
        if isinstance(spec, Mapping) and isinstance(spec.get("path"), str):
            named[str(name)] = {
                "mask_data": _mask_array(source.locate(spec["path"])),
                "class_labels": labels,
            }
    return named or None


def _mask_array(path: Path) -> npt.NDArray[Any]:
    import numpy as np
    from PIL import Image as PILImage

    try:
        with PILImage.open(path) as mask:
            array = np.asarray(mask)
    except OSError as error:
        raise Unimportable(f"mask {path} is not a readable PNG: {error}") from None
    return array[..., 0] if array.ndim == 3 else array


def image_list(value: Mapping[str, Any], source: FileSource) -> list[Image]:
    """A list of images (``images/separated``) as heron Images, with their captions."""
    names = value.get("filenames")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise Unimportable("image list without filenames")
    captions = value.get("captions")
    caption_list = captions if isinstance(captions, list) else []
    images = []
    for index, name in enumerate(names):
        caption = caption_list[index] if index < len(caption_list) else None
        try:
            images.append(
                Image(source.locate(name), caption=caption if isinstance(caption, str) else None)
            )
        except HeronError as error:
            raise Unimportable(f"image {index}: {error.message}") from None
    return images


def table(
    document: Any,
    source: FileSource,
    *,
    notes: list[str],
    where: str,
    into: Table | None = None,
    incremental: bool = False,
) -> Table:
    """A W&B table document (``columns``, ``data``, ``column_types``) as a heron Table.

    Image cells become heron Images with their file's bytes; arrays W&B kept in ``.npz`` files
    become list cells; a column mixing kinds of values is typed ``any``; cells of media heron
    lacks become null, with a note. ``incremental`` makes an incremental table; with ``into``
    (one made before: W&B logs each increment's rows alone) the rows are added to it, and it
    is returned.
    """
    names, rows = _table_rows(document, source, notes=notes, where=where)
    try:
        if into is None:
            return Table(
                columns=names,
                data=rows,
                dtypes=_column_dtypes(names, rows) or None,
                mode="incremental" if incremental else None,
            )
        if into.columns != names:
            raise Unimportable(f"increment has columns {names}, the table {into.columns}")
        for row in rows:
            into.add_data(*row)
        return into
    except HeronError as error:
        raise Unimportable(error.message) from None


def joined_table(document: Any, load: Callable[[str], Table]) -> Table:
    """A W&B joined table (``table1``, ``table2``, ``join_key``) as the joined table heron's
    ``JoinedTable`` makes; ``load`` reads a table by its path next to the document."""
    if not isinstance(document, Mapping):
        raise Unimportable("joined table file is not a JSON object")
    first, second, key = (document.get(k) for k in ("table1", "table2", "join_key"))
    if not isinstance(first, str) or not isinstance(second, str) or key is None:
        raise Unimportable("joined table without table1, table2 and join_key")
    try:
        return JoinedTable(load(first), load(second), key)
    except HeronError as error:
        raise Unimportable(f"joined table: {error.message}") from None


def _table_rows(
    document: Any, source: FileSource, *, notes: list[str], where: str
) -> tuple[list[str], list[list[Any]]]:
    if not isinstance(document, Mapping):
        raise Unimportable("table file is not a JSON object")
    columns = document.get("columns")
    data = document.get("data")
    if not isinstance(columns, list) or not isinstance(data, list):
        raise Unimportable("table file without columns and data")
    names = [str(column) for column in columns]
    if len(set(names)) != len(names):
        raise Unimportable(f"table has repeated column names {names}")
    if "column_types" not in document and any(
        isinstance(cell, str) and cell in _STUB_CELLS
        for row in data[:50]
        if isinstance(row, list)
        for cell in row
    ):
        raise Unimportable(
            "only W&B's placeholder copy of the table is here: its media cells live in W&B's "
            "artifact staging directory, which is not on this machine"
        )
    arrays = _serialized_arrays(document, names, source, notes, where)
    cell_notes: set[str] = set()
    rows: list[list[Any]] = []
    for index, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(names):
            raise Unimportable(f"row {index} does not have {len(names)} cells")
        converted = []
        for column, cell in zip(names, row, strict=True):
            if column in arrays:
                cell = arrays[column][index] if index < len(arrays[column]) else None
            converted.append(_cell(cell, source, column, index, cell_notes, where, notes))
        rows.append(converted)
    for note in sorted(cell_notes):
        notes.append(f"{where}: {note}")
    return names, rows


def _cell(
    cell: Any,
    source: FileSource,
    column: str,
    row: int,
    cell_notes: set[str],
    where: str,
    notes: list[str],
) -> Any:
    kind = kind_of(cell)
    if kind is None:
        return cell
    if kind == "image-file":
        try:
            return image(cell, source, notes=notes, where=f"{where} row {row} column {column!r}")
        except Unimportable as error:
            cell_notes.add(f"column {column!r}: image(s) left out ({error})")
            return None
    if kind == "histogram":
        try:
            return histogram(cell).to_json()
        except Unimportable as error:
            cell_notes.add(f"column {column!r}: {error}")
            return None
    cell_notes.add(f"column {column!r}: {unsupported_reason(kind)}; cells left empty")
    return None


def _column_dtypes(names: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    """``any`` for columns whose values are of several kinds (W&B's allow_mixed_types)."""
    dtypes: dict[str, Any] = {}
    for index, name in enumerate(names):
        kinds = set()
        for row in rows:
            value = row[index]
            if value is None:
                continue
            kind = type(value)
            kinds.add(float if kind is int else kind)
        if Image in kinds:
            dtypes[name] = Image
            if len(kinds) > 1:  # keep the images; other values cannot share the column
                for row in rows:
                    if not isinstance(row[index], Image):
                        row[index] = None
        elif len(kinds) > 1:
            dtypes[name] = "any"
    return dtypes


def _serialized_arrays(
    document: Mapping[str, Any],
    names: list[str],
    source: FileSource,
    notes: list[str],
    where: str,
) -> dict[str, list[Any]]:
    """Columns W&B stored as ``.npz`` next to the table, as lists of cells."""
    types = document.get("column_types")
    type_map = types.get("params", {}).get("type_map", {}) if isinstance(types, Mapping) else {}
    found: dict[str, list[Any]] = {}
    if not isinstance(type_map, Mapping):
        return found
    for name in names:
        spec = _ndarray_spec(type_map.get(name))
        if spec is None:
            continue
        location = spec.get("params", {}).get("serialization_path")
        if not isinstance(location, Mapping) or not isinstance(location.get("path"), str):
            continue
        try:
            import numpy as np

            with np.load(source.locate(location["path"])) as archive:
                column = archive[str(location.get("key", name))]
            found[name] = [item.tolist() for item in column]
        except (Unimportable, OSError, KeyError, ValueError) as error:
            notes.append(f"{where}: column {name!r}: arrays left out ({error})")
    return found


def _ndarray_spec(spec: Any) -> Mapping[str, Any] | None:
    if not isinstance(spec, Mapping):
        return None
    if spec.get("wb_type") == "ndarray":
        return spec
    if spec.get("wb_type") == "union":
        for option in spec.get("params", {}).get("allowed_types", []):
            if isinstance(option, Mapping) and option.get("wb_type") == "ndarray":
                return option
    return None
