"""The SDK in remote mode: the same calls as local mode, spooled and pushed in the background."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

import heron
from heron.errors import NotFoundError
from heron.store import runs as run_store
from heron.store.store import Store
from tests.sync.logged import contents, log_workflow
from tests.sync.server import ServerProcess


@pytest.fixture
def remote(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ServerProcess, Path]:
    """Remote mode on: HERON_URL and HERON_API_KEY set, the spool in a private directory."""
    spool = tmp_path / "spool"
    monkeypatch.setenv("HERON_URL", server.url)
    monkeypatch.setenv("HERON_API_KEY", server.api_key)
    monkeypatch.setenv("HERON_DIR", str(spool))
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return server, spool


def test_a_workflow_logged_in_remote_mode_is_on_the_server_when_its_runs_finish(
    remote: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    server, spool = remote

    run_ids = log_workflow(tmp_path)

    # finish() waited for the push: the server holds what the spool holds, nothing pending.
    assert contents(server.store_dir, run_ids) == contents(spool, run_ids)
    # The last run's finish() stopped the pusher: nothing keeps running in the background.
    assert not [t for t in threading.enumerate() if t.name == "heron-sync"]


def _wait_for_warning(caplog: pytest.LogCaptureFixture, text: str) -> None:
    deadline = time.monotonic() + 60
    while not any(text in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, f"no warning saying {text!r}"
        time.sleep(0.05)  # polling the log for the pusher's warning


def test_a_server_outage_mid_run_loses_no_metric_row(
    remote: tuple[ServerProcess, Path], caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = remote
    caplog.set_level(logging.WARNING, logger="heron.sync")
    run = heron.init(project="outage", name="long")
    for step in range(200):
        run.log({"loss": float(step)})
    server.stop()
    for step in range(200, 500):
        run.log({"loss": float(step)})
    # The pusher found the server gone (and said so) while the run kept logging.
    _wait_for_warning(caplog, "did not answer")
    restarted = threading.Event()

    def restart_soon() -> None:
        server.start()
        restarted.set()

    # While the server is away the run goes on; it comes back before the run finishes.
    threading.Thread(target=restart_soon).start()
    for step in range(500, 600):
        run.log({"loss": float(step)})
    restarted.wait(timeout=120)
    run.finish()

    store = Store.open(server.store_dir, create=False)
    try:
        history = run_store.read_history(store.engine, run.id)
        record = run_store.get_run(store.engine, run.id)
    finally:
        store.close()
    assert [step for step, _, _ in history] == list(range(600))
    assert [value for _, _, value in history] == [float(step) for step in range(600)]
    assert record.state == "finished"
    assert any("answers again" in record.getMessage() for record in caplog.records)


def test_finish_says_what_an_unreachable_server_has_not_received(
    remote: tuple[ServerProcess, Path],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    server, spool = remote
    server.stop()
    monkeypatch.setenv("HERON_SYNC_WAIT", "1")
    with heron.init(project="offline", name="away") as run:
        for step in range(1200):
            run.log({"loss": float(step)})

    err = capfd.readouterr().err
    assert "1,200 metric rows" in err
    assert f"not yet on {server.url}" in err
    assert f"heron sync {spool} --to {server.url}" in err


def test_a_machine_with_an_empty_spool_uses_an_artifact_another_one_logged(
    remote: tuple[ServerProcess, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = remote
    source = tmp_path / "files"
    source.mkdir()
    (source / "notes.txt").write_text("from machine A")
    (source / "weights.bin").write_bytes(bytes(range(256)) * 40_000)  # 10 MB: sent in chunks
    with heron.init(project="shared", name="maker") as run:
        artifact = heron.Artifact("model", type="model")
        artifact.add_dir(str(source))
        artifact.add(heron.Table(columns=["id", "label"], data=[[1, "a"], [2, "b"]]), "preds")
        run.log_artifact(artifact, aliases=["best"])

    # Machine B: another spool, empty; only the server links the two.
    monkeypatch.setenv("HERON_DIR", str(tmp_path / "spool-b"))
    with heron.init(project="shared", name="user") as run:
        used = run.use_artifact("model:best")
        target = Path(used.download(root=str(tmp_path / "b-download")))
        assert (target / "notes.txt").read_text() == "from machine A"
        assert (target / "weights.bin").read_bytes() == bytes(range(256)) * 40_000
        assert used.get("preds").to_pandas()["label"].tolist() == ["a", "b"]

    on_server = heron.Api(server.store_dir).artifact("shared/model:best")
    assert [run.name for run in on_server.used_by()] == ["user"]
    assert on_server.logged_by() is not None and on_server.logged_by().name == "maker"
    assert len(heron.Api(server.store_dir).artifact_versions("shared/model")) == 1


def test_a_wrong_key_keeps_everything_in_the_spool_and_finish_says_why(
    remote: tuple[ServerProcess, Path],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    server, spool = remote
    monkeypatch.setenv("HERON_API_KEY", "heron_revoked_or_wrong")
    with heron.init(project="keys", name="refused") as run:
        run.log({"loss": 1.0})

    err = capfd.readouterr().err
    assert f"heron: logging to {server.url}, spooled in {spool}" in err
    assert "not yet on" in err and "the server refused" in err and "key" in err
    local = heron.Api(spool).run(run.path)
    assert list(local.history(keys=["loss"])["loss"]) == [1.0]


def test_the_read_api_of_a_machine_with_an_empty_spool_gets_artifacts_from_the_server(
    remote: tuple[ServerProcess, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with heron.init(project="shared", name="maker") as run:
        artifact = heron.Artifact("labels", type="dataset")
        with artifact.new_file("labels.txt") as handle:
            handle.write("bird\nplant\n")
        run.log_artifact(artifact, aliases=["v-final"])

    monkeypatch.setenv("HERON_DIR", str(tmp_path / "spool-c"))
    labels = heron.Api().artifact("shared/labels:v-final")

    target = Path(labels.download(root=str(tmp_path / "c-download")))
    assert (target / "labels.txt").read_text() == "bird\nplant\n"
    assert "v-final" in labels.aliases


def test_an_alias_added_after_its_version_was_sent_reaches_the_server(
    remote: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    server, _ = remote
    with heron.init(project="aliases", name="maker") as run:
        for number in range(2):
            artifact = heron.Artifact("model", type="model")
            with artifact.new_file("w.txt") as handle:
                handle.write(f"weights {number}")
            run.log_artifact(artifact)
        _wait_until_the_server_has_versions(server, "aliases/model", 2)
        # Both versions were sent; now v0 is chosen as the one to ship.
        first = run.use_artifact("model:v0")
        first.add_alias("production")

    on_server = heron.Api(server.store_dir).artifact("aliases/model:production")
    assert on_server.version == "v0"


def _wait_until_the_server_has_versions(server: ServerProcess, name: str, count: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if len(heron.Api(server.store_dir).artifact_versions(name)) >= count:
                return
        except NotFoundError:
            pass
        assert time.monotonic() < deadline, f"the server never had {count} versions of {name}"
        time.sleep(0.1)  # polling the server's store for the background push
