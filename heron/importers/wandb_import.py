"""``heron import wandb``: W&B run directories (offline or synced) into a heron store.

Each run directory is read whole first (:mod:`heron.importers.wandb_offline`); a log that does
not decode is reported and skipped before anything is written. A run then becomes a heron run
with W&B's identity (its id when heron accepts it, name, project, group, job type, tags,
notes, config, start and end times, host, program, git), its full history (``_step`` is the
step; ``_runtime`` and ``_timestamp`` stay metrics, as in W&B), its summary, metric definitions,
tables, charts and images (through heron's own ``Table``/``Image``/``Chart``), saved files, the
artifacts whose files are on this machine (:mod:`heron.importers.wandb_artifacts`) and the
lineage it recorded. Values heron cannot take are skipped with a reason in the report.

Importing is idempotent: the run's config keeps ``_wandb`` (the original id and the sha256 of
the log it came from, written last), so a second import of the same log adds nothing. A run id
already in the store is never touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from heron.errors import HeronError, ImportSourceError, NotFoundError
from heron.importers import wandb_mapping as mapping
from heron.importers.wandb_artifacts import ArtifactFiles, import_artifact
from heron.importers.wandb_config import ChartSpec, logged_charts, logged_class_labels
from heron.importers.wandb_config import chart as chart_of
from heron.importers.wandb_offline import (
    WandbRun,
    find_run_dirs,
    read_identity,
    read_run,
)
from heron.importers.wandb_report import ImportReport, RunOutcome
from heron.sdk.metric_rules import AGGREGATES
from heron.sdk.run import Run
from heron.sdk.table import Table
from heron.store import runs as run_store
from heron.store.jsonvalues import dumps
from heron.store.liveness import host_name
from heron.store.manifest import PROJECT_PATTERN
from heron.store.store import Store

MARKER = "_wandb"  # the config key that records where an imported run came from
_SHOW_EVERY = 1000  # steps between progress updates within a run
_RUN_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def import_wandb(
    paths: Iterable[str | os.PathLike[str]],
    *,
    store_dir: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
    progress: bool | None = None,
    partial: bool = False,
) -> ImportReport:
    """Import every W&B run directory found at ``paths`` into the store at ``store_dir``.

    A path is a run directory (``offline-run-*`` / ``run-*``, holding ``run-<id>.wandb``), its
    log file, or a directory holding run directories (like ``./wandb``). ``progress``: show a
    progress bar (None: when stderr is a terminal). ``partial``: import the complete records of
    a log that is cut short (its W&B process died) as a crashed run, instead of skipping it.
    Returns the :class:`ImportReport`.
    """
    from tqdm import tqdm

    directories: list[Path] = []
    missing: list[RunOutcome] = []
    for path in paths:
        try:
            found = find_run_dirs(Path(path).expanduser())
        except ImportSourceError as error:
            missing.append(RunOutcome(Path(path), "skipped", reason=error.message))
            continue
        if not found:
            reason = "no W&B run directories (offline-run-*, run-*) in it or in its wandb/"
            missing.append(RunOutcome(Path(path), "skipped", reason=reason))
        directories.extend(found)
    store = Store.open(store_dir, database_url=database_url)
    report = ImportReport(store.root, list(missing))
    bar = tqdm(
        total=len(directories),
        unit="run",
        desc="importing W&B runs",
        disable=None if progress is None else not progress,
        file=sys.stderr,
    )
    try:
        for directory in dict.fromkeys(directories):
            name = directory.name[-8:]
            bar.set_postfix_str(name, refresh=False)

            def show(step: int, total: int, name: str = name) -> None:
                bar.set_postfix_str(f"{name} step {step}/{total}")

            report.runs.append(_import_directory(store, directory, partial, show))
            bar.update()
    finally:
        bar.close()
        store.close()
    return report


def _import_directory(
    store: Store, directory: Path, partial: bool, show: Callable[[int, int], None]
) -> RunOutcome:
    try:
        # Whether the run is in the store already is known from the log's first records;
        # the whole log is decoded (and checked) only for a run to write.
        wandb_id, log_sha256, resumed = read_identity(directory)
        existing = _existing(store, heron_run_id(wandb_id)) if wandb_id else None
        if existing is not None:
            marker = existing.config.get(MARKER)
            same = isinstance(marker, Mapping) and marker.get("log_sha256") == log_sha256
            return RunOutcome(
                directory,
                "unchanged" if same else "skipped",
                run_path=existing.path,
                wandb_id=wandb_id,
                reason=_existing_reason(marker, log_sha256, existing.state, resumed),
            )
        wandb_run = read_run(directory, partial=partial)
    except ImportSourceError as error:
        return RunOutcome(directory, "skipped", reason=error.message)
    run_id = heron_run_id(wandb_run.run_id)
    project = heron_project(wandb_run.project)
    outcome = RunOutcome(
        directory, "imported", run_path=f"{project}/{run_id}", wandb_id=wandb_run.run_id
    )
    if wandb_run.truncated_at is not None:
        outcome.notes.append(
            f"the log is cut short at byte {wandb_run.truncated_at} (its W&B process died): "
            "what came before it is imported"
        )
    try:
        _write_run(store, wandb_run, run_id, project, outcome, show)
    except (HeronError, OSError) as error:
        # The run is left as far as it got, marked failed and without the log's digest, so a
        # later import reports it instead of importing it twice.
        message = error.message if isinstance(error, HeronError) else str(error)
        outcome.status = "failed"
        outcome.reason = f"the import stopped: {message}; the partial run is left, failed"
    return outcome


def _existing(store: Store, run_id: str) -> run_store.RunRecord | None:
    try:
        return run_store.get_run(store.engine, run_id)
    except NotFoundError:
        return None


def _existing_reason(marker: Any, log_sha256: str, state: str, resumed: bool) -> str:
    if not isinstance(marker, Mapping):
        return "a heron run with this id already exists and did not come from W&B; left as it is"
    if marker.get("log_sha256") == log_sha256:
        return "already imported from this log"
    if "log_sha256" not in marker:
        return (
            f"an earlier import of this run did not finish (the heron run is {state}); "
            "left as it is"
        )
    if resumed:
        return (
            "a resumed part of a run whose first part is imported: W&B counts its steps again "
            "from 0 offline, so it cannot be added to that run; left out"
        )
    return "already imported from another copy of its log (the run changed since); left as it is"


def heron_run_id(wandb_id: str) -> str:
    """W&B's run id when heron accepts it, else a readable, stable stand-in."""
    if _RUN_ID.match(wandb_id):
        return wandb_id
    cleaned = re.sub(r"[^A-Za-z0-9_\-]+", "-", wandb_id).strip("-")[:48] or "wandb"
    return f"{cleaned}-{hashlib.sha256(wandb_id.encode()).hexdigest()[:8]}"


def heron_project(wandb_project: str) -> str:
    """W&B's project name, with characters heron does not allow in a project name replaced."""
    if PROJECT_PATTERN.match(wandb_project) and set(wandb_project) != {"."}:
        return wandb_project
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]+", "-", wandb_project).strip("-")[:128]
    # A name of dots only ("..") would read as a path step; heron refuses it as a project.
    return cleaned if cleaned.strip(".") else "uncategorized"


# -- writing ------------------------------------------------------------------------------------


def _write_run(
    store: Store,
    wandb_run: WandbRun,
    run_id: str,
    project: str,
    outcome: RunOutcome,
    show: Callable[[int, int], None],
) -> None:
    config = {key: value for key, value in wandb_run.config.items() if key != MARKER}
    marker: dict[str, Any] = {"run_id": wandb_run.run_id, "log": wandb_run.log_path.name}
    if wandb_run.entity:
        marker["entity"] = wandb_run.entity
    if wandb_run.project != project:
        marker["project"] = wandb_run.project
    config[MARKER] = marker
    started = wandb_run.start_time or wandb_run.log_path.stat().st_mtime
    run_store.create_run(
        store.engine,
        project,
        {
            "id": run_id,
            "name": wandb_run.name or run_id,
            "group_name": wandb_run.group or None,
            "job_type": wandb_run.job_type or None,
            "tags": dumps(wandb_run.tags),
            "notes": wandb_run.notes,
            "config": dumps(config),
            "summary": "{}",
            "state": "running",
            "created_at": started,
            "updated_at": time.time(),
            "heartbeat_at": time.time(),
            # This process writes the run; if it dies, heron marks the import crashed.
            "host": host_name(),
            "pid": os.getpid(),
            "python_version": wandb_run.python_version,
            "program": wandb_run.program,
            "git_commit": wandb_run.git_commit or None,
            "git_dirty": None,
            "git_remote": wandb_run.git_remote or None,
            "last_step": -1,
        },
    )
    run = Run(
        store=store,
        run_id=run_id,
        name=wandb_run.name or run_id,
        project=project,
        config=config,
        summary=None,
        start_step=0,
    )
    failed = True
    try:
        _write_contents(run, wandb_run, outcome, show)
        failed = False
    finally:
        exit_code = wandb_run.exit_code if wandb_run.exit_code is not None else 0
        try:
            run.finish(exit_code=1 if failed else exit_code)
        except HeronError as error:
            outcome.notes.append(f"storing values: {error.message}")
        outcome.notes.extend(f"{dropped} (the store refused it)" for dropped in run.failures)
    if wandb_run.exit_code is None:
        state = "crashed"  # W&B never wrote an exit record
    else:
        state = "finished" if wandb_run.exit_code == 0 else "failed"
    finished_at = started + wandb_run.runtime if wandb_run.runtime is not None else None
    marker["log_sha256"] = wandb_run.log_sha256
    run_store.update_run(
        store.engine,
        run_id,
        state=state,
        exit_code=wandb_run.exit_code,
        finished_at=finished_at if state != "crashed" else None,
        host=wandb_run.host,
        pid=0,  # W&B does not record the process id; this importer's is not the run's
        config=dumps(config),
        heartbeat_at=finished_at or started,
    )


def _write_contents(
    run: Run, wandb_run: WandbRun, outcome: RunOutcome, show: Callable[[int, int], None]
) -> None:
    files = mapping.FileSource(f"the run's files ({wandb_run.files_dir})", root=wandb_run.files_dir)
    staged = ArtifactFiles(wandb_run.artifacts)
    classes = logged_class_labels(wandb_run.config.get(MARKER))
    charts = logged_charts(wandb_run.config.get(MARKER))
    increments: dict[str, Table] = {}
    aggregated = _define_metrics(run, wandb_run, outcome)
    metric_keys: set[str] = set()
    last_step = -1
    for step, row, problems in wandb_run.history():
        outcome.notes.extend(f"{problem} at step {step}; left out" for problem in problems)
        if step < last_step:
            outcome.notes.append(f"step {step}: goes back from step {last_step}; row left out")
            continue
        values = _row_values(row, step, files, staged, classes, charts, increments, outcome)
        metric_keys.update(k for k, v in values.items() if isinstance(v, int | float))
        _log(run, values, step, outcome)
        last_step = step
        outcome.steps += 1
        if outcome.steps % _SHOW_EVERY == 0:
            show(outcome.steps, len(wandb_run.history_records))
    outcome.metrics = len(metric_keys)
    for key, value in _flat(wandb_run.summary, keep_whole=aggregated).items():
        if key.split("/", 1)[0] == MARKER or value is None or mapping.kind_of(value):
            continue
        try:
            run.summary[key] = value
        except HeronError as error:
            outcome.notes.append(f"summary {key!r}: {error.message}")
    for name in wandb_run.saved_files:
        try:
            run.save(wandb_run.files_dir / name, base_path=wandb_run.files_dir, policy="end")
            outcome.saved += 1
        except HeronError as error:
            outcome.notes.append(f"saved file {name!r}: {error.message}")
    for logged in wandb_run.artifacts:
        version = import_artifact(run, logged, staged, outcome.notes)
        if version is not None:
            outcome.artifacts.append(version)
    for used in wandb_run.uses:
        try:
            artifact = run.use_artifact(used.name, type=used.type or None)
            outcome.used.append(artifact.qualified_name)
        except HeronError as error:
            outcome.notes.append(
                f"use of artifact {used.name!r}: not in the store ({error.message}); import the "
                "run that logged it first"
            )


def _log(run: Run, values: dict[str, Any], step: int, outcome: RunOutcome) -> None:
    """Log a row; if heron refuses part of it, log the rest key by key and say what was not."""
    if not values:
        return
    try:
        run.log(values, step=step)
    except HeronError:
        for key, value in values.items():
            try:
                run.log({key: value}, step=step)
            except HeronError as error:
                outcome.notes.append(f"{key!r} at step {step}: {error.message}")


def _define_metrics(run: Run, wandb_run: WandbRun, outcome: RunOutcome) -> set[str]:
    """Carry ``define_metric`` over; returns the metric names whose summary is aggregates."""
    aggregated: set[str] = set()
    for definition in wandb_run.metrics:
        kept = [a for a in definition.aggregates if a in AGGREGATES]
        if len(kept) < len(definition.aggregates):
            outcome.notes.append(
                f"define_metric({definition.name!r}): summary 'best' (by goal) is not in heron; "
                "the summary keeps W&B's values"
            )
        try:
            run.define_metric(
                definition.name,
                step_metric=definition.step_metric or None,
                summary=",".join(kept) or None,
                hidden=definition.hidden,
            )
        except HeronError as error:
            outcome.notes.append(f"define_metric({definition.name!r}): {error.message}")
            continue
        if definition.aggregates:
            aggregated.add(definition.name)
    # W&B keeps these per row as time axes, not as charts of their own; heron keeps them as
    # metrics, defined hidden to say the same.
    defined = {definition.name for definition in wandb_run.metrics}
    for name in ("_runtime", "_timestamp"):
        if name not in defined:
            run.define_metric(name, hidden=True)
    return aggregated


def _flat(
    values: Mapping[str, Any], prefix: str = "", keep_whole: set[str] | None = None
) -> dict[str, Any]:
    """Nested plain dicts as ``a/b`` keys, heron's form; media dicts stay whole, and so do the
    ``{"min": ..., "max": ...}`` summaries of metrics ``keep_whole`` names (names or globs)."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        whole = keep_whole is not None and any(fnmatch(name, p) for p in keep_whole)
        if isinstance(value, dict) and not mapping.kind_of(value) and value and not whole:
            flat.update(_flat(value, name + "/", keep_whole))
        else:
            flat[name] = value
    return flat


def _row_values(
    row: Mapping[str, Any],
    step: int,
    files: mapping.FileSource,
    staged: ArtifactFiles,
    classes: Mapping[str, dict[str, str]],
    charts: Mapping[str, ChartSpec],
    increments: dict[str, Table],
    outcome: RunOutcome,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    wandb_id = outcome.wandb_id or ""
    for key, value in _flat(row).items():
        if key == "_step" or value is None:
            continue
        kind = mapping.kind_of(value)
        if kind is None:
            values[key] = value
            continue
        where = f"{key!r} at step {step}"
        try:
            if kind == "image-file":
                notes: list[str] = []
                values[key] = mapping.image(
                    value, files, classes=classes.get(key), notes=notes, where=where
                )
                outcome.notes.extend(notes)
                outcome.images += 1
            elif kind == "images/separated":
                # run.log stores a list of images as a one-column table, as heron does
                values[key] = mapping.image_list(value, files)
                outcome.images += len(values[key])
                outcome.tables += 1
            elif kind == "table-file":
                table = _table(value, files, staged, outcome, where, run_id=wandb_id, key=key)
                outcome.tables += 1
                chart = charts.get(key)
                if chart is None:
                    values[key] = table
                else:  # a wandb.plot chart: W&B logged its table as "<key>_table"
                    chart_key, drawn = chart_of(chart, table, outcome.notes, where)
                    values[chart_key] = drawn
            elif kind == "incremental-table-file":
                # W&B logs each increment's rows alone; heron's incremental table stores the
                # rows added since it was last logged, so the same table grows step by step.
                if key not in increments:
                    outcome.tables += 1
                increments[key] = _table(
                    value,
                    files,
                    staged,
                    outcome,
                    where,
                    run_id=wandb_id,
                    key=key,
                    into=increments.get(key),
                    incremental=True,
                )
                values[key] = increments[key]
            elif kind == "joined-table":
                values[key] = _joined(value, staged, outcome, where)
                outcome.tables += 1
            elif kind == "histogram":
                values[key] = mapping.histogram(value)
            else:
                raise mapping.Unimportable(mapping.unsupported_reason(kind))
        except mapping.Unimportable as error:
            outcome.notes.append(f"{where}: {error}")
    return values


def _joined(
    value: Mapping[str, Any], staged: ArtifactFiles, outcome: RunOutcome, where: str
) -> Table:
    """A logged joined table: W&B keeps it, and the two tables, in a run-table artifact."""
    reference = value.get("artifact_path")
    found = staged.locate(reference) if isinstance(reference, str) else None
    if found is None:
        raise mapping.Unimportable("joined table without its W&B artifact")
    return staged.joined_table(*found, outcome.notes, where)


def _table(
    value: Mapping[str, Any],
    files: mapping.FileSource,
    staged: ArtifactFiles,
    outcome: RunOutcome,
    where: str,
    *,
    run_id: str,
    key: str,
    into: Table | None = None,
    incremental: bool = False,
) -> Table:
    """A logged table: its full copy in W&B's run-table artifact, else the run's own file."""
    reference = value.get("artifact_path")
    source: mapping.FileSource | None = None
    entry: str | None = None
    found = (
        staged.source_for(reference)
        if isinstance(reference, str)
        else staged.next_run_table(run_id, key)
    )
    if found is not None:
        source, entry = found
    if source is None or entry is None:
        path = value.get("path")
        if not isinstance(path, str):
            raise mapping.Unimportable("table without a file")
        source, entry = files, path
    document = source.read_json(entry)
    return mapping.table(
        document, source, notes=outcome.notes, where=where, into=into, incremental=incremental
    )
