"""The query routes under the engine's limits: an exploding join refused, a stopped query run
once, a full server answering 503, long in-lists, and exports of very long queries by POST.

Run as a script (``python test_query_limits.py STORE_DIR``), this file logs the store the tests
read: two runs, each with a 20,000-row table whose ``truth`` has two values.
"""

from __future__ import annotations

import csv
import io
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PROJECT = "limits"
RUNS = ("a", "b")
N = 20_000


def truth_of(run: int, i: int) -> str:
    """The two-valued column of run ``run``'s row ``i``."""
    return "cat" if (i * 7 + run) % 3 else "dog"


def log_store(directory: Path) -> None:
    """Log the two runs' tables into ``directory``; prints ``run_id<TAB>name`` lines."""
    import os

    import pandas as pd

    import heron

    os.environ["HERON_DIR"] = str(directory)
    for r, name in enumerate(RUNS):
        frame = pd.DataFrame(
            {
                "id": range(N),
                "truth": [truth_of(r, i) for i in range(N)],
                "score": [i / N for i in range(N)],
            }
        )
        with heron.init(project=PROJECT, name=name) as run:
            run.log({"preds": heron.Table(dataframe=frame)}, step=0)
            print(f"{run.id}\t{name}")


if __name__ == "__main__":
    log_store(Path(sys.argv[1]))
    sys.exit(0)

from fastapi.testclient import TestClient  # noqa: E402

from heron.errors import QueryLimitError  # noqa: E402
from heron.query.engine import Engine, set_default_engine  # noqa: E402
from heron.query.parser import MAX_TEXT  # noqa: E402
from heron.server import create_app  # noqa: E402
from tests.fixtures.local import local_client  # noqa: E402

URL = f"/api/projects/{PROJECT}/query"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Path, list[Any]]]:
    """A client on the logged store, its directory, and the request's table list."""
    from tests.fixtures.scripts import names_to_ids, run_script

    directory = tmp_path_factory.mktemp("limits") / "heron-data"
    ids = names_to_ids(run_script(__file__, str(directory)))
    tables = [{"run_id": ids[name], "key": "preds", "step": 0} for name in RUNS]
    with local_client(create_app(directory)) as client:
        yield client, directory, tables


@pytest.fixture
def engine_with() -> Iterator[Any]:
    """Serve with an engine of the given limits (the server uses the process-wide engine)."""

    def make(**limits: Any) -> Engine:
        engine = Engine(cache="off", **limits)
        set_default_engine(engine)
        return engine

    previous = set_default_engine(None)
    yield make
    set_default_engine(previous)


def _join(on: str) -> dict[str, Any]:
    return {"merge": {"mode": "join", "on": on}, "page": {"offset": 0, "size": 5}}


def test_an_exploding_join_is_refused_with_its_size(
    served: tuple[TestClient, Path, list[Any]], engine_with: Any
) -> None:
    client, _, tables = served
    engine = engine_with(join_max_rows=1_000_000)
    counts = [
        {v: sum(truth_of(r, i) == v for i in range(N)) for v in ("cat", "dog")} for r in (0, 1)
    ]
    rows = sum(counts[0][v] * counts[1][v] for v in ("cat", "dog"))
    response = client.post(URL, json={"tables": tables, "query": _join("truth")})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "QueryLimitError" and error["field"] is None
    assert error["message"].startswith(
        f'joining on "truth" would produce about {rows:,} rows (2 distinct values over '
        f"{N:,} rows per side); join on a column that identifies rows, such as id"
    )
    assert engine.statements().get("join", 0) == 0
    joined = client.post(URL, json={"tables": tables, "query": _join("id")})
    assert joined.status_code == 200 and joined.json()["total"] == N


def test_a_stopped_join_runs_once(
    served: tuple[TestClient, Path, list[Any]], engine_with: Any
) -> None:
    # 200 million rows cannot be joined in half a second: the statement is stopped, and the
    # error path (which finds the part of the document at fault) must not run it again.
    client, directory, tables = served
    engine = engine_with(timeout=0.5, join_max_rows=10**13)
    response = client.post(URL, json={"tables": tables, "query": _join("truth")})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "QueryLimitError"
    assert "longer than its time limit of 0.5 s" in error["message"]
    assert engine.statements()["join"] == 1
    assert engine.statements()["stopped"] == 1
    # Spilling, had the join gone on, would have written inside the store.
    assert (directory / "cache" / "query-spill").is_dir()


def test_a_full_server_answers_503_and_a_free_one_answers(
    served: tuple[TestClient, Path, list[Any]], engine_with: Any
) -> None:
    client, _, tables = served
    engine = engine_with(timeout=0.5, concurrency=1, join_max_rows=10**13)
    from heron.query import merge
    from heron.server.routes.queries import ExplorerRequest, resolve_sources

    request = ExplorerRequest.model_validate({"tables": tables})
    two = resolve_sources(client.app.state.store, PROJECT, request.tables)
    held: list[BaseException] = []

    def hold_the_slot() -> None:
        try:
            merge(two, on="truth", engine=engine).page(0, 5, deadline=time.monotonic() + 3)
        except QueryLimitError as error:  # the join is stopped at its deadline
            held.append(error)

    holder = threading.Thread(target=hold_the_slot)
    holder.start()
    while engine.statements().get("join", 0) == 0:
        time.sleep(0.01)  # wait until the join holds the only slot
    one = {"tables": tables[:1], "query": {"page": {"size": 1}}}
    busy = client.post(URL, json=one)
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["error"]["message"].startswith("the server is busy")
    holder.join()
    assert len(held) == 1
    assert client.post(URL, json=one).json()["total"] == N


def test_a_hundred_thousand_value_in_list(
    served: tuple[TestClient, Path, list[Any]], engine_with: Any
) -> None:
    client, _, tables = served
    engine_with(timeout=20)
    wanted = list(range(0, 200_000, 2))  # 100,000 values, 10,000 of them ids in the table
    items = [{"node": "literal", "value": v} for v in wanted]
    document = {
        "filter": {"node": "in", "operand": {"node": "column", "name": "id"}, "items": items},
        "page": {"offset": 0, "size": 3},
    }
    response = client.post(URL, json={"tables": tables[:1], "query": document})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == N // 2
    assert [row["id"] for row in body["rows"]] == [0, 2, 4]


def test_export_of_a_very_long_query_by_post(
    served: tuple[TestClient, Path, list[Any]], engine_with: Any
) -> None:
    client, _, tables = served
    engine_with(timeout=20)
    # A filter as long as the language allows: far beyond what fits in a URL.
    picked: list[int] = []
    text = 'row["truth"] = "dog" and row["id"] in []'
    for i in range(0, 10 * N, 3):  # ids past N match nothing
        longer = text[:-1] + (", " if picked else "") + str(i) + "]"
        if len(longer) > MAX_TEXT:
            break
        picked.append(i)
        text = longer
    assert len(text) > 99_000
    query = {"filter": text, "sort": [{"column": "id", "descending": True}]}
    response = client.post(
        f"{URL}/export", json={"tables": tables[:1], "query": query, "format": "csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = sorted((i for i in picked if i < N and truth_of(0, i) == "dog"), reverse=True)
    assert [int(r["id"]) for r in rows] == expected
    parquet = client.post(
        f"{URL}/export", json={"tables": tables[:1], "query": query, "format": "parquet"}
    )
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.column("id").to_pylist() == expected
    # A mistake in the posted query is answered like one in a page request.
    wrong = client.post(
        f"{URL}/export", json={"tables": tables[:1], "query": {"filter": 'row["nope"] = 1'}}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["field"] == "filter"
    bad_format = client.post(
        f"{URL}/export", json={"tables": tables[:1], "query": {}, "format": "xlsx"}
    )
    assert bad_format.status_code in (400, 422)


def test_every_route_answers_a_busy_engine_with_503() -> None:
    # Routes that run queries without their own error handling map errors in one place.
    from heron.server.errors import status_for

    assert status_for(QueryLimitError("the server is busy", "busy")) == 503
    assert status_for(QueryLimitError("took longer than its time limit", "time")) == 400
