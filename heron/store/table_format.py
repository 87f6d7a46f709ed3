"""The table format's one definition: column types, the image cell and artifact table paths.

docs/table-format.md describes the format; this module is what the SDK, the store, the query
engine and the server import to speak it. It sits at the bottom of heron's imports (the standard
library and heron's leaf modules only), so any layer can use it without pulling in pyarrow:
functions that look at Arrow schemas only read their metadata. The Arrow types themselves are
built in :mod:`heron.store.tables`.

An image cell is recognised by its column's type (the ``heron.type`` tag in the Parquet field
metadata, or the type in a query result's column description), never by the keys it holds: a
JSON or struct value that happens to have ``sha256`` and ``format`` keys is not an image.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, get_args

from heron.errors import IntegrityError
from heron.store.jsonvalues import dumps, loads

if TYPE_CHECKING:
    import pyarrow as pa

# -- column types ---------------------------------------------------------------------------------

ColumnType = Literal[
    "string", "int", "float", "bool", "datetime", "null", "list", "json", "any", "image"
]  # fmt: skip
COLUMN_TYPES: tuple[ColumnType, ...] = get_args(ColumnType)
# The item type of a ``list`` column; ``null`` while a column has only held empty lists.
ListElement = Literal["string", "int", "float", "bool", "null"]
LIST_ELEMENTS: tuple[ListElement, ...] = get_args(ListElement)

FORMAT_VERSION = "v1"
# Arrow schema metadata: the table format's version, and each field's heron column type.
TABLE_METADATA_KEY = "heron.table"
TYPE_METADATA_KEY = "heron.type"
# On a result column that holds one value per merged run: how many runs (field metadata).
RUNS_METADATA_KEY = "heron.runs"


def field_metadata(kind: ColumnType, runs: int | None = None) -> dict[str, str]:
    """The Arrow field metadata that tags a column with its heron type (and per-run count)."""
    metadata: dict[str, str] = {TYPE_METADATA_KEY: kind}
    if runs is not None:
        metadata[RUNS_METADATA_KEY] = str(runs)
    return metadata


def schema_metadata() -> dict[str, str]:
    """The Arrow schema metadata of a logged table."""
    return {TABLE_METADATA_KEY: FORMAT_VERSION}


def column_type(arrow_field: pa.Field) -> ColumnType | None:
    """The heron type an Arrow field is tagged with, or None for an untagged field."""
    metadata = arrow_field.metadata or {}
    tag = metadata.get(TYPE_METADATA_KEY.encode())
    if tag is None:
        return None
    kind = tag.decode(errors="replace")
    return next((known for known in COLUMN_TYPES if known == kind), None)


def column_runs(arrow_field: pa.Field) -> int | None:
    """The number of runs of a per-run result column, or None for a single-value column."""
    metadata = arrow_field.metadata or {}
    runs = metadata.get(RUNS_METADATA_KEY.encode())
    return int(runs) if runs is not None and runs.isdigit() else None


def is_image_column(arrow_field: pa.Field) -> bool:
    """Whether an Arrow field holds image cells (one per row, or one per run of a merged row)."""
    return column_type(arrow_field) == "image"


def image_columns(schema: pa.Schema) -> list[str]:
    """The names of a schema's image columns, from their type tags, in schema order."""
    return [f.name for f in schema if is_image_column(f)]


# -- the image cell -------------------------------------------------------------------------------


class CellField(NamedTuple):
    """One field of the stored image struct: its name, heron type and Arrow storage type."""

    # A NamedTuple: every table read imports this module, and a dataclass's methods are
    # generated and compiled at import.

    name: str
    type: ColumnType
    storage: Literal["string", "int32"]


# The image struct's fields, in stored order (docs/table-format.md, "Images").
IMAGE_FIELDS: tuple[CellField, ...] = (
    CellField("sha256", "string", "string"),
    CellField("format", "string", "string"),
    CellField("width", "int", "int32"),
    CellField("height", "int", "int32"),
    CellField("caption", "string", "string"),
    CellField("overlays", "json", "string"),
)
# The field that identifies an image: joining "on the image" joins on it.
IMAGE_HASH_FIELD = "sha256"


# The classes of an image without any: shared, so it must not change.
_NO_CLASSES: Mapping[str, str] = MappingProxyType({})


class MaskRef(NamedTuple):
    """A segmentation mask of an image: a PNG blob of class ids, the image's size."""

    # A NamedTuple, like CellField: no dataclass methods to generate when the module loads.

    sha256: str
    width: int
    height: int
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The mask as it appears in the ``overlays`` document."""
        out: dict[str, Any] = {"sha256": self.sha256, "width": self.width, "height": self.height}
        if self.name is not None:
            out["name"] = self.name
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> MaskRef:
        """A mask from its ``overlays`` entry."""
        name = value.get("name")
        return cls(
            sha256=str(value["sha256"]),
            width=int(value["width"]),
            height=int(value["height"]),
            name=None if name is None else str(name),
        )


@dataclass(frozen=True, init=False)
class ImageRef:
    """An image cell: a reference to stored image bytes, never the pixels.

    ``sha256`` names the bytes in the store's blob store; ``format`` is their encoding (``png``,
    ``jpeg``..., or heron's ``hrw``); ``width``/``height`` are in pixels. ``boxes`` are the
    normalised bounding boxes, ``masks`` the mask blobs, ``classes`` maps class ids (as strings)
    to names. In a Parquet part the cell is a struct whose ``overlays`` field holds boxes, masks
    and classes as one JSON text (:meth:`to_row`, :meth:`from_row`).
    """

    sha256: str
    format: str
    width: int
    height: int
    caption: str | None = None
    boxes: tuple[Mapping[str, Any], ...] = ()
    masks: tuple[MaskRef, ...] = ()
    classes: Mapping[str, str] = field(default_factory=dict)

    def __init__(
        self,
        sha256: str,
        format: str,
        width: int,
        height: int,
        caption: str | None = None,
        boxes: tuple[Mapping[str, Any], ...] = (),
        masks: tuple[MaskRef, ...] = (),
        classes: Mapping[str, str] = _NO_CLASSES,
    ) -> None:
        # The generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__, about a microsecond per cell; a table has a cell per row (logging
        # or reading 100,000 of them is common), so the fields are set in one step.
        self.__dict__.update(
            sha256=sha256,
            format=format,
            width=width,
            height=height,
            caption=caption,
            boxes=boxes,
            masks=masks,
            classes=classes,
        )

    def __hash__(self) -> int:
        # Equal references have equal stored fields; boxes and classes are dicts (unhashable).
        return hash((self.sha256, self.format, self.width, self.height, self.caption))

    def overlays(self) -> dict[str, Any] | None:
        """The overlays document (``boxes``, ``masks``, ``classes`` where present), or None."""
        return overlays_document(self.boxes, self.masks, self.classes)

    def overlays_text(self) -> str | None:
        """The stored ``overlays`` field: the overlays document as JSON text, or None."""
        if not (self.boxes or self.masks or self.classes):
            return None
        return dumps(self.overlays())

    def digests(self) -> list[str]:
        """The blobs this cell refers to: the image's, then its masks'."""
        return [self.sha256, *(mask.sha256 for mask in self.masks)]

    def to_row(self) -> dict[str, Any]:
        """The cell as stored: the image struct's fields (a Parquet struct value)."""
        return {
            "sha256": self.sha256,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "caption": self.caption,
            "overlays": self.overlays_text(),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, where: str = "an image cell") -> ImageRef:
        """The reference a stored image struct holds.

        ``row`` comes from a column typed ``image``. A struct without a digest, or whose
        overlays are not the documented JSON, raises IntegrityError naming ``where`` and what
        is wrong.
        """
        sha256 = row.get("sha256")
        if not sha256 or type(sha256) is not str:
            raise IntegrityError(f"{where} has no sha256 digest: the table is damaged")
        # Arrow typed the struct's fields when it was written; only the overlays need parsing.
        text = row.get("overlays")
        if not text:
            return cls(sha256, row["format"], row["width"], row["height"], row.get("caption"))
        try:
            document = loads(text)
            return cls(
                sha256,
                row["format"],
                row["width"],
                row["height"],
                row.get("caption"),
                tuple(document.get("boxes", ())),
                tuple(MaskRef.from_json(mask) for mask in document.get("masks", ())),
                {str(k): str(v) for k, v in document.get("classes", {}).items()},
            )
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise IntegrityError(
                f"{where} (image {sha256}): its overlays are not valid ({error!r})"
            ) from None


def overlays_document(
    boxes: Iterable[Mapping[str, Any]], masks: Iterable[MaskRef], classes: Mapping[str, str]
) -> dict[str, Any] | None:
    """An image's overlays as documented (docs/table-format.md): ``boxes``, ``masks`` and
    ``classes``, each only where present; None when the image has none."""
    document: dict[str, Any] = {}
    if box_list := [dict(box) for box in boxes]:
        document["boxes"] = box_list
    if mask_list := [mask.to_json() for mask in masks]:
        document["masks"] = mask_list
    if classes:
        document["classes"] = dict(classes)
    return document or None


def image_refs(rows: Iterable[Mapping[str, Any] | None], where: str) -> list[ImageRef | None]:
    """The references of an image column's stored values, None for null cells."""
    return [None if row is None else ImageRef.from_row(row, where=where) for row in rows]


# -- artifact table paths -------------------------------------------------------------------------

# A heron.Table added to an artifact as ``name`` is stored at ``name`` + TABLE_SUFFIX.
TABLE_SUFFIX = ".table.parquet"


def artifact_table_path(name: str) -> str:
    """The artifact path of the table added as ``name`` (a path that already ends in the
    suffix is kept as it is)."""
    return name if name.endswith(TABLE_SUFFIX) else name + TABLE_SUFFIX


def is_artifact_table_path(path: str) -> bool:
    """Whether an artifact file path is where a table is stored."""
    return path.endswith(TABLE_SUFFIX)


def artifact_table_name(path: str) -> str:
    """The name a table was added under, from its artifact path."""
    return path.removesuffix(TABLE_SUFFIX)
