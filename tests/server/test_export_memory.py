"""Exporting a view of millions of rows streams it: the server's peak memory stays bounded.

Each export runs in a fresh `heron ui` process whose own peak (VmHWM) is read when it is done.
Before exports streamed, the server held the whole result as Arrow and the whole file in memory:
1,026 MiB (CSV) and 856 MiB (Parquet) for this table; streamed, about 310 and 460 MiB.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROWS = 2_000_000
PEAK_BOUND = 640 << 20
PHRASE = "the quick brown fox jumps over the lazy dog " * 2


def note_of(i: int) -> str:
    """The ``note`` cell of row ``i`` (about 100 characters)."""
    return f"note {i:07d}: {PHRASE}"


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store with one run whose table ``rows`` has ROWS rows; returns (store, run id)."""
    directory = tmp_path_factory.mktemp("export-memory") / "heron-data"
    script = textwrap.dedent(
        f"""
        import numpy as np
        import pyarrow as pa
        import heron
        n = {ROWS}
        ids = np.arange(n, dtype=np.int64)
        phrase = {PHRASE!r}
        table = pa.table({{
            "id": ids,
            "name": [f"row{{i:07d}}" for i in range(n)],
            "note": [f"note {{i:07d}}: {{phrase}}" for i in range(n)],
            "score": ids / 8.0,
            "even": ids % 2 == 0,
        }})
        with heron.init(project="big", name="export", dir={str(directory)!r}) as run:
            run.log({{"rows": heron.Table(dataframe=table)}}, step=0)
            print(run.id)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return directory, done.stdout.strip().splitlines()[-1]


class Server:
    """A `heron ui` process on a free port."""

    def __init__(self, store_dir: Path) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HERON_")}
        # No in-memory copy of the table: that is the table cache's memory (its own budget),
        # loaded in the background after a first query, not the export's.
        environment["HERON_QUERY_CACHE_MB"] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "heron.cli", "ui", "--dir", str(store_dir), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=environment,
        )
        assert self.process.stdout is not None
        match = re.search(r"(http://\S+/)", self.process.stdout.readline())
        assert match is not None, "heron ui printed no URL"
        self.url = match.group(1).rstrip("/")
        self.token = self.process.stdout.readline().rsplit(" ", 1)[-1].strip()

    def peak(self) -> int:
        """The server process's peak resident memory in bytes (VmHWM: its own, not a parent's)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) * 1024

    def stop(self) -> None:
        """End the process."""
        self.process.terminate()
        self.process.wait(timeout=30)
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture
def server(big_store: tuple[Path, str]) -> Iterator[Server]:
    """A fresh server on the big store, so its peak memory is this test's export alone."""
    running = Server(big_store[0])
    yield running
    running.stop()


def _download(response: httpx.Response, target: Path) -> None:
    assert response.status_code == 200, response.read()[:2000]
    with target.open("wb") as handle:
        for chunk in response.iter_bytes(1 << 20):
            handle.write(chunk)


def _request(run_id: str) -> dict[str, object]:
    return {"tables": [{"run_id": run_id, "key": "rows", "step": 0}], "query": {}}


def test_a_csv_export_of_two_million_rows_stays_in_bounded_memory(
    big_store: tuple[Path, str], server: Server, tmp_path: Path
) -> None:
    target = tmp_path / "rows.csv"
    body = {**_request(big_store[1]), "format": "csv"}
    url = f"{server.url}/api/projects/big/query/export"
    headers = {"X-Heron-Token": server.token}
    with httpx.stream("POST", url, json=body, headers=headers, timeout=300) as response:
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == 'attachment; filename="rows-0.csv"'
        assert int(response.headers["content-length"]) > 200 << 20
        _download(response, target)
    peak = server.peak()
    assert target.stat().st_size == int(response.headers["content-length"])
    picked = {0, 1, 1_234_567, ROWS - 1}
    count = 0
    with target.open(newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["id", "name", "note", "score", "even"]
        for i, row in enumerate(reader):
            count += 1
            if i in picked:
                assert row == [str(i), f"row{i:07d}", note_of(i), _csv_float(i / 8), _csv_bool(i)]
            elif i % 100_003 == 0:
                assert row[0] == str(i)  # in table order
    assert count == ROWS
    assert peak < PEAK_BOUND, f"the server's peak memory was {peak / (1 << 20):.0f} MiB"


def test_a_parquet_export_by_link_of_two_million_rows_stays_in_bounded_memory(
    big_store: tuple[Path, str], server: Server, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = tmp_path / "rows.parquet"
    params = {"format": "parquet", "request": json.dumps(_request(big_store[1]))}
    url = f"{server.url}/api/projects/big/query/export"
    with httpx.stream("GET", url, params=params, timeout=300) as response:
        assert response.headers["content-type"] == "application/vnd.apache.parquet"
        assert response.headers["content-disposition"] == 'attachment; filename="rows-0.parquet"'
        _download(response, target)
    peak = server.peak()
    exported = pq.ParquetFile(target)
    assert exported.metadata.num_rows == ROWS
    assert exported.schema_arrow.names == ["id", "name", "note", "score", "even"]
    ids = pq.read_table(target, columns=["id"]).column("id")
    assert ids.equals(pa.chunked_array([pa.array(range(ROWS), ids.type)]))  # in table order
    table = pq.read_table(target)
    for i in (0, 1_234_567, ROWS - 1):
        assert table.slice(i, 1).to_pylist() == [
            {"id": i, "name": f"row{i:07d}", "note": note_of(i), "score": i / 8, "even": i % 2 == 0}
        ]
    assert peak < PEAK_BOUND, f"the server's peak memory was {peak / (1 << 20):.0f} MiB"


def _csv_float(value: float) -> str:
    """How the export writes a float (as pyarrow's CSV writer does: 0, 0.125, 154320.875)."""
    return str(int(value)) if value == int(value) else repr(value)


def _csv_bool(i: int) -> str:
    return "true" if i % 2 == 0 else "false"


def test_a_streamed_query_is_stopped_at_its_time_limit_mid_stream() -> None:
    from heron.errors import QueryLimitError
    from heron.query.engine import Engine

    engine = Engine(timeout=1.0, cache="off")
    seen: list[int] = []

    def consume(schema: object, batches: Iterator[object]) -> None:
        for batch in batches:
            seen.append(batch.num_rows)  # type: ignore[attr-defined]

    # A result with no end: only the timer can stop it, while batches are being read.
    with pytest.raises(QueryLimitError) as stopped:
        engine.stream("SELECT i FROM range(1000000000000) t(i)", [], consume, batch_rows=4096)
    assert stopped.value.limit == "time" and "time limit of 1 s" in stopped.value.message
    assert seen, "batches streamed before the limit"
    assert engine.statements()["stopped"] == 1


@pytest.mark.parametrize("cache", ["off", "sync"])
def test_streamed_rows_are_the_query_s_rows_in_its_order(tmp_path: Path, cache: str) -> None:
    # Unsorted views of a table or a concatenation stream without a sort, relying on DuckDB
    # keeping scan order; sorted, joined, grouped and long-list views are sorted by DuckDB.
    # Either way the stream is exactly what the whole-result path returns.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from heron.query import Engine, Query, TableSource, concat, merge

    sources = []
    for run in range(2):
        parts = []
        for part in range(3):
            start = 100_000 * part + 7 * run
            ids = list(range(start, start + 70_000))
            table = pa.table({"id": ids, "label": [f"c{i % 7}" for i in ids]})
            path = tmp_path / f"run{run}-part{part}.parquet"
            pq.write_table(table, path, row_group_size=10_000)
            parts.append(path)
        sources.append(TableSource(parts, [("id", "int"), ("label", "string")], f"run-{run}"))
    engine = Engine(cache=cache)  # type: ignore[arg-type]
    one = Query(sources[0], engine=engine)
    long_list = 'row["id"] in [' + ", ".join(str(i) for i in range(0, 300_000, 97)) + "]"
    views = [
        one,
        one.filter('row["label"] != "c3"').add_column("twice", 'row["id"] * 2'),
        one.filter(long_list),
        one.sort("label", descending=True),
        concat(sources, engine=engine).filter('row["label"] = "c1"'),
        merge(sources, on="id", how="outer", engine=engine),
        one.group_by("label"),
    ]
    for view in views:
        view.to_arrow()  # with cache="sync", the table's copy is loaded by now
        expected = view.to_arrow()
        streamed = view.to_batches(
            lambda schema, batches: pa.Table.from_batches(list(batches), schema)
        )
        assert streamed.num_rows == expected.num_rows > 0, view
        assert streamed.equals(expected), view
