"""Remote mode reads the server: a second machine sees the runs, history, tables (with their
images) and query results another machine logged, through ``heron.Api()`` alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import heron
from heron.errors import NotFoundError
from heron.store import runs as run_store
from heron.store import users
from heron.store.store import Store
from heron.sync.http import ApiClient
from heron.sync.pusher import Pusher
from tests.sync.server import ServerProcess


class Machines:
    """Remote mode on one server, as seen from several machines: each has its own spool."""

    def __init__(
        self, server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.server = server
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("HERON_URL", server.url)
        monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
        monkeypatch.delenv("HERON_BLOBS_URL", raising=False)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    def spool(self, machine: str) -> Path:
        """The spool directory of ``machine``."""
        return self.tmp_path / f"spool-{machine}"

    @contextmanager
    def on(self, machine: str, key: str) -> Iterator[Path]:
        """Act as ``machine`` signed in with ``key`` (its spool as HERON_DIR)."""
        self.monkeypatch.setenv("HERON_DIR", str(self.spool(machine)))
        self.monkeypatch.setenv("HERON_API_KEY", key)
        yield self.spool(machine)

    def server_store(self) -> Store:
        """The server's store, opened as the server opens it."""
        return Store.open(
            self.server.store_dir, database_url=self.server.database_url, create=False
        )

    def user(self, name: str, project: str | None = None, role: str | None = None) -> str:
        """A new user's API key on the server, with ``role`` in ``project`` if given."""
        store = self.server_store()
        try:
            key = users.create_user(store.engine, name).key
            if project is not None and role is not None:
                users.grant(store.engine, project, name, users.parse_role(role))
            return key
        finally:
            store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A running server keeping its metadata in SQLite, or in PostgreSQL as a team's does."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    process = ServerProcess(tmp_path / "server-data", database_url=url)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def machines(server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machines:
    """Machines in remote mode against the running server."""
    return Machines(server, tmp_path, monkeypatch)


def _log_training(tmp_path: Path) -> str:
    """Log, in the active mode, a run with metrics and an image predictions table; its id."""
    rng = np.random.default_rng(7)
    with heron.init(project="vision", name="train", config={"lr": 0.01}, tags=["a"]) as run:
        for step in range(250):
            run.log({"loss": 1.0 / (step + 1), "acc": step / 250})
        table = heron.Table(columns=["id", "image", "truth", "guess", "score"])
        for index in range(24):
            pixels = rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)
            truth = ("bird", "plant", "fungus")[index % 3]
            guess = truth if index % 4 else "bird"
            table.add_data(index, heron.Image(pixels), truth, guess, float(rng.random()))
        run.log({"predictions": table})
        run.log({"weights": heron.Histogram(list(rng.normal(size=100)))})
        return run.id


def _reads(api: heron.Api, path: str) -> dict[str, Any]:
    """What a user reads of the logged run through ``api``."""
    run = api.run(path)
    table = run.table("predictions")
    frame = table.to_pandas()
    query = table.query().filter('row["score"] > 0.3').group_by("truth")
    return {
        "runs": [(r.id, r.name, r.state, r.config, r.summary, r.tags) for r in api.runs("vision")],
        "record": (run.name, run.state, run.config, run.summary),
        "metric_keys": sorted(run.metric_keys()),
        "history": run.history().to_dict("list"),
        "tables": run.tables(),
        "histograms": run.histograms(),
        "columns": table.columns,
        "rows": frame.drop(columns=["image"]).to_dict("list"),
        "images": [cell.encoded_bytes() for cell in frame["image"]],
        "first_image": table.image(0).encoded_bytes(),  # type: ignore[union-attr]
        "filtered": table.query().filter('row["guess"] != row["truth"]').to_arrow().to_pylist(),
        "groups": query.to_arrow().to_pylist(),
    }


def test_a_second_machine_reads_what_the_first_logged_as_the_first_reads_it(
    any_server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    machines = Machines(any_server, tmp_path, monkeypatch)
    alice = machines.server.api_key
    with machines.on("a", alice) as spool_a:
        run_id = _log_training(machines.tmp_path)
        expected = _reads(heron.Api(dir=spool_a), f"vision/{run_id}")  # local read of A's spool

    with machines.on("b", alice) as spool_b:
        assert not spool_b.exists()  # a machine that never logged anything
        api = heron.Api()
        seen = _reads(api, f"vision/{run_id}")
        assert [p["name"] for p in api.projects()] == ["vision"]
        assert api.run(run_id).name == "train"  # a bare id finds the run too

    assert seen == expected
    assert len(expected["history"]["_step"]) == 250
    assert len(set(expected["images"])) == 24


def test_what_a_machine_copied_from_the_server_is_never_pushed_back(
    machines: Machines,
) -> None:
    alice = machines.server.api_key
    with machines.on("a", alice):
        run_id = _log_training(machines.tmp_path)
    server_store = machines.server_store()
    try:
        before = run_store.get_run(server_store.engine, run_id)
    finally:
        server_store.close()

    with machines.on("b", alice) as spool_b:
        run = heron.Api().run(f"vision/{run_id}")
        run.history()
        run.table("predictions")
        spool = Store.open(spool_b, create=False)
        try:
            pusher = Pusher(spool, ApiClient(machines.server.url, alice))
            sent = pusher.push()
            assert sent.empty, sent.describe()
            assert pusher.pending().empty
        finally:
            pusher.client.close()
            spool.close()

    server_store = machines.server_store()
    try:
        assert run_store.get_run(server_store.engine, run_id) == before
    finally:
        server_store.close()


def test_a_copied_run_takes_the_servers_record_and_a_run_logged_here_keeps_its_newer_one(
    machines: Machines,
) -> None:
    alice = machines.server.api_key
    with machines.on("a", alice):
        live = heron.init(project="vision", name="live")
        live.log({"loss": 1.0})
    with machines.on("b", alice) as spool_b:
        # B logs a run of its own, pushed when it finishes.
        with heron.init(project="vision", name="mine") as mine:
            mine.log({"loss": 2.0})
        # The live run reaches the server with A's first push.
        api = heron.Api()
        deadline = time.monotonic() + 60
        while not [r for r in api.runs("vision") if r.id == live.id]:
            assert time.monotonic() < deadline, "A's run never reached the server"
            time.sleep(0.05)  # polling the server for A's background push
        assert api.run(f"vision/{live.id}").state == "running"
        # B's spool changes both records: it marks the copy crashed (as opening a spool does
        # when the heartbeat looks stale) and edits its own run offline.
        spool = Store.open(spool_b, create=False)
        try:
            with spool.engine.begin() as connection:
                connection.exec_driver_sql(
                    "UPDATE runs SET state = 'crashed', updated_at = updated_at + 1000 "
                    "WHERE id = ?",
                    (live.id,),
                )
                connection.exec_driver_sql(
                    "UPDATE runs SET notes = 'edited offline', updated_at = updated_at + 1000 "
                    "WHERE id = ?",
                    (mine.id,),
                )
            pusher = Pusher(spool, ApiClient(machines.server.url, alice))
            # Only B's own edited run goes to the server; the crashed copy is not B's to send.
            assert pusher.pending().runs == 1
        finally:
            spool.close()
    with machines.on("a", alice):
        live.log({"loss": 0.5})
        live.finish()
    with machines.on("b", alice):
        runs = {r.id: r for r in heron.Api().runs("vision")}
        assert runs[live.id].state == "finished"  # the server's record replaced the copy
        assert runs[live.id].summary["loss"] == 0.5
        assert runs[mine.id].notes == "edited offline"  # newer here than on the server


def test_a_viewer_reads_but_cannot_push_and_an_outsider_sees_nothing_of_a_private_project(
    machines: Machines, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = machines.server.api_key
    with machines.on("a", alice):
        run_id = _log_training(machines.tmp_path)
        expected = heron.Api(dir=machines.spool("a")).run(run_id).history().to_dict("list")
    viewer = machines.user("val", "vision", "viewer")
    outsider = machines.user("otto")

    with machines.on("viewer", viewer):
        api = heron.Api()
        assert [r.id for r in api.runs("vision")] == [run_id]
        assert api.run(f"vision/{run_id}").history().to_dict("list") == expected
        capsys.readouterr()
        with heron.init(project="vision", name="not-allowed") as run:
            run.log({"loss": 1.0})
        assert "refused" in capsys.readouterr().err
    server_store = machines.server_store()
    try:
        assert [r.name for r in run_store.list_runs(server_store.engine, "vision")] == ["train"]
    finally:
        server_store.close()

    with machines.on("outsider", outsider):
        api = heron.Api()
        assert api.runs("vision") == []
        assert api.projects() == []
        with pytest.raises(NotFoundError):
            api.run(f"vision/{run_id}")


def test_a_live_runs_history_read_again_adds_only_what_was_logged_since(
    machines: Machines,
) -> None:
    alice = machines.server.api_key
    with machines.on("a", alice):
        live = heron.init(project="vision", name="live")
        for step in range(100):
            live.log({"loss": float(step)}, step=step)
    with machines.on("b", alice) as spool_b:
        api = heron.Api()
        deadline = time.monotonic() + 60
        while not [r for r in api.runs("vision") if r.id == live.id]:
            assert time.monotonic() < deadline, "A's run never reached the server"
            time.sleep(0.05)  # polling the server for A's background push
        run = api.run(f"vision/{live.id}")
        # A step is stored once the next one starts: the first 99 are on the server soon.
        while len(run.history()) < 99:
            assert time.monotonic() < deadline, "A's first 100 steps never reached the server"
            time.sleep(0.05)  # polling the server for A's background push
        first = run.history()
    with machines.on("a", alice):
        for step in range(100, 180):
            live.log({"loss": float(step)}, step=step)
        live.finish()
    with machines.on("b", alice):
        again = run.history()
    assert first["_step"].tolist() == list(range(len(first)))
    assert again["_step"].tolist() == list(range(180))
    assert again["loss"].tolist() == [float(step) for step in range(180)]
    # The second read copied only the chunks logged since: each chunk is in the spool once,
    # exactly as on the server.
    spool = Store.open(spool_b, create=False)
    server = machines.server_store()
    try:
        query = "SELECT key, first_step, n_points FROM metrics WHERE run_id = ? ORDER BY 1, 2"
        with spool.engine.connect() as a, server.engine.connect() as b:
            held = a.exec_driver_sql(query, (live.id,)).fetchall()
            assert held == b.exec_driver_sql(query, (live.id,)).fetchall()
    finally:
        spool.close()
        server.close()


def _log_pipeline(tmp_path: Path) -> tuple[str, str]:
    """Log, in the active mode, a dataset made by one run and used by a second run that logs
    a model; (the maker's id, the trainer's id)."""
    source = tmp_path / "pipeline-files"
    source.mkdir(exist_ok=True)
    (source / "train.csv").write_text("x,y\n1,2\n3,4\n")
    (source / "labels.txt").write_text("bird\nplant\n")
    with heron.init(project="vision", name="prepare", job_type="data") as maker:
        first = heron.Artifact("dataset", "dataset", metadata={"rows": 2})
        first.add_file(str(source / "train.csv"))
        maker.log_artifact(first)
        second = heron.Artifact("dataset", "dataset", metadata={"rows": 3})
        second.add_dir(str(source))
        maker.log_artifact(second, aliases=["golden"])
    with heron.init(project="vision", name="train", job_type="train") as trainer:
        trainer.use_artifact("dataset:golden")
        model = heron.Artifact("model", "model", description="weights")
        (source / "weights.bin").write_bytes(bytes(range(256)) * 8)
        model.add_file(str(source / "weights.bin"))
        trainer.log_artifact(model, aliases=["best"])
    return maker.id, trainer.id


def _artifact_reads(api: heron.Api, maker_id: str, trainer_id: str) -> dict[str, Any]:
    """What a user reads of the pipeline's artifacts and lineage through ``api``."""

    def version(a: heron.Artifact) -> tuple[Any, ...]:
        return (a.qualified_name, a.type, a.digest, a.aliases, a.metadata, a.size, a.files())

    def graph(g: dict[str, Any]) -> tuple[list[Any], list[Any]]:
        # Version ids are each store's own: compare versions by name and number.
        label = {n["id"]: n.get("qualified_name") or n["run_id"] for n in g["nodes"]}
        nodes = sorted((label[n["id"]], n["kind"], n["depth"]) for n in g["nodes"])
        edges = sorted((label[e["source"]], label[e["target"]], e["kind"]) for e in g["edges"])
        return nodes, edges

    model = api.artifact("vision/model:best")
    dataset = api.artifact("vision/dataset:golden")
    trainer, maker = api.run(f"vision/{trainer_id}"), api.run(f"vision/{maker_id}")
    collections = [
        {k: c[k] for k in ("project", "name", "type", "description", "versions", "latest_version")}
        for c in api.artifact_collections("vision")
    ]
    return {
        "artifacts": [version(a) for a in api.artifacts("vision")],
        "all_artifacts": [version(a) for a in api.artifacts()],
        "datasets": [version(a) for a in api.artifact_versions("vision/dataset")],
        "collections": collections,
        "logged_by": [getattr(a.logged_by(), "id", None) for a in (model, dataset)],
        "used_by": [[r.id for r in dataset.used_by()], [r.id for r in model.used_by()]],
        "logged": [[a.qualified_name for a in r.logged_artifacts()] for r in (maker, trainer)],
        "used": [[a.qualified_name for a in r.used_artifacts()] for r in (maker, trainer)],
        "lineage": graph(api.lineage(f"vision/{trainer_id}", depth=3)),
        "version_lineage": graph(dataset.lineage(depth=3)),
    }


def test_a_second_machine_lists_the_artifacts_and_lineage_the_first_logged(
    any_server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    machines = Machines(any_server, tmp_path, monkeypatch)
    alice = machines.server.api_key
    with machines.on("a", alice) as spool_a:
        maker_id, trainer_id = _log_pipeline(tmp_path)
        expected = _artifact_reads(heron.Api(dir=spool_a), maker_id, trainer_id)

    with machines.on("b", alice) as spool_b:
        api = heron.Api()
        # Listings first, on a machine that never logged nor opened anything.
        assert [a.qualified_name for a in api.artifacts()] == [
            "vision/dataset:v0",
            "vision/dataset:v1",
            "vision/model:v0",
        ]
        # A listed version's files come from the server when it is downloaded.
        listed = api.artifact_versions("vision/dataset")[-1]
        folder = listed.download(str(tmp_path / "download"))
        assert (folder / "labels.txt").read_text() == "bird\nplant\n"
        model = api.artifacts("vision")[-1]
        assert model.get_path("weights.bin", tmp_path / "m").read_bytes() == bytes(range(256)) * 8
        seen = _artifact_reads(api, maker_id, trainer_id)

        spool = Store.open(spool_b, create=False)
        try:
            pusher = Pusher(spool, ApiClient(machines.server.url, alice))
            sent = pusher.push()
            assert sent.empty, sent.describe()
        finally:
            pusher.client.close()
            spool.close()

    assert seen == expected
    assert expected["used_by"] == [[trainer_id], []]
    assert expected["logged_by"] == [trainer_id, maker_id]
    assert len(expected["lineage"][1]) == 4  # 2 outputs of the maker, 1 input, 1 output
    server_store = machines.server_store()
    try:
        with server_store.engine.connect() as connection:
            counts = [
                connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                for t in ("artifact_versions", "lineage")
            ]
    finally:
        server_store.close()
    assert counts == [3, 4]  # nothing sent back doubled a version or an edge


def test_an_outsider_lists_none_of_a_private_projects_artifacts(machines: Machines) -> None:
    alice = machines.server.api_key
    with machines.on("a", alice):
        _log_pipeline(machines.tmp_path)
    viewer = machines.user("val", "vision", "viewer")
    outsider = machines.user("otto")
    with machines.on("viewer", viewer):
        assert len(heron.Api().artifacts()) == 3
    with machines.on("outsider", outsider) as spool:
        api = heron.Api()
        assert api.artifacts() == []
        assert api.artifact_collections() == []
        assert api.artifacts("vision") == []
        assert not spool.exists() or _spool_artifact_rows(spool) == 0


def _spool_artifact_rows(spool: Path) -> int:
    store = Store.open(spool, create=False)
    try:
        with store.engine.connect() as connection:
            return int(
                connection.exec_driver_sql("SELECT count(*) FROM lineage").scalar() or 0
            ) + int(
                connection.exec_driver_sql("SELECT count(*) FROM artifact_versions").scalar() or 0
            )
    finally:
        store.close()


def test_lineage_into_another_project_shows_only_where_the_key_may_read_it(
    machines: Machines, tmp_path: Path
) -> None:
    alice = machines.server.api_key
    (tmp_path / "rows.csv").write_text("x\n1\n")
    with machines.on("a", alice):
        with heron.init(project="shared", name="collect") as collector:
            dataset = heron.Artifact("corpus", "dataset")
            dataset.add_file(str(tmp_path / "rows.csv"))
            collector.log_artifact(dataset)
        with heron.init(project="vision", name="train") as trainer:
            trainer.use_artifact("shared/corpus:latest")
    viewer = machines.user("val", "vision", "viewer")

    def upstream(api: heron.Api) -> list[str]:
        graph = api.lineage(f"vision/{trainer.id}", depth=2)
        return sorted(n.get("qualified_name") or n["path"] for n in graph["nodes"])

    with machines.on("b", alice):
        api = heron.Api()
        assert upstream(api) == sorted(
            [f"shared/{collector.id}", "shared/corpus:v0", f"vision/{trainer.id}"]
        )
        assert [a.qualified_name for a in api.run(f"vision/{trainer.id}").used_artifacts()] == [
            "shared/corpus:v0"
        ]
    with machines.on("viewer", viewer) as spool:
        api = heron.Api()
        assert upstream(api) == [f"vision/{trainer.id}"]
        assert api.run(f"vision/{trainer.id}").used_artifacts() == []
        assert _spool_artifact_rows(spool) == 0
