"""``heron runs``: list runs and show one."""

from __future__ import annotations

import json
import time

import click

from heron.cli.common import dir_option, format_duration, format_time, print_table
from heron.sdk.api import Api
from heron.store.run_record import RunRecord


@click.group()
def runs() -> None:
    """List and inspect runs."""


@runs.command("list")
@dir_option
@click.option("--project", "-p", default=None, help="Only runs of this project.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_runs(store_dir: str | None, project: str | None, as_json: bool) -> None:
    """List runs, newest first."""
    api = Api(store_dir)
    found = api.runs(project)
    if as_json:
        click.echo(json.dumps([_run_json(r.record) for r in found], indent=2))
        return
    if not found:
        click.echo("no runs" + (f" in project {project!r}" if project else ""))
        return
    rows = []
    for run in found:
        record = run.record
        end = record.finished_at or (
            time.time() if record.state == "running" else record.updated_at
        )
        rows.append(
            [
                run.path,
                run.name,
                run.state,
                run.job_type or "-",
                run.group or "-",
                format_time(record.created_at),
                format_duration(end - record.created_at),
            ]
        )
    print_table(["RUN", "NAME", "STATE", "JOB TYPE", "GROUP", "CREATED (UTC)", "DURATION"], rows)


@runs.command("show")
@dir_option
@click.argument("run_ref", metavar="RUN")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show_run(store_dir: str | None, run_ref: str, as_json: bool) -> None:
    """Show one run: RUN is project/id, an id, or a unique project/name."""
    run = Api(store_dir).run(run_ref)
    record = run.record
    if as_json:
        click.echo(json.dumps(_run_json(record) | {"metrics": run.metric_keys()}, indent=2))
        return
    fields = [
        ("run", record.path),
        ("name", record.name),
        ("state", record.state + (f" (exit code {record.exit_code})" if record.exit_code else "")),
        ("job type", record.job_type or "-"),
        ("group", record.group or "-"),
        ("tags", ", ".join(record.tags) or "-"),
        ("notes", record.notes or "-"),
        ("created", format_time(record.created_at)),
        ("finished", format_time(record.finished_at)),
        ("host", f"{record.host} (pid {record.pid}, python {record.python_version})"),
        ("program", record.program),
        (
            "git",
            f"{record.git_commit}{' (dirty)' if record.git_dirty else ''}"
            if record.git_commit
            else "-",
        ),
        ("last step", str(record.last_step)),
    ]
    for label, value in fields:
        click.echo(f"{label:>10}  {value}")
    click.echo("\nconfig:")
    for key, value in sorted(record.config.items()):
        click.echo(f"  {key} = {json.dumps(value)}")
    click.echo("\nsummary:")
    for key, value in sorted(record.summary.items()):
        click.echo(f"  {key} = {json.dumps(value)}")


def _run_json(record: RunRecord) -> dict[str, object]:
    data: dict[str, object] = record._asdict()
    data["path"] = f"{data['project']}/{data['id']}"
    return data
