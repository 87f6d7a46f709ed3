"""W&B objects kept in an artifact with ``add(obj, name)`` and read back with ``get(name)``.

A table is heron's own (``name.table.parquet``: a Parquet file when downloaded, a table the
explorer opens); an image is its file (``name.image.png``, or its original format); Classes are
JSON (``name.classes.json``). ``get`` returns a ``wandb.Table``, a heron Image or Classes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import heron.sdk.artifact as core
from heron.sdk.media import Image
from heron.sdk.table import Table
from heron.store.manifest import ManifestEntry
from heron.store.table_format import artifact_table_path
from heron.wandb.data_types import Classes
from heron.wandb.data_types import Table as WandbTable

IMAGE_INFIX = ".image."
CLASSES_SUFFIX = ".classes.json"

ArtifactObject = Table | Image | Classes
"""What ``Artifact.add`` takes and ``get`` returns (a ``wandb.Table`` is a heron Table)."""


def can_add(obj: object) -> TypeGuard[ArtifactObject]:
    """Whether ``obj`` is a kind of object an artifact can hold."""
    return isinstance(obj, Table | Image | Classes)


def object_path(name: str, obj: Any) -> str:
    """The path ``obj`` added under ``name`` takes in the artifact."""
    if isinstance(obj, Image):
        return f"{name}{IMAGE_INFIX}{_extension(obj)}"
    if isinstance(obj, Classes):
        return f"{name}{CLASSES_SUFFIX}"
    return artifact_table_path(name)


def add_object(draft: core.Artifact, name: str, obj: Any) -> None:
    """Put ``obj`` into a heron draft under ``name`` (see :func:`can_add`)."""
    if isinstance(obj, Table):
        draft.add(obj, name)
    elif isinstance(obj, Image):
        with draft.new_file(object_path(name, obj), mode="wb") as handle:
            handle.write(_image_file_bytes(obj))
    elif isinstance(obj, Classes):
        with draft.new_file(object_path(name, obj)) as handle:
            json.dump({"class_set": obj.class_set}, handle, sort_keys=True)
    else:  # pragma: no cover - callers check can_add first
        raise TypeError(f"cannot add {type(obj).__name__} to an artifact")


def object_paths(name: str, manifest: Mapping[str, ManifestEntry]) -> list[str]:
    """Paths in ``manifest`` that an object added under ``name`` may have, best first."""
    image_prefix = f"{name}{IMAGE_INFIX}"
    candidates = [name, artifact_table_path(name), f"{name}{CLASSES_SUFFIX}"]
    candidates += [path for path in manifest if path.startswith(image_prefix)]
    return [path for path in candidates if path in manifest]


def read_object(
    logged: core.Artifact, name: str, fetch: Callable[[str], str]
) -> ArtifactObject | None:
    """The object added under ``name`` to a logged version (None if there is none);
    ``fetch(path)`` downloads one path and returns where it is."""
    manifest = logged.manifest
    table_path = artifact_table_path(name)
    if table_path in manifest and manifest[table_path].table_id is not None:
        table = logged.get(name)
        return WandbTable(columns=table.columns, data=[row for _, row in table.iterrows()])
    for path in object_paths(name, manifest):
        if path.startswith(f"{name}{IMAGE_INFIX}"):
            return Image(fetch(path))
        if path == f"{name}{CLASSES_SUFFIX}":
            with open(fetch(path)) as handle:
                return Classes(json.load(handle)["class_set"])
    return None


def _extension(image: Image) -> str:
    return "png" if image.format == "hrw" else image.format


def _image_file_bytes(image: Image) -> bytes:
    if image.format != "hrw":
        return image.encoded_bytes()
    buffer = io.BytesIO()
    image.to_pil().save(buffer, format="PNG")  # heron's raw array codec is not a file format
    return buffer.getvalue()
