"""Media values: ``heron.Image`` (with boxes and masks) and ``heron.Histogram``.

An Image checks its input when it is made, so a bad image fails at the line that made it, but
encodes nothing then: arrays are copied and encoded (hrw, see :mod:`heron.store.codec`) in the
run's thread pool when logged, many at a time. Files and bytes keep their original bytes, so the
same JPEG has the same sha256 in every table that holds it. Images read back from the store are
the same class, backed by the store: their bytes are fetched when first needed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import MediaError, UsageError
from heron.sdk.overlays import class_map, mask_png, normalize_boxes, normalize_masks
from heron.sdk.values import text_problem
from heron.store import codec
from heron.store.table_format import ImageRef, MaskRef, overlays_document

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from PIL import Image as PILImage

    from heron.sdk.interfaces import ObjectResult, RunContext
    from heron.store.store import Store

# Pillow's format names, as stored; MPO is a JPEG with extra frames that browsers show as JPEG.
_FORMAT_NAMES = {
    "JPEG": "jpeg",
    "MPO": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "TIFF": "tiff",
}
_MODES_BY_CHANNELS = {
    1: ("L", "I;16", "P", "1"),
    3: ("RGB", "YCbCr", "LAB", "HSV"),
    4: ("RGBA", "CMYK", "RGBX"),
}
MAX_HISTOGRAM_BINS = 512


class Image:
    """An image to log in a table cell or on its own: ``heron.Image(data, caption=..., ...)``.

    ``data`` is a numpy array (uint8 or uint16; float in [0, 1] or [-1, 1] is scaled to uint8;
    shape HW or HWC with 1, 3 or 4 channels), a PIL image, a file path or encoded bytes.
    ``boxes`` is a list of ``{"x0", "y0", "x1", "y1", "relative"=True, "class_id", "score",
    "caption"}`` dicts (or wandb's ``{"group": {"box_data": [...], "class_labels": {...}}}``);
    ``masks`` is a 2-D integer array of class ids with the image's height and width, a list of
    them, or a dict of named ones (wandb's ``{"name": {"mask_data": ..., "class_labels": ...}}``);
    ``classes`` maps class ids to names (a list means ids 0, 1, ...). ``mode`` is the PIL mode
    used by :meth:`to_pil` for arrays (e.g. ``"L"``, ``"RGB"``, ``"RGBA"``).
    """

    __slots__ = (
        "_array",
        "_boxes",
        "_classes",
        "_data",
        "_mask_arrays",
        "_mask_refs",
        "_sha256",
        "_store",
        "caption",
        "format",
        "height",
        "mode",
        "width",
    )
    # Normalised overlays; shared with the ImageRef a stored image comes from, never changed.
    _boxes: Sequence[Mapping[str, Any]]
    _classes: Mapping[str, str]

    def __init__(
        self,
        data: Any,
        *,
        caption: str | None = None,
        boxes: Any = None,
        masks: Any = None,
        classes: Mapping[Any, str] | Sequence[str] | None = None,
        mode: str | None = None,
    ) -> None:
        if caption is not None and not isinstance(caption, str):
            raise MediaError(f"an image caption must be a string, got {type(caption).__name__}")
        problem = None if caption is None else text_problem(caption)
        if problem is not None:
            raise MediaError(f"the image caption {caption!r} {problem}")
        self.caption = caption
        self.mode = mode
        self._array: npt.NDArray[Any] | None = None
        self._data: bytes | None = None
        self._sha256: str | None = None
        self._store: Store | None = None
        self._mask_refs: tuple[MaskRef, ...] = ()
        if type(data) is _numpy().ndarray:  # the hot path: one image per table row
            self._array = _array_from_numpy(data)
        elif isinstance(data, Image):
            raise MediaError("heron.Image(...) got a heron.Image; use it as it is")
        elif isinstance(data, str | os.PathLike):
            self._data = _read_file(Path(data))
            self.format, self.width, self.height = _identify(
                self._data, f"image file {os.fspath(data)!r}"
            )
        elif isinstance(data, bytes | bytearray | memoryview):
            self._data = bytes(data)
            self.format, self.width, self.height = _identify(self._data, "image bytes")
        elif hasattr(data, "getpixel") and hasattr(data, "mode"):
            self._array = _array_from_pil(data)
        elif hasattr(data, "__array__") or hasattr(data, "shape"):
            self._array = _array_from_numpy(data)
        elif _is_matplotlib(data):
            self._data = _figure_png(data)
            self.format, self.width, self.height = _identify(self._data, "matplotlib figure")
        else:
            raise MediaError(
                "heron.Image takes a numpy array, a torch tensor, a PIL image, a matplotlib "
                f"figure, a file path or bytes, not {type(data).__name__}"
            )
        if self._array is not None:
            _check_pixel_bytes(self._array.shape, self._array.itemsize)  # e.g. a huge PIL image
            self.format = codec.FORMAT_NAME
            self.height, self.width = int(self._array.shape[0]), int(self._array.shape[1])
            channels = self._array.shape[2] if self._array.ndim == 3 else 1
            if mode is not None and mode not in _MODES_BY_CHANNELS[channels]:
                raise MediaError(f"mode {mode!r} does not fit an image with {channels} channel(s)")
        if classes is None and boxes is None and masks is None:
            self._boxes, self._mask_arrays, self._classes = [], [], {}
            return
        label_map = class_map(classes)
        self._boxes = normalize_boxes(boxes, self.width, self.height, label_map)
        self._mask_arrays = normalize_masks(masks, self.width, self.height, label_map)
        self._classes = label_map
        _check_overlay_text(self)

    # -- read-back ------------------------------------------------------------------------------

    @classmethod
    def from_ref(cls, store: Store, ref: ImageRef) -> Image:
        """The image a stored cell refers to, backed by ``store``: its bytes are read from the
        store's blobs when first needed."""
        image = cls.__new__(cls)
        image._array = None
        image._data = None
        image._store = store
        image._sha256 = ref.sha256
        image.format = ref.format
        image.width = ref.width
        image.height = ref.height
        image.caption = ref.caption
        image.mode = None
        image._boxes = ref.boxes  # not copied: the properties hand out copies
        image._classes = ref.classes
        image._mask_refs = ref.masks
        image._mask_arrays = []
        return image

    @property
    def sha256(self) -> str:
        """The sha256 hex digest of the stored bytes (computed when first asked for)."""
        if self._sha256 is None:
            # Imported here: the blob store loads SQLAlchemy, which `import heron` must not pay for.
            from heron.store.blobs import sha256_hex

            self._sha256 = sha256_hex(self.encoded_bytes())
        return self._sha256

    def encoded_bytes(self) -> bytes:
        """The bytes heron stores for this image (original file bytes, or hrw for arrays)."""
        data = self._data
        if data is None:
            array = self._array
            if array is not None:
                data = codec.encode(array)
                self._data = data
            elif self._store is not None and self._sha256 is not None:
                data = self._store.blobs.get(self._sha256)
                self._data = data
            else:  # pragma: no cover - every constructor sets one of the three
                raise MediaError("this image has no data")
        return data

    def to_numpy(self) -> npt.NDArray[Any]:
        """The pixels as a numpy array (HW or HWC); exactly the logged array for arrays."""
        import numpy as np

        array = self._array
        if array is not None:
            return array.copy()
        data = self.encoded_bytes()
        if codec.is_hrw(data):
            return codec.decode(data)
        return np.asarray(self.to_pil())

    def to_pil(self) -> PILImage.Image:
        """The image as a PIL image, whatever format it is stored in."""
        from PIL import Image as PILImage

        array = self._array
        data = None if array is not None else self.encoded_bytes()
        if array is None and data is not None and not codec.is_hrw(data):
            opened = PILImage.open(io.BytesIO(data))  # in memory: nothing to close
            opened.load()
            return opened
        pixels = array if array is not None else codec.decode(data or b"")
        return pil_from_array(pixels, self.mode)

    @property
    def boxes(self) -> list[dict[str, Any]]:
        """The bounding boxes, normalised (``x0, y0, x1, y1, relative`` and optional fields)."""
        return [dict(box) for box in self._boxes]

    @property
    def classes(self) -> dict[str, str]:
        """Class id (as a string) to class name, for boxes and masks."""
        return dict(self._classes)

    @property
    def masks(self) -> list[npt.NDArray[Any]]:
        """The segmentation masks as 2-D integer arrays, in the order they were given."""
        if self._mask_arrays:
            return [array.copy() for _, array in self._mask_arrays]
        if not self._mask_refs or self._store is None:
            return []
        import numpy as np
        from PIL import Image as PILImage

        out = []
        for ref in self._mask_refs:
            with PILImage.open(io.BytesIO(self._store.blobs.get(ref.sha256))) as mask:
                out.append(np.asarray(mask))
        return out

    @property
    def overlays(self) -> dict[str, Any] | None:
        """The overlays document stored with the cell (boxes, masks, classes), or None."""
        if self._mask_arrays:
            raise UsageError("the overlays of an image are known once it has been logged")
        return overlays_document(self._boxes, self._mask_refs, self._classes)

    def __repr__(self) -> str:
        caption = f" caption={self.caption!r}" if self.caption else ""
        return f"<heron.Image {self.format} {self.width}x{self.height}{caption}>"

    # -- logging --------------------------------------------------------------------------------

    def log_to(self, run: RunContext, key: str, step: int) -> Future[ObjectResult]:
        """Store the image as ``key`` at ``step`` of ``run`` (what ``run.log`` calls)."""
        return run.executor.submit(lambda: ("image", store_images(run.store, [self])[0].to_row()))


def held_bytes(image: Image) -> int:
    """How many bytes of pixels or encoded data ``image`` holds in memory (0 if store-backed)."""
    array = image._array
    if array is not None:
        return int(array.nbytes)
    return len(image._data) if image._data is not None else 0


def store_images(
    store: Store, images: Sequence[Image], *, keep_bytes: bool = True
) -> list[ImageRef]:
    """Encode and store images (and their masks) in batches; returns their cells in order.

    Runs in a worker thread: the images were checked when they were made. ``keep_bytes=False``
    leaves the encoded bytes off the Image objects (a streamed table must not hold them).
    """
    to_encode = [image for image in images if image._data is None and image._array is not None]
    encoded: dict[int, bytes] = {}
    if to_encode:
        arrays = [image._array for image in to_encode]
        for image, data in zip(to_encode, codec.encode_many(arrays), strict=True):  # type: ignore[arg-type]
            if keep_bytes:
                image._data = data
            else:
                encoded[id(image)] = data
    # Images read back from this store are already in it; everything else is put (deduplicated).
    fresh = [image for image in images if image._store is None or image._store.root != store.root]
    digests = store.blobs.put_many(
        [encoded.get(id(image)) or image.encoded_bytes() for image in fresh]
    )
    for image, digest in zip(fresh, digests, strict=True):
        image._sha256 = digest
    masked = [image for image in fresh if image._mask_arrays]
    if masked:
        mask_images = [
            (image, name, array) for image in masked for name, array in image._mask_arrays
        ]
        mask_digests = store.blobs.put_many([mask_png(array) for _, _, array in mask_images])
        refs: dict[int, list[MaskRef]] = {}
        for (image, name, array), digest in zip(mask_images, mask_digests, strict=True):
            mask = MaskRef(digest, int(array.shape[1]), int(array.shape[0]), name)
            refs.setdefault(id(image), []).append(mask)
        for image in masked:
            image._mask_refs = tuple(refs[id(image)])
    return [_image_ref(image) for image in images]


def _image_ref(image: Image) -> ImageRef:
    """The cell of a stored image (its digest is known)."""
    assert image._sha256 is not None
    if not (image._boxes or image._mask_refs or image._classes):
        return ImageRef(image._sha256, image.format, image.width, image.height, image.caption)
    return ImageRef(
        image._sha256,
        image.format,
        image.width,
        image.height,
        image.caption,
        tuple(image._boxes),
        image._mask_refs,
        image._classes,
    )


# -- input checks --------------------------------------------------------------------------------


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise MediaError(
            f"cannot read image file {os.fspath(path)!r}: {error.strerror or error}"
        ) from None


def _identify(data: bytes, what: str) -> tuple[str, int, int]:
    if codec.is_hrw(data):
        try:
            info = codec.read_header(data)
        except ValueError as error:
            raise MediaError(f"{what}: {error}") from None
        return codec.FORMAT_NAME, int(info["width"]), int(info["height"])
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(io.BytesIO(data)) as opened:
            name = opened.format or "unknown"
            width, height = opened.size
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise MediaError(f"{what} is not an image Pillow can read ({error})") from None
    _check_complete(data, name, what)
    return _FORMAT_NAMES.get(name, name.lower()), int(width), int(height)


def _check_overlay_text(image: Image) -> None:
    """Refuse class names, box captions and mask names that are not valid UTF-8 (they are
    served as JSON text, which cannot carry them)."""
    texts = [("class name", name) for name in image._classes.values()]
    texts += [("mask name", name) for name, _ in image._mask_arrays if name is not None]
    for index, box in enumerate(image._boxes):
        texts += [
            (f"box {index} {key}", value) for key, value in box.items() if isinstance(value, str)
        ]
        texts += [(f"box {index} score name", key) for key in box.get("scores", {})]
    for what, text in texts:
        problem = text_problem(text)
        if problem is not None:
            raise MediaError(f"image {what} {text!r} {problem}")


def _check_complete(data: bytes, name: str, what: str) -> None:
    """Refuse an encoded image that is cut short or damaged, so it fails here and not when
    read back. PNG: every chunk's CRC up to IEND (no pixel is decoded); JPEG: the segments
    up to the scan and an end-of-image marker after it; other formats are decoded."""
    from PIL import Image as PILImage

    try:
        if name in ("JPEG", "MPO"):
            _check_jpeg_structure(data)
        else:
            with PILImage.open(io.BytesIO(data)) as opened:
                if name == "PNG":
                    opened.verify()
                else:
                    opened.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise MediaError(
            f"{what} is a damaged or truncated {name} image ({error}); it cannot be stored"
        ) from None


def _check_jpeg_structure(data: bytes) -> None:
    """Walk a JPEG's marker segments to its first scan, then look for the end-of-image marker
    (the entropy-coded data cannot hold one: 0xFF is always followed by 0x00 or a restart)."""
    position = 2  # after the start-of-image marker
    while True:
        while position < len(data) and data[position] == 0xFF:
            position += 1  # markers may be padded with 0xFF fill bytes
        if position + 3 > len(data):
            raise OSError("it ends inside its header segments")
        marker = data[position]
        if marker == 0xDA:  # start of scan
            break
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
            position += 1
            continue
        position += 1 + int.from_bytes(data[position + 1 : position + 3], "big")
    if data.rfind(b"\xff\xd9") <= position:
        raise OSError("it has no end-of-image marker after its image data")


def figure_image(value: Any) -> Image | None:
    """A matplotlib figure as an Image of its picture (how ``run.log`` stores one), else None."""
    if type(value).__module__.split(".")[0] == "matplotlib" and hasattr(value, "savefig"):
        return Image(value)
    return None


def _is_matplotlib(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "matplotlib" or (
        getattr(data, "__name__", "") == "matplotlib.pyplot"
    )


def _figure_png(data: Any) -> bytes:
    """A matplotlib figure (or the pyplot module: its current figure) rendered as PNG."""
    figure = data.gcf() if hasattr(data, "gcf") else getattr(data, "figure", data)
    if not hasattr(figure, "savefig"):
        raise MediaError(f"cannot render a {type(data).__name__}: pass a matplotlib Figure")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


_np: Any = None


def _numpy() -> Any:
    global _np
    if _np is None:
        import numpy

        _np = numpy
    return _np


def _array_from_numpy(data: Any) -> npt.NDArray[Any]:
    np = _numpy()
    shape: tuple[int, ...] = tuple(getattr(data, "shape", ()))
    if (
        type(data) is np.ndarray
        and data.dtype.str == "|u1"
        and (len(shape) == 2 or (len(shape) == 3 and shape[2] in codec.CHANNELS))
        and shape[0]
        and shape[1]
    ):
        _check_pixel_bytes(shape, 1)  # before the copy: a broadcast view may claim gigabytes
        fast: npt.NDArray[Any] = data.copy()  # the common case; private: callers reuse buffers
        return fast
    detach = getattr(data, "detach", None)
    if callable(detach):  # a torch tensor
        data = detach().cpu().numpy()
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as error:
        raise MediaError(f"cannot read the image as an array: {error}") from None
    shape = array.shape
    if array.ndim == 3 and shape[0] in codec.CHANNELS and shape[2] not in codec.CHANNELS:
        # Channels first (CHW, as torch and many loaders give it): there is no other reading.
        array = array.transpose(1, 2, 0)
        shape = array.shape
    if array.ndim not in (2, 3) or (array.ndim == 3 and shape[2] not in codec.CHANNELS):
        raise MediaError(
            f"an image array must be HW or HWC with 1, 3 or 4 channels, got shape {shape}"
        )
    if shape[0] == 0 or shape[1] == 0:
        raise MediaError(f"an image array must have pixels, got shape {shape}")
    _check_pixel_bytes(shape, 2 if array.dtype == np.uint16 else 1)  # stored as uint8 or uint16
    kind = array.dtype.kind
    if array.dtype == np.uint8 or array.dtype == np.uint16:
        converted = array
    elif kind == "f":
        converted = _float_to_uint8(array)
    elif kind in "iu":
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise MediaError(
                f"integer pixels must be in 0..255 (or pass uint16), got {array.dtype} in [{low}, {high}]"
            )
        converted = array.astype(np.uint8)
    else:
        raise MediaError(f"image pixels must be uint8, uint16 or float, got dtype {array.dtype}")
    # A private copy: the caller may reuse its buffer before the image is encoded.
    copied: npt.NDArray[Any] = np.array(converted, order="C", copy=True)
    return copied


def _check_pixel_bytes(shape: tuple[int, ...], bytes_per_value: int) -> None:
    """MediaError, naming the shape, for an image over the codec's cap, before any copy of it."""
    size = bytes_per_value
    for extent in shape:
        size *= int(extent)
    if size > codec.MAX_PIXEL_BYTES:
        raise MediaError(
            f"an image holds at most {codec.MAX_PIXEL_BYTES >> 30} GiB of pixels; shape {shape} "
            f"would hold {size / (1 << 30):.1f} GiB"
        )


def _float_to_uint8(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    import numpy as np

    if not np.isfinite(array).all():
        raise MediaError("float image pixels must be finite (found NaN or infinity)")
    low, high = float(array.min()), float(array.max())
    if low >= 0.0 and high <= 1.0:
        scaled = array * 255.0
    elif low >= -1.0 and high <= 1.0:
        scaled = (array + 1.0) * 127.5
    else:
        raise MediaError(
            f"float pixels must be in [0, 1] or [-1, 1], got values in [{low:g}, {high:g}]"
        )
    return np.rint(scaled).astype(np.uint8)


def _array_from_pil(image: Any) -> npt.NDArray[Any]:
    import numpy as np

    mode = image.mode
    if mode in ("L", "RGB", "RGBA", "I;16"):
        converted = image
    elif mode == "1":
        converted = image.convert("L")
    elif mode in ("LA", "PA") or (mode == "P" and "transparency" in image.info):
        converted = image.convert("RGBA")
    elif mode == "I" or mode.startswith("I;16"):
        array = np.asarray(image)
        if array.min(initial=0) < 0 or array.max(initial=0) > 65535:
            raise MediaError(f"PIL image of mode {mode} has pixels outside 0..65535")
        return np.array(array, dtype=np.uint16)
    elif mode == "F":
        return _array_from_numpy(np.asarray(image))
    else:
        converted = image.convert("RGB")
    return np.array(converted, copy=True)


def pil_from_array(array: npt.NDArray[Any], mode: str | None = None) -> PILImage.Image:
    """A PIL image from an HW/HWC uint8 or uint16 array (uint16 colour is reduced to 8 bits)."""
    from PIL import Image as PILImage

    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype.name == "uint16":
        if array.ndim == 2:
            return PILImage.fromarray(array)
        array = (array >> 8).astype("uint8")
    if mode is not None and mode not in ("L", "RGB", "RGBA"):
        return PILImage.fromarray(array).convert(mode)
    return PILImage.fromarray(array)


class Histogram:
    """A histogram to log per step: ``heron.Histogram(values)`` or ``heron.Histogram(np_histogram=np.histogram(x))``.

    Non-finite values are left out (and counted in ``nan_count`` / ``inf_count``).
    """

    def __init__(
        self,
        sequence: Any = None,
        *,
        np_histogram: tuple[Any, Any] | None = None,
        num_bins: int = 64,
    ) -> None:
        import numpy as np

        if (
            isinstance(num_bins, bool)
            or not isinstance(num_bins, int)
            or not 1 <= num_bins <= MAX_HISTOGRAM_BINS
        ):
            raise UsageError(
                f"num_bins must be an int in 1..{MAX_HISTOGRAM_BINS}, got {num_bins!r}"
            )
        self.nan_count = 0
        self.inf_count = 0
        if (sequence is None) == (np_histogram is None):
            raise UsageError(
                "heron.Histogram takes either a sequence of values or np_histogram=(counts, edges)"
            )
        if np_histogram is not None:
            try:
                counts, edges = (np.asarray(part, dtype=np.float64) for part in np_histogram)
            except (TypeError, ValueError):
                raise UsageError(
                    "np_histogram must be (counts, bin_edges) as numpy.histogram returns"
                ) from None
            if counts.ndim != 1 or edges.shape != (counts.size + 1,):
                raise UsageError(
                    f"np_histogram needs len(bin_edges) == len(counts) + 1, got {edges.size} and {counts.size}"
                )
            if counts.size > MAX_HISTOGRAM_BINS:
                raise UsageError(
                    f"a histogram has at most {MAX_HISTOGRAM_BINS} bins, got {counts.size}"
                )
        else:
            try:
                values = np.asarray(sequence, dtype=np.float64).ravel()
            except (TypeError, ValueError):
                raise UsageError("heron.Histogram takes a sequence of numbers") from None
            finite = np.isfinite(values)
            self.nan_count = int(np.isnan(values).sum())
            self.inf_count = int((~finite).sum()) - self.nan_count
            counts, edges = np.histogram(values[finite], bins=num_bins)
        self.bins: list[float] = [float(edge) for edge in edges]
        self.counts: list[float] = [float(count) for count in counts]

    def to_json(self) -> dict[str, Any]:
        """The stored payload: ``bins`` (edges, one more than counts) and ``counts``."""
        payload: dict[str, Any] = {"bins": self.bins, "counts": self.counts}
        if self.nan_count or self.inf_count:
            payload["nan_count"], payload["inf_count"] = self.nan_count, self.inf_count
        return payload

    def log_to(self, run: RunContext, key: str, step: int) -> ObjectResult:
        """The histogram's payload, stored as ``key`` at ``step`` (what ``run.log`` calls)."""
        return "histogram", self.to_json()

    def __repr__(self) -> str:
        return f"<heron.Histogram {len(self.counts)} bins, {int(sum(self.counts))} values>"
