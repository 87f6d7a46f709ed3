"""The background writer survives what it cannot store: real training processes, real databases.

A value that passes ``run.log``'s checks but that the store still refuses (here: a key a trigger
or CHECK constraint in the real database rejects) costs that value only. The writer reports it
on stderr naming key and step, keeps writing and heartbeating, and ``finish`` marks the run
finished and lists what was dropped in ``run.failures``.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

import heron
from heron.store import runs as run_store
from heron.store.store import Store

# Logs "loss" at steps 0..199. At step 100 it also logs "poison" (a metric) and "poison_hist" (a
# histogram), which the store refuses; then it keeps updating its summary (as a training loop
# would) until the test writes a line, and logs the remaining steps.
POISONED_RUN = textwrap.dedent(
    """
    import json, select, sys
    import heron

    run = heron.init(project="p")
    print(run.path, flush=True)
    for step in range(100):
        run.log({"loss": 1.0 / (step + 1)}, step=step)
    run.log({"loss": 0.01, "poison": 1.0, "poison_hist": heron.Histogram([1, 2, 3])}, step=100)
    run.log({"loss": 0.0099}, step=101)
    tick = 0
    while not select.select([sys.stdin], [], [], 0.05)[0]:
        tick += 1
        run.summary["tick"] = tick
    sys.stdin.readline()
    for step in range(102, 200):
        run.log({"loss": 1.0 / (step + 1)}, step=step)
    run.finish()
    print(json.dumps([[f.key, f.first_step, f.last_step, f.reason] for f in run.failures]))
    """
)


def _refuse_poison(store_dir: Path, database_url: str | None) -> None:
    """Make the real database refuse every metric and per-step object whose key starts with
    'poison' (a trigger on SQLite, a CHECK constraint on PostgreSQL)."""
    store = Store.open(store_dir, database_url=database_url)
    with store.engine.begin() as connection:
        for table in ("metrics", "run_objects"):
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(
                    f"CREATE TRIGGER refuse_poison_{table} BEFORE INSERT ON {table} "
                    "WHEN NEW.key LIKE 'poison%' "
                    "BEGIN SELECT RAISE(ABORT, 'this store refuses poison'); END"
                )
            else:
                connection.exec_driver_sql(
                    f"ALTER TABLE {table} ADD CONSTRAINT refuse_poison "
                    "CHECK (left(key, 6) <> 'poison')"
                )
    store.close()


class _Lines:
    """The lines a pipe yields, read by a thread so the test can wait for one with a deadline."""

    def __init__(self, pipe: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe: IO[str]) -> None:
        for line in pipe:
            self._queue.put(line)

    def wait_for(self, *needles: str, timeout: float = 120.0) -> str:
        """The first line holding every needle (lines before it are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if all(needle in line for needle in needles):
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line with {needles}; got: {''.join(self.seen)}")
            try:
                self.seen.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                continue


@pytest.fixture
def poisoned_run(
    store_dir: Path, database_url: str | None, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], _Lines, _Lines]]:
    _refuse_poison(store_dir, database_url)
    environment = dict(os.environ, HERON_DIR=str(store_dir))
    environment.pop("HERON_DATABASE_URL", None)
    if database_url:
        environment["HERON_DATABASE_URL"] = database_url
    script = tmp_path / "train.py"
    script.write_text(POISONED_RUN)
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert process.stdout is not None and process.stderr is not None
    readers = (_Lines(process.stdout), _Lines(process.stderr))
    try:
        yield process, *readers
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for reader in readers:
            reader.thread.join(timeout=30)
        for pipe in (process.stdin, process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def test_a_refused_value_is_dropped_alone_and_the_run_goes_on(
    poisoned_run: tuple[subprocess.Popen[str], _Lines, _Lines],
    store_dir: Path,
    database_url: str | None,
) -> None:
    process, stdout, stderr = poisoned_run
    path = stdout.wait_for("p/").strip()
    run_id = path.split("/")[1]

    # The writer says what it dropped, naming key and step, while the run is still going.
    refusal = "refuse_poison" if database_url else "this store refuses poison"
    stderr.wait_for("'poison' at step 100", refusal)
    stderr.wait_for("'poison_hist' at step 100")

    # ...and it keeps writing and heartbeating: another process opening the store (which marks
    # dead runs crashed) finds the run alive, and its heartbeat moves on.
    store = Store.open(store_dir, database_url=database_url)
    try:
        before = run_store.get_run(store.engine, run_id)
        assert before.state == "running"
        deadline = time.monotonic() + 60
        while run_store.get_run(store.engine, run_id).heartbeat_at <= before.heartbeat_at:
            assert time.monotonic() < deadline, "the run stopped heartbeating after the failure"
            assert process.poll() is None, stderr.seen
            time.sleep(0.1)
        assert run_store.get_run(store.engine, run_id).summary.get("tick", 0) >= 1
    finally:
        store.close()

    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()
    assert process.wait(timeout=120) == 0, "".join(stderr.seen)
    failures = json.loads(stdout.wait_for("[["))
    assert sorted((key, first, last) for key, first, last, _ in failures) == [
        ("poison", 100, 100),
        ("poison_hist", 100, 100),
    ]
    # finish() lists what was not stored in its warning too.
    stderr.wait_for("finished without 2 value(s)", "'poison' at step 100")

    run = heron.Api(store_dir, database_url=database_url).run(path)
    assert run.state == "finished"
    history = run.history()
    assert history["_step"].tolist() == list(range(200))
    assert "poison" not in history.columns
    assert history["loss"].notna().all()
    assert run.summary["loss"] == pytest.approx(1.0 / 200)


# Every input that used to stop the writer (a lone surrogate in a key, a step past int64, a
# number too large for a float, NUL or an over-long key that PostgreSQL refuses) is refused by
# log() itself, with the key and value in the message; the run goes on to store all 200 steps.
FORMERLY_FATAL = textwrap.dedent(
    """
    import heron
    from heron.errors import UsageError

    run = heron.init(project="p")
    print(run.path, flush=True)
    bad = [
        ({"loss\\udcff": 1.0}, None),
        ({"loss": 1.0}, 2**63),
        ({"big": 10**400}, None),
        ({"a\\x00b": 1.0}, None),
        ({"k" * 513: 1.0}, None),
        ({"text": "caf\\udce9"}, None),
    ]
    for step in range(200):
        if step == 100:
            for data, bad_step in bad:
                try:
                    run.log(data, step=bad_step)
                except UsageError as error:
                    print("refused:", ascii(str(error)), flush=True)
                else:
                    print("accepted:", ascii(data), flush=True)
        run.log({"loss": float(step)}, step=step)
    run.finish()
    print("failures:", len(run.failures), flush=True)
    """
)


def test_formerly_fatal_inputs_are_refused_at_log_and_the_run_finishes(
    store_dir: Path, database_url: str | None, tmp_path: Path
) -> None:
    environment = dict(os.environ, HERON_DIR=str(store_dir))
    environment.pop("HERON_DATABASE_URL", None)
    if database_url:
        environment["HERON_DATABASE_URL"] = database_url
    script = tmp_path / "train.py"
    script.write_text(FORMERLY_FATAL)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=environment, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    refused = [line for line in lines if line.startswith("refused:")]
    assert not [line for line in lines if line.startswith("accepted:")]
    assert len(refused) == 6
    assert "loss\\\\udcff" in refused[0] and "surrogate" in refused[0]
    assert "9223372036854775808" in refused[1]
    assert "'big'" in refused[2] and "too large" in refused[2]
    assert "a\\\\x00b" in refused[3] and "control character" in refused[3]
    assert "513 characters" in refused[4] and "512" in refused[4]
    assert "'text'" in refused[5] and "caf\\\\udce9" in refused[5]
    assert lines[-1] == "failures: 0"
    run = heron.Api(store_dir, database_url=database_url).run(lines[0])
    assert run.state == "finished"
    assert run.history()["loss"].tolist() == [float(step) for step in range(200)]


# Logs steps 0..99, waits for a line, logs steps 100..199, waits for a line, and finishes: the
# test takes the database away while the second half is logged, or just before finish().
OUTAGE_RUN = textwrap.dedent(
    """
    import sys
    import heron

    run = heron.init(project="p")
    print(run.path, flush=True)
    for step in range(100):
        run.log({"loss": float(step)}, step=step)
    sys.stdin.readline()
    for step in range(100, 200):
        run.log({"loss": float(step)}, step=step)
    print("logged", flush=True)
    sys.stdin.readline()
    run.finish()
    print("failures:", len(run.failures), flush=True)
    """
)


@pytest.mark.parametrize("when", ["while logging", "at finish"])
def test_a_store_that_cannot_be_reached_for_a_while_loses_nothing(
    store_dir: Path, pg_url: str, tmp_path: Path, when: str
) -> None:
    import sqlalchemy

    name = pg_url.rsplit("/", 1)[1]
    admin_url = os.environ["HERON_TEST_PG_URL"].replace("postgresql://", "postgresql+psycopg://")
    admin = sqlalchemy.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool
    )

    def allow_connections(allow: bool) -> None:
        # Connections already open stay; every new one is refused (heron opens one per write).
        with admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {allow}')

    environment = dict(os.environ, HERON_DIR=str(store_dir), HERON_DATABASE_URL=pg_url)
    script = tmp_path / "train.py"
    script.write_text(OUTAGE_RUN)
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    stdout, stderr = _Lines(process.stdout), _Lines(process.stderr)

    def go() -> None:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()

    try:
        path = stdout.wait_for("p/").strip()
        if when == "while logging":
            allow_connections(False)
            go()  # the second half is logged while the database refuses connections
            stderr.wait_for("cannot write to the store now", "stay queued")
            allow_connections(True)
            go()  # finish
        else:
            go()
            stdout.wait_for("logged")
            allow_connections(False)
            go()  # finish() meets the outage, and waits for the database to come back
            stderr.wait_for("cannot write to the store now", "stay queued")
            allow_connections(True)
        assert process.wait(timeout=120) == 0, "".join(stderr.seen)
        assert stdout.wait_for("failures:").strip() == "failures: 0"
    finally:
        allow_connections(True)
        admin.dispose()
        if process.poll() is None:
            process.kill()
        process.wait()
        for reader in (stdout, stderr):
            reader.thread.join(timeout=30)
        for pipe in (process.stdin, process.stdout, process.stderr):
            pipe.close()
    run = heron.Api(store_dir, database_url=pg_url).run(path)
    assert run.state == "finished"
    assert run.history()["loss"].tolist() == [float(step) for step in range(200)]
