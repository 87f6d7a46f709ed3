"""The lineage of the walkthrough's pipeline: upload -> split -> train -> infer."""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from heron.errors import UsageError


def _pipeline(tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "raw"
    for label in ("Aves", "Fungi"):
        (data / label).mkdir(parents=True)
        for index in range(3):
            (data / label / f"{index}.jpg").write_bytes(f"{label} {index}".encode())
    runs: dict[str, str] = {}
    with heron.init(project="nature", job_type="upload") as run:
        raw = heron.Artifact("raw", type="raw_data")
        raw.add_dir(data)
        run.log_artifact(raw)
        runs["upload"] = run.id
    with heron.init(project="nature", job_type="split") as run:
        root = run.use_artifact("raw:latest").download(tmp_path / "raw-dl")
        split = heron.Artifact("split", type="balanced_data")
        split.add_dir(root / "Aves", name="train/Aves")
        split.add_dir(root / "Fungi", name="test/Fungi")
        run.log_artifact(split)
        runs["split"] = run.id
    for variant in ("small", "large"):
        with heron.init(project="nature", job_type="train") as run:
            run.use_artifact("split:latest")
            model = heron.Artifact("model", type="model")
            with model.new_file("weights.txt") as handle:
                handle.write(f"weights of {variant}")
            run.log_artifact(model, aliases=[variant])
            runs[f"train-{variant}"] = run.id
    with heron.init(project="nature", job_type="infer") as run:
        run.use_artifact("model:small")
        run.use_artifact("split:latest")
        predictions = heron.Artifact("predictions", type="predictions")
        with predictions.new_file("predictions.csv") as handle:
            handle.write("id,guess\n")
        run.log_artifact(predictions)
        runs["infer"] = run.id
    return runs


def _names(graph: dict[str, object]) -> set[str]:
    nodes = graph["nodes"]
    assert isinstance(nodes, list)
    return {n.get("qualified_name") or n["job_type"] for n in nodes}


def test_lineage_graph_of_a_pipeline(store_dir: Path, tmp_path: Path) -> None:
    runs = _pipeline(tmp_path)
    api = heron.Api()
    graph = api.lineage("nature/raw:v0", depth=10)
    ids = {n["id"]: n for n in graph["nodes"]}
    split_node = next(n for n in graph["nodes"] if n.get("qualified_name") == "nature/split:v0")
    model_small = next(n for n in graph["nodes"] if n.get("qualified_name") == "nature/model:v0")
    assert model_small["aliases"] == ["small"] and model_small["type"] == "model"
    edges = {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}
    raw_id = next(n["id"] for n in graph["nodes"] if n.get("qualified_name") == "nature/raw:v0")
    assert (f"run:{runs['upload']}", raw_id, "output") in edges
    assert (raw_id, f"run:{runs['split']}", "input") in edges
    assert (f"run:{runs['split']}", split_node["id"], "output") in edges
    assert (split_node["id"], f"run:{runs['train-small']}", "input") in edges
    assert (model_small["id"], f"run:{runs['infer']}", "input") in edges
    assert (split_node["id"], f"run:{runs['infer']}", "input") in edges
    assert len(edges) == 10
    assert _names(graph) == {
        "nature/raw:v0",
        "nature/split:v0",
        "nature/model:v0",
        "nature/model:v1",
        "nature/predictions:v0",
        "upload",
        "split",
        "train",
        "infer",
    }
    assert ids[raw_id]["depth"] == 0 and ids[f"run:{runs['infer']}"]["depth"] == 3
    for edge in graph["edges"]:
        assert edge["source"] in ids and edge["target"] in ids

    # depth limits the walk; direction follows the data flow or goes against it.
    near = api.lineage("nature/split:v0", depth=1)
    assert _names(near) == {"nature/split:v0", "split", "train", "infer"}
    upstream = api.lineage("nature/predictions:v0", depth=10, direction="upstream")
    assert _names(upstream) == {
        "nature/predictions:v0",
        "infer",
        "nature/model:v0",
        "nature/split:v0",
        "train",
        "split",
        "nature/raw:v0",
        "upload",
    }  # model:v1 (the large variant) did not lead to these predictions
    downstream = api.lineage(api.artifact("model:large"), depth=10, direction="downstream")
    assert _names(downstream) == {"nature/model:v1"}
    from_run = api.lineage(api.run(f"nature/{runs['split']}"), depth=1)
    assert _names(from_run) == {"split", "nature/raw:v0", "nature/split:v0"}
    assert api.artifact("split:v0").lineage(depth=0)["edges"] == []
    with pytest.raises(UsageError):
        api.lineage("nature/raw:v0", depth=-1)
