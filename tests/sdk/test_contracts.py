"""The SDK's public seams: what ``run.log`` calls on a value, how a run and an artifact version
read the store, and what a table read back from an artifact is.

A value logged with ``run.log`` is stored through its ``log_to(run, key, step)`` (the
:class:`heron.sdk.interfaces.Loggable` protocol), so a user's own kind of value logs like a
built-in one; tables are found by the query layer's resolver, with the same messages as the
server's.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest

import heron
from heron.errors import NotFoundError, UsageError
from heron.sdk.interfaces import ObjectResult, RunContext
from heron.sdk.logged_table import LoggedTable


class ClassCounts:
    """A user's own value: logs the count of each class as a histogram, in the run's pool."""

    def __init__(self, counts: list[int]) -> None:
        self.counts = counts
        self.logged_to: list[tuple[str, str, int]] = []

    def log_to(self, run: RunContext, key: str, step: int) -> Future[ObjectResult]:
        self.logged_to.append((run.path, key, step))
        edges = [float(i) for i in range(len(self.counts) + 1)]
        return run.executor.submit(
            lambda: ("histogram", {"bins": edges, "counts": [float(c) for c in self.counts]})
        )


def test_a_value_with_log_to_is_stored_like_a_built_in_one(store_dir: Path) -> None:
    counts = ClassCounts([3, 0, 5])
    with heron.init(project="seams") as run:
        run.log({"classes": counts}, step=4)
    assert counts.logged_to == [(run.path, "classes", 4)]
    stored = heron.Api().run(run.path).histograms("classes")
    assert stored == {"classes": {4: {"bins": [0.0, 1.0, 2.0, 3.0], "counts": [3.0, 0.0, 5.0]}}}


def test_a_runs_api_reads_what_it_logged_without_recording_a_use(store_dir: Path) -> None:
    with heron.init(project="seams") as run:
        artifact = heron.Artifact("labels", type="dataset")
        with artifact.new_file("labels.txt") as handle:
            handle.write("cat\ndog\n")
        run.log_artifact(artifact)
        read = run.api.artifact("labels:latest")
        assert read.version == "v0"
        logger = read.logged_by()
        assert logger is not None and logger.id == run.id
        assert run.api.run(run.path).used_artifacts() == []  # reading is not using
        used = run.use_artifact("labels:latest")
        assert [version.version for version in run.api.run(run.path).used_artifacts()] == ["v0"]
    assert used.used_by()[0].path == run.path


def test_api_from_store_reads_an_open_store(store_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "another-store"
    with heron.init(project="seams", dir=elsewhere) as run:
        run.log({"loss": 0.5})
    api = heron.Api.from_store(run.store)
    assert api.store is run.store
    assert [found.id for found in api.runs("seams")] == [run.id]
    assert api.run(run.id).api is api


def test_a_table_in_an_artifact_reads_back_as_a_logged_table(store_dir: Path) -> None:
    table = heron.Table(columns=["id", "label"], data=[[1, "cat"], [2, "dog"]])
    with heron.init(project="seams") as run:
        artifact = heron.Artifact("split", type="dataset")
        artifact.add(table, "train")
        run.log_artifact(artifact)
        run.log({"train": table})
    from_artifact = heron.Api().artifact("split:v0").get("train")
    from_run = heron.Api().run(run.path).table("train")
    assert isinstance(from_artifact, LoggedTable) and isinstance(from_run, LoggedTable)
    assert from_artifact.label == "seams/split:v0/train"
    assert from_run.label == f"{run.path}/train@0"
    assert from_artifact.get_column("label") == from_run.get_column("label") == ["cat", "dog"]
    with pytest.raises(NotFoundError, match="has no path 'test'"):
        heron.Api().artifact("split:v0").get("test")


def test_a_run_table_that_is_missing_says_what_there_is(store_dir: Path) -> None:
    with heron.init(project="seams") as run:
        for epoch in (0, 2):
            run.log({"preds": heron.Table(columns=["x"], data=[[epoch]])}, step=epoch)
    stored = heron.Api().run(run.path)
    assert stored.table("preds").get_column("x") == [2]  # the latest step
    assert stored.table("preds", step=0).step == 0
    with pytest.raises(NotFoundError, match=r"no table 'pred'; its tables: \['preds'\]"):
        stored.table("pred")
    with pytest.raises(NotFoundError, match=r"no table 'preds' at step 1; steps: \[0, 2\]"):
        stored.table("preds", step=1)
    with pytest.raises(UsageError, match="step"):
        stored.table("preds", step=-1)


def test_reading_a_table_loads_no_http_models(store_dir: Path) -> None:
    # A fresh process reading a table back is what the read benchmark times: it finds the table
    # as the server does, but without the request models (pydantic costs ~0.2 s to import).
    with heron.init(project="seams") as run:
        run.log({"preds": heron.Table(columns=["x"], data=[[1], [2]])})
    code = (
        "import sys, heron\n"
        f"frame = heron.Api({str(store_dir)!r}).run({run.path!r}).table('preds').to_pandas()\n"
        "assert list(frame['x']) == [1, 2]\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
