"""Arrow arrays of plain values (text, ints, floats, bools) built straight from their buffers.

``pa.array`` on a Python list (or any numpy array) first asks whether the object is a pandas
Series, which imports pandas: a third of a second that a script logging a table of numbers and
labels (or images, whose cells are text and ints) never otherwise pays. A column whose values
all have its exact Python type (or are None) is packed here with numpy into Arrow buffers
instead; anything else returns None and goes through ``pa.array``, which also words the errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

_NONE = type(None)
_INT32_MAX = 2**31 - 1


def _owned(data: Any) -> pa.Buffer:
    """``data`` (bytes or a numpy array) copied into Arrow's memory pool, where ``pa.array``'s
    output lives: a table's Arrow data is then all in one pool (counted and freed there), and
    no Python object is kept alive by it. The copy costs far less than building the values."""
    import numpy as np
    import pyarrow as pa

    source = np.frombuffer(data, np.uint8)
    buffer = pa.allocate_buffer(len(source))
    np.frombuffer(buffer, np.uint8)[:] = source
    return buffer


def plain_array(kind: str, values: list[Any]) -> pa.Array | None:
    """``values`` of a ``string``/``int``/``float``/``bool`` column as Arrow, or None when a
    value is not exactly of the column's Python type (ints in a float column, numpy scalars...)."""
    python_type = _PYTHON_TYPES.get(kind)
    if python_type is None:
        return None
    types = set(map(type, values))
    has_nulls = _NONE in types
    types.discard(_NONE)
    if types and types != {python_type}:
        return None
    import numpy as np
    import pyarrow as pa

    count = len(values)
    validity = None
    null_count = 0
    if has_nulls:
        valid = np.fromiter((value is not None for value in values), np.bool_, count)
        null_count = count - int(valid.sum())
        validity = _owned(np.packbits(valid, bitorder="little"))
        filler = _FILLERS[kind]
        values = [filler if value is None else value for value in values]
    if kind == "string":
        return text_array(values, validity, null_count)
    if kind == "bool":
        bits = np.packbits(np.fromiter(values, np.bool_, count), bitorder="little")
        return pa.Array.from_buffers(
            pa.bool_(), count, [validity, _owned(bits)], null_count=null_count
        )
    try:
        numbers = np.fromiter(values, np.int64 if kind == "int" else np.float64, count)
    except OverflowError:
        return None  # an int beyond 64 bits: pa.array words the error
    arrow_type = pa.int64() if kind == "int" else pa.float64()
    return pa.Array.from_buffers(
        arrow_type, count, [validity, _owned(numbers)], null_count=null_count
    )


def text_array(
    texts: list[str], validity: pa.Buffer | None = None, null_count: int = 0
) -> pa.Array | None:
    """A ``string`` column of str values as Arrow (a null's place holds "" under ``validity``),
    or None for text that is not valid UTF-8 or a column past 2 GiB: pa.array words those."""
    import numpy as np
    import pyarrow as pa

    count = len(texts)
    joined = "".join(texts)
    if joined.isascii():  # one byte per character: no need to encode each text
        data, lengths = joined.encode("ascii"), map(len, texts)
    else:
        try:
            encoded = [text.encode() for text in texts]
        except UnicodeEncodeError:
            return None
        data, lengths = b"".join(encoded), map(len, encoded)
    ends = np.fromiter(lengths, np.int64, count).cumsum()
    if count and int(ends[-1]) > _INT32_MAX:
        return None
    offsets = np.zeros(count + 1, np.int32)
    offsets[1:] = ends
    buffers = [validity, _owned(offsets), _owned(data)]
    return pa.Array.from_buffers(pa.string(), count, buffers, null_count=null_count)


def numbers_array(kind: str, chunks: Sequence[bytes]) -> pa.ChunkedArray:
    """An ``int``, ``float`` or ``bool`` column without nulls from its values packed in native
    byte order (``struct`` codes ``q``, ``d`` and ``?``), in order, in one or more chunks.

    Ints and floats are not copied: each chunk of bytes becomes an Arrow chunk over the same
    memory (kept alive by the array). Joining them into one buffer, as :func:`_owned` would,
    writes a 100,000-row table's numbers a second time into memory the process never touched:
    3 ms where memory is cheap, 40 ms on a machine whose fresh pages are slow to map, while the
    Parquet writer takes the chunks at the same speed. Bools are packed into bits (one copy).
    """
    import numpy as np
    import pyarrow as pa

    if kind == "bool":
        values = np.frombuffer(b"".join(chunks), np.bool_)
        bits = np.packbits(values, bitorder="little")
        array = pa.Array.from_buffers(pa.bool_(), len(values), [None, _owned(bits)])
        return pa.chunked_array([array])
    arrow_type = pa.int64() if kind == "int" else pa.float64()
    return pa.chunked_array(
        [
            pa.Array.from_buffers(arrow_type, len(chunk) // 8, [None, pa.py_buffer(chunk)])
            for chunk in chunks
            if chunk
        ],
        arrow_type,
    )


def dictionary_decoded(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A dictionary column as the values it holds, in the chunks it came in (a ChunkedArray has
    no ``dictionary_decode`` of its own)."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        chunks = [chunk.dictionary_decode() for chunk in column.chunks]
        return pa.chunked_array(chunks, column.type.value_type)
    return column.dictionary_decode()


def int32_array(values: list[Any]) -> pa.Array | None:
    """``values`` as an Arrow int32 array, or None unless each is an int that fits (no None):
    built from a buffer, since casting an int64 array would import ``pyarrow.compute``."""
    if set(map(type, values)) - {int}:
        return None
    import numpy as np
    import pyarrow as pa

    try:
        numbers = np.array(values, np.int64)
    except OverflowError:
        return None
    if len(values) and (int(numbers.min()) < -(2**31) or int(numbers.max()) > _INT32_MAX):
        return None
    small = numbers.astype(np.int32)
    return pa.Array.from_buffers(pa.int32(), len(values), [None, _owned(small)])


_PYTHON_TYPES: dict[str, type] = {"string": str, "int": int, "float": float, "bool": bool}
_FILLERS: dict[str, Any] = {"string": "", "int": 0, "float": 0.0, "bool": False}
