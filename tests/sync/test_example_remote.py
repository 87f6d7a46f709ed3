"""The walkthrough (examples/inaturalist) against a server, unchanged but for HERON_URL and
HERON_API_KEY: every run, table, artifact and lineage edge it logs arrives on the server."""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from examples.inaturalist.cli import main
from tests.sync.server import ServerProcess

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:keras"
    ),
]


def _summary(store_dir: Path) -> dict[str, object]:
    """What the walkthrough's user looks at: runs by job type, artifacts, tables, lineage."""
    api = heron.Api(store_dir)
    runs = {run.job_type: run for run in api.runs("walkthrough")}
    model = api.artifact("walkthrough/inat_model:latest")
    results = runs["inference"].table("test_results").to_pandas()
    return {
        "runs": {job: (run.name, run.state, run.metric_keys()) for job, run in runs.items()},
        "raw": api.artifact("walkthrough/inat_raw_data_100:latest").digest,
        "split": api.artifact("walkthrough/inat_balanced_100:latest").digest,
        "model": (model.digest, sorted(model.aliases)),
        "model_logged_by": model.logged_by().name,
        "model_used_by": sorted(run.name for run in model.used_by()),
        "results": results.drop(columns=["image"]).to_dict("list"),
        "result_images": [image.sha256 for image in results["image"]],
    }


def test_the_walkthrough_logged_in_remote_mode_is_whole_on_the_server(
    tmp_path: Path, server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = tmp_path / "spool"
    monkeypatch.setenv("HERON_URL", server.url)
    monkeypatch.setenv("HERON_API_KEY", server.api_key)
    monkeypatch.setenv("HERON_DIR", str(spool))
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    flags = ["--workdir", str(tmp_path / "work"), "--project", "walkthrough"]

    assert main(["all", "--upload-per-class", "10", "--variants", "256:adam:2", *flags]) == 0

    assert _summary(server.store_dir) == _summary(spool)
