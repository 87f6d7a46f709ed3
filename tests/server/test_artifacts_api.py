"""The artifact browser's API on the pipeline store: listing, files, downloads, aliases, diffs,
lineage (with a deleted version)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

BASE = "/api/projects/pipeline"


def test_types_collections_and_versions_with_their_runs(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    types = pipeline_client.get(f"{BASE}/artifacts").json()
    assert [t["type"] for t in types] == ["balanced_data", "model", "predictions", "raw_data"]
    model = pipeline_client.get(f"{BASE}/artifacts/inat-model").json()
    assert [v["version"] for v in model["versions"]] == ["v1", "v0"]
    v1, v0 = model["versions"]
    assert v1["aliases"] == ["latest", "fc1024"] and v0["aliases"] == ["fc256"]
    assert v0["created_by"]["id"] == ids["train fc256"]
    assert [run["id"] for run in v0["used_by"]] == [ids["infer fc256"]]
    assert v0["metadata"] == {"fc_size": 256, "epochs": 2, "optimizer": "rmsprop"}
    assert v0["file_count"] == 4 and len(v0["digest"]) == 64
    assert pipeline_client.get(f"{BASE}/artifacts/nope").status_code == 404
    assert pipeline_client.get("/api/projects/nope/artifacts").status_code == 404


def test_files_previews_and_ranged_download(pipeline_client: TestClient) -> None:
    files = pipeline_client.get(f"{BASE}/artifacts/inat-raw/latest/files").json()
    assert len(files) == 62
    kinds = {f["path"]: f["preview"] for f in files}
    assert kinds["README.md"] == "text" and kinds["classes.json"] == "json"
    assert kinds["images/Aves/aves_00.png"] == "image"
    preview = pipeline_client.get(f"{BASE}/artifacts/inat-raw/v0/preview/classes.json").json()
    assert preview["text"] == '{"classes": ["Aves", "Fungi", "Insecta"]}'
    ranged = pipeline_client.get(
        f"{BASE}/artifacts/inat-raw/v0/files/README.md", headers={"Range": "bytes=0-5"}
    )
    assert ranged.status_code == 206 and ranged.content == b"# Raw "
    image = pipeline_client.get(f"{BASE}/artifacts/inat-raw/v0/files/images/Aves/aves_00.png")
    assert image.headers["content-type"] == "image/png"
    saved = pipeline_client.get(f"{BASE}/artifacts/inat-raw/v0/files/README.md?download=true")
    assert "attachment" in saved.headers["content-disposition"]
    table = pipeline_client.get(f"{BASE}/artifacts/predictions-fc256/v0/files").json()[0]
    assert table["preview"] == "table" and table["n_rows"] == 12
    missing = pipeline_client.get(f"{BASE}/artifacts/inat-raw/v0/files/nope.txt")
    assert missing.status_code == 404 and "no file" in missing.json()["error"]["message"]


def test_whole_version_as_zip_and_tar(pipeline_client: TestClient) -> None:
    zipped = pipeline_client.get(f"{BASE}/artifacts/inat-model/v0/archive?format=zip")
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    assert sorted(archive.namelist()) == [
        "config.json",
        "history.csv",
        "val_predictions.table.parquet",
        "weights.bin",
    ]
    assert archive.read("config.json") == b'{"fc_size": 256}'
    tarred = pipeline_client.get(f"{BASE}/artifacts/inat-raw/v0/archive?format=tar")
    with tarfile.open(fileobj=io.BytesIO(tarred.content)) as tar:
        assert len(tar.getnames()) == 62
        member = tar.extractfile("README.md")
        assert member is not None and member.read().startswith(b"# Raw data")


def test_alias_edits_move_and_remove(pipeline_client: TestClient) -> None:
    added = pipeline_client.post(f"{BASE}/artifacts/inat-model/v0/aliases", json={"alias": "best"})
    assert added.json()["version"]["aliases"] == ["best", "fc256"]
    moved = pipeline_client.post(f"{BASE}/artifacts/inat-model/v1/aliases", json={"alias": "best"})
    assert moved.json()["messages"] == ["alias 'best' moved from v0 to v1"]
    assert "best" not in pipeline_client.get(f"{BASE}/artifacts/inat-model/v0").json()["aliases"]
    removed = pipeline_client.delete(f"{BASE}/artifacts/inat-model/best/aliases/best")
    assert removed.json()["version"]["aliases"] == ["latest", "fc1024"]
    latest = pipeline_client.delete(f"{BASE}/artifacts/inat-model/v1/aliases/latest")
    assert latest.status_code == 400
    bad = pipeline_client.post(f"{BASE}/artifacts/inat-model/v1/aliases", json={"alias": "v7"})
    assert bad.status_code == 400 and "reserved" in bad.json()["error"]["message"]


def test_compare_two_versions(pipeline_client: TestClient) -> None:
    diff = pipeline_client.get(f"{BASE}/artifacts/inat-model/compare/v0/v1").json()
    assert [f["path"] for f in diff["added"]] == ["optimizer.bin"]
    assert [f["path"] for f in diff["removed"]] == ["history.csv"]
    assert [f["path"] for f in diff["changed"]] == [
        "config.json",
        "val_predictions.table.parquet",
        "weights.bin",
    ]
    assert diff["unchanged"] == 0
    statuses = {m["key"]: (m["status"], m["a"], m["b"]) for m in diff["metadata"]}
    assert statuses["fc_size"] == ("changed", 256, 1024)
    assert statuses["epochs"] == ("same", 2, 2)
    same = pipeline_client.get(f"{BASE}/artifacts/inat-model/compare/v1/latest").json()
    assert same["added"] == same["removed"] == same["changed"] == [] and same["unchanged"] == 4


def test_lineage_of_the_pipeline_shows_the_deleted_version(
    pipeline_client: TestClient, pipeline_store: tuple[Path, dict[str, Any]]
) -> None:
    ids = pipeline_store[1]
    graph = pipeline_client.get(f"{BASE}/lineage", params={"artifact": "inat-raw:v0"}).json()
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    edges = {(labels[e["source"]], labels[e["target"]], e["kind"]) for e in graph["edges"]}
    assert ("upload raw", "inat-raw:v0", "output") in edges
    assert ("inat-raw:v0", "balanced split", "input") in edges
    assert ("inat-split:v0", "train fc256", "input") in edges
    assert ("train fc1024", "inat-model:v1", "output") in edges
    assert ("inat-model:v0", "infer fc256", "input") in edges
    assert ("infer fc256", "predictions-fc256:v0", "output") in edges
    assert len(graph["nodes"]) == 14 and len(graph["edges"]) == 15
    missing = [n for n in graph["nodes"] if n["status"] == "missing"]
    assert [(n["kind"], n["version_id"]) for n in missing] == [("artifact", ids["deleted_version"])]
    upstream = pipeline_client.get(
        f"{BASE}/lineage", params={"run": ids["infer fc256"], "depth": 1}
    ).json()
    assert {n["label"] for n in upstream["nodes"]} == {
        "infer fc256",
        "inat-model:v0",
        "inat-split:v0",
        "predictions-fc256:v0",
    }
    assert pipeline_client.get(f"{BASE}/lineage").status_code == 400
    assert pipeline_client.get(f"{BASE}/lineage", params={"run": "nope"}).status_code == 404


EPOCHS = "/api/projects/epochs/artifacts/classifier"


def test_compare_several_versions_each_against_the_first(pipeline_client: TestClient) -> None:
    found = pipeline_client.get(f"{EPOCHS}/compare", params={"versions": "v0,best,latest"}).json()
    assert [v["version"] for v in found["versions"]] == ["v0", "v1", "v2"]
    diffs = {d["version"]: d for d in found["diffs"]}
    assert list(diffs) == ["v1", "v2"] and {d["base"] for d in diffs.values()} == {"v0"}
    assert [f["path"] for f in diffs["v1"]["added"]] == ["optimizer.bin"]
    assert [f["path"] for f in diffs["v2"]["added"]] == [
        "calibration.table.parquet",
        "optimizer.bin",
    ]
    assert [f["path"] for f in diffs["v2"]["removed"]] == ["history.csv"]
    changed = diffs["v1"]["changed"]
    assert [c["path"] for c in changed] == ["predictions.table.parquet", "weights.bin"]
    assert (changed[0]["a"]["n_rows"], changed[0]["b"]["n_rows"]) == (12, 14)
    assert diffs["v1"]["unchanged"] == 1  # config.json
    rows = {m["key"]: m for m in found["metadata"]}
    assert rows["epochs"]["values"] == [1, 5, 10] and rows["epochs"]["status"] == "changed"
    assert rows["optimizer"]["changes"] == ["base", "same", "changed"]
    assert rows["lr"]["status"] == "removed" and rows["lr"]["present"] == [True, False, False]
    assert rows["val_acc"]["status"] == "added" and rows["val_acc"]["values"] == [None, 0.9, 0.9]
    assert found["tables"] == [
        {"name": "calibration", "path": "calibration.table.parquet", "rows": [None, None, 3]},
        {"name": "predictions", "path": "predictions.table.parquet", "rows": [12, 14, 14]},
    ]


def test_compare_versions_bad_input(pipeline_client: TestClient) -> None:
    one = pipeline_client.get(f"{EPOCHS}/compare", params={"versions": "v0, "})
    assert one.status_code == 400 and "at least two" in one.json()["error"]["message"]
    many = pipeline_client.get(f"{EPOCHS}/compare", params={"versions": ",".join(["v0"] * 9)})
    assert many.status_code == 400 and "at most 8" in many.json()["error"]["message"]
    missing = pipeline_client.get(f"{EPOCHS}/compare", params={"versions": "v0,v9"})
    assert missing.status_code == 404
    # A two-version comparison agrees with the pairwise endpoint.
    pair = pipeline_client.get(f"{EPOCHS}/compare/v0/v1").json()
    assert {m["key"]: m["status"] for m in pair["metadata"]} == {
        "epochs": "changed",
        "lr": "removed",
        "optimizer": "same",
        "val_acc": "added",
    }
    # Comparing a version with itself is allowed: nothing differs.
    same = pipeline_client.get(f"{EPOCHS}/compare", params={"versions": "v1,best"}).json()
    assert same["diffs"][0]["changed"] == [] and same["diffs"][0]["unchanged"] == 4


def test_the_tables_of_compared_versions_query_merged(pipeline_client: TestClient) -> None:
    def total(merge: dict[str, Any]) -> int:
        tables = [{"artifact": f"classifier:{v}", "name": "predictions"} for v in ("v0", "v1")]
        body = {"tables": tables, "query": {"version": 1, "merge": merge}}
        response = pipeline_client.post("/api/projects/epochs/query", json=body)
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    assert total({"mode": "join", "on": "id", "how": "inner"}) == 12
    assert total({"mode": "join", "on": "id", "how": "outer"}) == 14
    assert total({"mode": "concat"}) == 26
