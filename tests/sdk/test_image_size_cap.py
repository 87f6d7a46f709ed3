"""An image bigger than an hrw image may hold is refused where it is made, before any copy."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import heron
from heron.errors import MediaError


@pytest.mark.parametrize(
    ("dtype", "shape", "stored_shape"),
    [
        (np.uint8, (30_000, 30_000, 3), (30_000, 30_000, 3)),  # 2.5 GiB
        (np.uint16, (20_000, 20_000, 3), (20_000, 20_000, 3)),  # 2.2 GiB (1.1 GiB as uint8)
        (np.float32, (3, 30_000, 30_000), (30_000, 30_000, 3)),  # channels first, as torch has it
    ],
)
def test_an_image_over_the_pixel_cap_is_refused_at_construction_naming_its_shape(
    store_dir: Path, dtype: type, shape: tuple[int, ...], stored_shape: tuple[int, ...]
) -> None:
    # A broadcast view: gigabytes of pixels declared, one value held.
    huge = np.broadcast_to(np.zeros((), dtype), shape)
    with heron.init(project="p", dir=store_dir) as run:
        with pytest.raises(MediaError, match=re.escape(f"shape {stored_shape}")) as refused:
            heron.Image(huge)
        assert "at most 2 GiB of pixels" in str(refused.value)
        run.log({"fine": heron.Image(np.zeros((4, 4, 3), np.uint8))})
    assert heron.Api(store_dir).run(run.path).state == "finished"
