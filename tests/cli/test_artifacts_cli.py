"""``heron artifacts``: list, show, get, verify, alias, gc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

import heron
from heron.cli.main import cli
from heron.store.store import Store


def _log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "Aves").mkdir(parents=True)
    (data / "Aves" / "1.jpg").write_bytes(b"bird")
    (data / "notes.txt").write_text("hello")
    with heron.init(project="nature", job_type="upload") as run:
        raw = heron.Artifact(
            "raw", type="raw_data", description="the raw images", metadata={"n": 2}
        )
        raw.add_dir(data)
        run.log_artifact(raw, aliases=["small"])
        (data / "notes.txt").write_text("hello again")
        raw2 = heron.Artifact("raw", type="raw_data")
        raw2.add_dir(data)
        run.log_artifact(raw2)
        model = heron.Artifact("model", type="model")
        model.add_file(data / "notes.txt", name="weights.txt")
        run.log_artifact(model)


def test_list_show_get_verify_alias(store_dir: Path, tmp_path: Path) -> None:
    _log(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(cli, ["artifacts", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split() == ["ARTIFACT", "TYPE", "VERSIONS", "LATEST", "UPDATED", "(UTC)"]
    assert lines[1].split()[:4] == ["nature/model", "model", "1", "v0"]
    assert lines[2].split()[:4] == ["nature/raw", "raw_data", "2", "v1"]
    by_type = runner.invoke(cli, ["artifacts", "list", "--type", "model"])
    assert "nature/model" in by_type.output and "nature/raw" not in by_type.output
    assert (
        "no artifacts of type 'nope'"
        in runner.invoke(cli, ["artifacts", "list", "--type", "nope"]).output
    )
    versions = json.loads(runner.invoke(cli, ["artifacts", "list", "--versions", "--json"]).output)
    assert [v["qualified_name"] for v in versions] == [
        "nature/model:v0",
        "nature/raw:v0",
        "nature/raw:v1",
    ]

    shown = runner.invoke(cli, ["artifacts", "show", "raw:small"])
    assert shown.exit_code == 0, shown.output
    assert "nature/raw:v0" in shown.output and "the raw images" in shown.output
    assert "Aves/1.jpg" in shown.output and "n = 2" in shown.output
    data = json.loads(runner.invoke(cli, ["artifacts", "show", "nature/raw:v1", "--json"]).output)
    assert data["aliases"] == ["latest"] and [f["path"] for f in data["files"]] == [
        "Aves/1.jpg",
        "notes.txt",
    ]
    assert data["logged_by"].startswith("nature/")

    root = tmp_path / "out"
    got = runner.invoke(cli, ["artifacts", "get", "raw:small", "--root", str(root)])
    assert got.exit_code == 0, got.output
    assert (root / "notes.txt").read_text() == "hello"
    assert (
        runner.invoke(cli, ["artifacts", "verify", "raw:small", "--root", str(root)]).exit_code == 0
    )
    (root / "notes.txt").write_text("edited")
    bad = runner.invoke(cli, ["artifacts", "verify", "raw:small", "--root", str(root)])
    assert bad.exit_code == 1 and "1 changed: notes.txt" in bad.output

    moved = runner.invoke(cli, ["artifacts", "alias", "raw:v1", "small"])
    assert moved.exit_code == 0 and "aliases latest, small" in moved.output
    assert "alias 'small' moved from v0 to v1" in moved.stderr
    assert heron.Api().artifact("raw:small").version == "v1"
    refused = runner.invoke(cli, ["artifacts", "alias", "raw:v0", "small", "--unique"])
    assert refused.exit_code != 0 and "already on v1" in str(refused.exception)
    removed = runner.invoke(cli, ["artifacts", "alias", "raw:v1", "small", "--remove"])
    assert removed.exit_code == 0 and heron.Api().artifact("raw:v1").aliases == ["latest"]


def test_errors_are_one_line_listing_what_exists(store_dir: Path, tmp_path: Path) -> None:
    _log(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "heron.cli", "artifacts", "show", "raw:v9"],
        capture_output=True,
        text=True,
        env={**os.environ, "HERON_DIR": str(store_dir)},
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: nature/raw has no version 'v9'; versions: v0, v1; aliases: latest -> v1, small -> v0"
    )
    root = tmp_path / "conflict"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    done = subprocess.run(
        [sys.executable, "-m", "heron.cli", "artifacts", "get", "raw:v0", "--root", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "HERON_DIR": str(store_dir)},
    )
    assert (
        done.returncode == 1
        and "overwrite" in done.stderr
        and (root / "notes.txt").read_text() == "mine"
    )


def test_gc_reports_by_default_and_deletes_only_when_asked(store_dir: Path, tmp_path: Path) -> None:
    _log(tmp_path)
    store = Store.open(store_dir)
    orphan_small = store.blobs.put(b"nobody refers to me")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2 << 20))
    orphan_large = store.blobs.put_file(big)
    stored_by = time.time()
    store.close()
    runner = CliRunner()
    young = runner.invoke(cli, ["artifacts", "gc"])
    assert young.exit_code == 0 and "left alone: 2 blob(s)" in young.output
    # --min-age 0 counts a blob created before now: wait for the clock to move past them.
    while time.time() <= stored_by:
        time.sleep(0.001)
    dry = runner.invoke(cli, ["artifacts", "gc", "--min-age", "0"])
    assert dry.exit_code == 0, dry.output
    assert "kept as files:  1 blob(s), 2.1 MB" in dry.output
    assert "inside packs:   1 blob(s), 19 B" in dry.output
    assert "dry run" in dry.output
    assert heron.Api().store.blobs.has(orphan_large)
    deleted = runner.invoke(cli, ["artifacts", "gc", "--min-age", "0", "--delete"])
    assert "deleted 1 blob(s), freed 2.1 MB" in deleted.output
    assert not (store_dir / "blobs" / "objects" / orphan_large[:2] / orphan_large).exists()
    fresh = heron.Api().store
    assert not fresh.blobs.has(orphan_large) and fresh.blobs.has(orphan_small)
    # Everything an artifact refers to is still there and correct.
    for ref in ("raw:v0", "raw:v1", "model:v0"):
        art = heron.Api().artifact(ref)
        assert art.verify(art.download(tmp_path / ref.replace(":", "-"))).ok
