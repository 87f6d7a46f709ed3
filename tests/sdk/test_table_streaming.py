"""Image tables stream: images leave memory as rows are added, and every round trip still holds.

A table keeps only the references of its images (they are encoded and stored in batches while
rows come), so its memory does not grow with its pixels; what it logs is what was added, to the
run it was built in, to another store, twice, or from a process killed before logging (then
nothing is visible).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from concurrent.futures import wait
from pathlib import Path

import numpy as np
import pytest

import heron
from heron.errors import TableError
from heron.sdk.table_images import ImageColumn
from heron.store import codec
from heron.store.gc import collect
from heron.store.store import Store


def noise(rng: np.random.Generator, side: int) -> np.ndarray:
    return rng.integers(0, 256, (side, side, 3), dtype=np.uint8)


def traced() -> int:
    """Bytes allocated and not freed, leaving out the encoder's scratch buffers (a fixed size
    per thread, reused from batch to batch, whatever the number of rows)."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, codec.__file__)]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


@pytest.fixture
def tracing() -> object:
    tracemalloc.start()
    yield None
    tracemalloc.stop()


def test_a_table_of_2000_images_holds_their_references_not_their_pixels(
    store_dir: Path, tracing: object
) -> None:
    rng = np.random.default_rng(1)
    with heron.init(project="p", dir=store_dir) as run:  # imports and thread pools, unmeasured
        run.log({"warm": heron.Table(columns=["image"], data=[[heron.Image(noise(rng, 64))]])})
    before = traced()
    with heron.init(project="p", dir=store_dir) as run:
        table = heron.Table(columns=["id", "image", "label"])
        pixels = 0
        for i in range(2000):
            array = noise(rng, 64)
            pixels += array.nbytes
            table.add_data(i, heron.Image(array), f"class {i % 10}")
        run.log({"t": table}, step=0)
    held = traced() - before  # the table is still alive: rows, ids, labels and image refs
    assert pixels == 2000 * 64 * 64 * 3
    assert held < pixels / 20, f"{held / 1e6:.1f} MB held for {pixels / 1e6:.1f} MB of pixels"
    cells = table.get_column("image")
    assert all(isinstance(cell, heron.Image) for cell in cells)
    read = heron.Api(store_dir).run(run.path).table("t")
    assert [cell.sha256 for cell in read.get_column("image")] == [cell.sha256 for cell in cells]


def test_memory_stays_flat_while_images_are_added(store_dir: Path, tracing: object) -> None:
    rng = np.random.default_rng(2)
    with heron.init(project="p", dir=store_dir) as run:  # imports and thread pools, unmeasured
        run.log({"warm": heron.Table(columns=["image"], data=[[heron.Image(noise(rng, 32))]])})
    with heron.init(project="p", dir=store_dir) as run:
        before = traced()
        tracemalloc.reset_peak()
        table = heron.Table(columns=["id", "image"])
        pixels = 0
        for i in range(10_000):
            array = noise(rng, 32)
            pixels += array.nbytes
            table.add_data(i, heron.Image(array))
        peak = tracemalloc.get_traced_memory()[1] - before
        run.log({"t": table})
    # At most a few batches are queued or being stored at any moment, whatever the row count.
    assert peak < pixels / 3, f"peak {peak / 1e6:.1f} MB for {pixels / 1e6:.1f} MB of pixels"
    read = heron.Api(store_dir).run(run.path).table("t")
    assert len(read) == 10_000
    assert read.image(9_999) is not None


def overlaid_table(rng: np.random.Generator) -> tuple[heron.Table, list[np.ndarray]]:
    arrays = [noise(rng, 16) for _ in range(600)]
    table = heron.Table(columns=["id", "image"])
    for i, array in enumerate(arrays):
        if i == 3:
            table.add_data(i, None)
            continue
        mask = np.zeros((16, 16), np.int64)
        mask[: i % 16] = 1
        image = heron.Image(
            array,
            caption=f"row {i}",
            boxes=[{"x0": 0.1, "y0": 0.1, "x1": 0.5, "y1": 0.5, "class_id": i % 2}],
            masks=mask if i % 7 == 0 else None,
            classes=["cat", "dog"],
            mode="YCbCr" if i == 5 else None,
        )
        table.add_data(i, image)
    return table, arrays


def check_cells(cells: list[heron.Image | None], arrays: list[np.ndarray]) -> None:
    assert len(cells) == len(arrays) and cells[3] is None
    for i, (cell, array) in enumerate(zip(cells, arrays, strict=True)):
        if cell is None:
            continue
        assert np.array_equal(cell.to_numpy(), array)
        assert cell.caption == f"row {i}"
        assert cell.boxes[0]["class_id"] == i % 2 and cell.classes == {"0": "cat", "1": "dog"}
        masks = cell.masks
        assert len(masks) == (1 if i % 7 == 0 else 0)
        if masks:
            assert int(masks[0].sum()) == (i % 16) * 16


def test_a_table_built_before_any_run_round_trips_to_two_stores(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    table, arrays = overlaid_table(rng)  # no run open: the images wait in a spool
    check_cells(table.get_column("image"), arrays)  # readable before it is logged
    assert table.get_column("image")[5].to_pil().mode == "YCbCr"
    first, second = tmp_path / "first", tmp_path / "second"
    paths = []
    for directory in (first, second, first):  # two stores, and the first one twice
        with heron.init(project="p", dir=directory) as run:
            run.log({"t": table})
        paths.append((directory, run.path))
    for directory, path in paths:
        read = heron.Api(directory).run(path).table("t")
        check_cells(read.get_column("image"), arrays)
        assert read.get_column("id") == list(range(600))


def test_images_too_large_for_a_pack_are_copied_from_the_spool(store_dir: Path) -> None:
    rng = np.random.default_rng(9)
    arrays = [noise(rng, 640) for _ in range(2)]  # over 1 MiB encoded: a file each
    table = heron.Table(columns=["image"], data=[[heron.Image(array)] for array in arrays])
    with heron.init(project="p", dir=store_dir) as run:
        run.log({"big": table})
    cells = heron.Api(store_dir).run(run.path).table("big").get_column("image")
    assert len(cells) == 2
    assert np.array_equal(cells[0].to_numpy(), arrays[0])
    assert np.array_equal(cells[1].to_numpy(), arrays[1])
    assert len(list((store_dir / "blobs" / "objects").rglob("*"))) >= 2


def test_computed_columns_rows_and_retyping_see_the_stored_images(store_dir: Path) -> None:
    rng = np.random.default_rng(4)
    arrays = [noise(rng, 8) for _ in range(300)]
    with heron.init(project="p", dir=store_dir) as run:
        table = heron.Table(columns=["image"], dtypes={"image": heron.Image})
        for array in arrays:
            table.add_data(heron.Image(array))
        table.add_computed_columns(lambda i, row: {"first": int(row["image"].to_numpy()[0, 0, 0])})
        table.add_column("again", table.get_column("image"))
        assert [row[1] for row in table.data] == [int(a[0, 0, 0]) for a in arrays]
        run.log({"t": table})
    read = heron.Api(store_dir).run(run.path).table("t")
    again = read.get_column("again")
    assert [cell.sha256 for cell in again] == [cell.sha256 for cell in read.get_column("image")]
    assert np.array_equal(again[299].to_numpy(), arrays[299])


def test_the_same_images_every_epoch_add_no_blobs(store_dir: Path) -> None:
    rng = np.random.default_rng(5)
    arrays = [noise(rng, 32) for _ in range(700)]
    blobs = store_dir / "blobs"

    def stored_bytes() -> int:
        return sum(path.stat().st_size for path in blobs.rglob("*") if path.is_file())

    with heron.init(project="p", dir=store_dir) as run:
        sizes = []
        for epoch in range(5):
            table = heron.Table(columns=["id", "image", "epoch"])
            for i, array in enumerate(arrays):
                table.add_data(i, heron.Image(array), epoch)
            table.get_column("image")  # waits until every image is stored
            sizes.append(stored_bytes())
            run.log({"predictions": table}, step=epoch)
    assert sizes[0] >= sum(array.nbytes for array in arrays) * 0.9  # noise: about its pixels
    assert sizes[1:] == [sizes[0]] * 4
    api_run = heron.Api(store_dir).run(run.path)
    first = api_run.table("predictions", step=0).get_column("image")
    last = api_run.table("predictions", step=4).get_column("image")
    assert [c.sha256 for c in first] == [c.sha256 for c in last]


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    import heron

    run = heron.init(project="crash", dir=sys.argv[1])
    rng = np.random.default_rng(6)
    table = heron.Table(columns=["id", "image"])
    for i in range(1_000):
        table.add_data(i, heron.Image(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)))
    table.get_column("image")  # every image stored, the table not logged
    Path(sys.argv[2]).write_text("built")
    time.sleep(600)
    """
)


def test_a_process_killed_before_logging_leaves_no_table(store_dir: Path, tmp_path: Path) -> None:
    script, built = tmp_path / "child.py", tmp_path / "built"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), str(store_dir), str(built)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not built.exists():
        if child.poll() is not None:
            raise AssertionError(f"child ended early: {child.communicate()}")
        assert time.monotonic() < deadline, "the child never built its table"
        time.sleep(0.05)  # polling for the child's file, not a timed wait
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)

    api = heron.Api(store_dir)
    [crashed] = api.runs("crash")
    assert crashed.state == "crashed" and crashed.tables() == {}
    assert not (store_dir / "tables").exists() or not any((store_dir / "tables").rglob("*.parquet"))
    store = Store.open(store_dir)
    report = collect(store, min_age=0)
    assert report.referenced == 0 and report.total_blobs == 1_000
    assert len(report.packed) == 1_000  # unreferenced: gc reports them


def _log_in_forked_child(directory: str) -> None:
    rng = np.random.default_rng(7)
    with heron.init(project="p", dir=directory) as run:
        table = heron.Table(columns=["image"])
        for _ in range(600):
            table.add_data(heron.Image(noise(rng, 8)))
        run.log({"child": table})


def test_a_forked_child_streams_its_own_tables(store_dir: Path) -> None:
    rng = np.random.default_rng(8)
    built = heron.Table(columns=["image"], data=[[heron.Image(noise(rng, 8))] for _ in range(300)])
    assert len(built.get_column("image")) == 300  # this process's pool and spool are running
    child = multiprocessing.get_context("fork").Process(
        target=_log_in_forked_child, args=(str(store_dir),)
    )
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0
    [run] = heron.Api(store_dir).runs("p")
    assert len(run.table("child").get_column("image")) == 600
    assert built.get_column("image")[299] is not None  # the parent's spool is still there
    assert built.get_column("image")[299].to_numpy().shape == (8, 8, 3)


def test_a_batch_the_store_refused_is_stored_again_at_the_next_log(store_dir: Path) -> None:
    rng = np.random.default_rng(10)
    arrays = [noise(rng, 8) for _ in range(310)]
    packs = store_dir / "blobs" / "packs"
    with heron.init(project="p", dir=store_dir) as run:
        table = heron.Table(columns=["image"])
        for array in arrays[:10]:
            table.add_data(heron.Image(array))
        table.get_column("image")  # stored: the pack file is open
        run.store.blobs.close()
        packs.rename(packs.with_name("packs-aside"))
        packs.write_text("not a directory")  # the store cannot start a pack file now
        for array in arrays[10:]:
            table.add_data(heron.Image(array))
        run.log({"t": table}, step=0)
        with pytest.raises(
            TableError, match=r"column 'image', rows 10\.\.265: cannot store a blob"
        ):
            table.get_column("image")
        # The error names the first refused batch; the last one (rows 266..309) may still be on
        # its way to the store, and would make a new packs directory as soon as the file below
        # is gone: every batch settles first.
        column = table._values[0]
        assert isinstance(column, ImageColumn)
        wait([chunk.future for chunk in column._chunks])
        packs.unlink()
        packs.with_name("packs-aside").rename(packs)
        run.log({"t": table}, step=1)
    assert [(f.key, f.first_step) for f in run.failures] == [("t", 0)]
    read = heron.Api(store_dir).run(run.path).table("t", step=1)
    cells = read.get_column("image")
    assert len(cells) == 310
    assert np.array_equal(cells[309].to_numpy(), arrays[309])
