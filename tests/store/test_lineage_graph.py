"""The store's lineage graph: runs and versions with their records, and gaps shown, not raised."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import heron
from heron.store import blob_rows
from heron.store.database import write
from heron.store.lineage_graph import lineage_graph
from heron.store.store import Store


def _pipeline(store_dir: Path, tmp_path: Path) -> dict[str, str]:
    """upload -> raw:v0 -> split -> split:v0 -> train; returns the ids."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("a")
    (data / "b.txt").write_text("b")
    ids: dict[str, str] = {}
    with heron.init(project="p", name="upload") as run:
        raw = heron.Artifact("raw", type="dataset")
        raw.add_dir(data)
        run.log_artifact(raw)
        ids["upload"] = run.id
    with heron.init(project="p", name="split") as run:
        run.use_artifact("raw:v0")
        split = heron.Artifact("split", type="dataset")
        split.add_file(data / "a.txt", name="train/a.txt")
        run.log_artifact(split)
        ids["split"] = run.id
    with heron.init(project="p", name="train") as run:
        run.use_artifact("split:v0")
        ids["train"] = run.id
    api = heron.Api()
    ids["raw"] = api.artifact("p/raw:v0").id
    ids["split_v0"] = api.artifact("p/split:v0").id
    return ids


def test_nodes_carry_their_records_and_edges_follow_the_data(
    store_dir: Path, tmp_path: Path
) -> None:
    ids = _pipeline(store_dir, tmp_path)
    store = Store.open(store_dir)
    graph = lineage_graph(store.engine, version_ids=[ids["split_v0"]], depth=2)
    assert graph.start == [f"artifact:{ids['split_v0']}"] and not graph.truncated
    runs = {node.record.name: node.depth for node in graph.runs if node.record is not None}
    assert runs == {"split": 1, "train": 1}
    versions = {
        f"{node.record.name}:v{node.record.version}": node.depth
        for node in graph.artifacts
        if node.record is not None
    }
    assert versions == {"raw:v0": 2, "split:v0": 0}
    assert (f"run:{ids['split']}", f"artifact:{ids['split_v0']}", "output") in graph.edges
    assert (f"artifact:{ids['split_v0']}", f"run:{ids['train']}", "input") in graph.edges
    upstream = lineage_graph(
        store.engine, run_ids=[ids["train"]], depth=5, direction="upstream", max_nodes=3
    )
    assert upstream.truncated and len(upstream.runs) + len(upstream.artifacts) == 3


def test_a_deleted_run_or_version_and_lost_files_are_gaps_not_errors(
    store_dir: Path, tmp_path: Path
) -> None:
    ids = _pipeline(store_dir, tmp_path)
    database = sqlite3.connect(store_dir / "heron.db")
    try:
        # Removed as an outside tool would: the lineage edges stay behind.
        database.execute("PRAGMA foreign_keys=OFF")
        database.execute("DELETE FROM runs WHERE id = ?", (ids["train"],))
        database.execute("DELETE FROM artifact_files WHERE version_id = ?", (ids["split_v0"],))
        database.execute("DELETE FROM artifact_versions WHERE id = ?", (ids["split_v0"],))
        sha = database.execute(
            "SELECT sha256 FROM artifact_files WHERE version_id = ? AND path = 'b.txt'",
            (ids["raw"],),
        ).fetchone()[0]
        database.commit()
    finally:
        database.close()
    store = Store.open(store_dir)
    with write(store.engine) as connection:
        blob_rows.delete(connection, [sha])
    graph = lineage_graph(store.engine, run_ids=[ids["split"]], depth=2)
    runs = {node.run_id: node.record for node in graph.runs}
    assert runs[ids["train"]] is None and runs[ids["split"]] is not None
    artifacts = {node.version_id: node for node in graph.artifacts}
    assert artifacts[ids["split_v0"]].record is None
    assert artifacts[ids["raw"]].record is not None and artifacts[ids["raw"]].missing_files == 1
