"""Boxes, segmentation masks and class labels drawn over an image: checked, then normalised.

Both heron's own shapes and wandb's (``{"group": {"box_data": [...], "class_labels": {...}}}``,
``{"name": {"mask_data": ..., "class_labels": {...}}}``) are accepted, so wandb code ports as is.
The normalised boxes and the masks' PNG references form an image cell's ``overlays`` JSON
(docs/table-format.md).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from heron.errors import MediaError

if TYPE_CHECKING:
    import numpy.typing as npt


def class_map(classes: Mapping[Any, str] | Sequence[str] | None) -> dict[str, str]:
    if classes is None:
        return {}
    if isinstance(classes, Mapping):
        items = list(classes.items())
    elif isinstance(classes, Sequence) and not isinstance(classes, str):
        items = list(enumerate(classes))
    else:
        raise MediaError(
            f"classes must map class ids to names (a dict or a list), got {type(classes).__name__}"
        )
    out = {}
    for class_id, name in items:
        try:
            out[str(int(class_id))] = str(name)
        except (TypeError, ValueError):
            raise MediaError(f"class ids must be integers, got {class_id!r}") from None
    return out


def _number(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise MediaError(f"box {what} must be a number, got {value!r}") from None


def normalize_boxes(
    boxes: Any, width: int, height: int, classes: dict[str, str]
) -> list[dict[str, Any]]:
    if boxes is None:
        return []
    out: list[dict[str, Any]] = []
    if isinstance(boxes, Mapping):  # wandb: {"group": {"box_data": [...], "class_labels": {...}}}
        for group, spec in boxes.items():
            if not isinstance(spec, Mapping) or "box_data" not in spec:
                raise MediaError(f"boxes[{group!r}] must be a dict with 'box_data'")
            classes.update(class_map(spec.get("class_labels")))
            for index, item in enumerate(spec["box_data"]):
                out.append(_box_from_wandb(item, f"boxes[{group!r}][{index}]", str(group)))
    elif isinstance(boxes, Sequence) and not isinstance(boxes, str):
        for index, item in enumerate(boxes):
            if not isinstance(item, Mapping):
                raise MediaError(f"boxes[{index}] must be a dict, got {type(item).__name__}")
            out.append(_box(item, f"boxes[{index}]"))
    else:
        raise MediaError(f"boxes must be a list of dicts, got {type(boxes).__name__}")
    for index, box in enumerate(out):
        limit_x, limit_y = (1.0, 1.0) if box["relative"] else (float(width), float(height))
        if not (0 <= box["x0"] <= box["x1"] <= limit_x and 0 <= box["y0"] <= box["y1"] <= limit_y):
            domain = "relative (0..1)" if box["relative"] else f"pixel (0..{width} x 0..{height})"
            hint = "; pass relative=False for pixel coordinates" if box["relative"] else ""
            raise MediaError(
                f"box {index} ({box['x0']:g}, {box['y0']:g}, {box['x1']:g}, {box['y1']:g}) "
                f"is outside the image in {domain} coordinates or has x1 < x0 / y1 < y0{hint}"
            )
    return out


_BOX_KEYS = {"x0", "y0", "x1", "y1", "relative", "class_id", "score", "scores", "caption", "group"}


def _box(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    unknown = set(item) - _BOX_KEYS
    if unknown:
        raise MediaError(f"{where} has unknown keys {sorted(unknown)}; known: {sorted(_BOX_KEYS)}")
    missing = {"x0", "y0", "x1", "y1"} - set(item)
    if missing:
        raise MediaError(f"{where} lacks {sorted(missing)}")
    box: dict[str, Any] = {k: _number(item[k], f"{where}.{k}") for k in ("x0", "y0", "x1", "y1")}
    box["relative"] = bool(item.get("relative", True))
    if item.get("class_id") is not None:
        box["class_id"] = int(item["class_id"])
    if item.get("score") is not None:
        box["score"] = _number(item["score"], f"{where}.score")
    if item.get("scores") is not None:
        box["scores"] = {
            str(k): _number(v, f"{where}.scores") for k, v in dict(item["scores"]).items()
        }
    if item.get("caption") is not None:
        box["caption"] = str(item["caption"])
    if item.get("group") is not None:
        box["group"] = str(item["group"])
    return box


def _box_from_wandb(item: Mapping[str, Any], where: str, group: str) -> dict[str, Any]:
    position = item.get("position")
    if not isinstance(position, Mapping):
        raise MediaError(f"{where} lacks a 'position' dict")
    if "minX" in position:
        x0, x1, y0, y1 = (position.get(k) for k in ("minX", "maxX", "minY", "maxY"))
    elif "middle" in position:
        (mx, my), w, h = position["middle"], position.get("width"), position.get("height")
        half_w, half_h = _number(w, f"{where}.width") / 2, _number(h, f"{where}.height") / 2
        x0, x1, y0, y1 = (
            float(mx) - half_w,
            float(mx) + half_w,
            float(my) - half_h,
            float(my) + half_h,
        )
    else:
        raise MediaError(f"{where}.position needs minX/maxX/minY/maxY or middle/width/height")
    return _box(
        {
            "x0": x0,
            "y0": y0,
            "x1": x1,
            "y1": y1,
            "relative": item.get("domain") != "pixel",
            "class_id": item.get("class_id"),
            "scores": item.get("scores"),
            "caption": item.get("box_caption"),
            "group": group,
        },
        where,
    )


def normalize_masks(
    masks: Any, width: int, height: int, classes: dict[str, str]
) -> list[tuple[str | None, npt.NDArray[Any]]]:
    if masks is None:
        return []
    named: list[tuple[str | None, Any]]
    if isinstance(masks, Mapping):
        named = []
        for name, spec in masks.items():
            if isinstance(spec, Mapping):  # wandb: {"mask_data": array, "class_labels": {...}}
                if "mask_data" not in spec:
                    raise MediaError(f"masks[{name!r}] must be an array or a dict with 'mask_data'")
                classes.update(class_map(spec.get("class_labels")))
                named.append((str(name), spec["mask_data"]))
            else:
                named.append((str(name), spec))
    elif isinstance(masks, list | tuple):
        named = [(None, mask) for mask in masks]
    else:
        named = [(None, masks)]
    import numpy as np

    out: list[tuple[str | None, npt.NDArray[Any]]] = []
    for index, (name, mask) in enumerate(named):
        label = f"mask {name!r}" if name is not None else f"mask {index}"
        array = np.asarray(mask)
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        if array.ndim != 2:
            raise MediaError(f"{label} must be a 2-D array of class ids, got shape {array.shape}")
        if array.shape != (height, width):
            raise MediaError(
                f"{label} has shape {array.shape} but the image is {height}x{width} (height x width)"
            )
        if array.dtype.kind not in "iu":
            raise MediaError(f"{label} must hold integer class ids, got dtype {array.dtype}")
        if array.size and (int(array.min()) < 0 or int(array.max()) > 65535):
            raise MediaError(f"{label} class ids must be in 0..65535")
        out.append((name, np.array(array, copy=True)))
    return out


def mask_png(array: npt.NDArray[Any]) -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    if int(array.max(initial=0)) < 256:
        PILImage.fromarray(array.astype("uint8"), mode="L").save(buffer, "PNG", compress_level=1)
    else:
        PILImage.fromarray(array.astype("uint16")).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()
