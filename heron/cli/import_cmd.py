"""``heron import``: bring runs recorded by other tools into the store (``heron import wandb``)."""

from __future__ import annotations

import click

from heron.cli.common import dir_option
from heron.importers.wandb_import import import_wandb


@click.group("import")
def import_group() -> None:
    """Bring runs recorded by other tools into the store."""


@import_group.command("wandb")
@dir_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="PATH...")
@click.option(
    "--partial",
    is_flag=True,
    help="Import a log cut short (its W&B process died) up to the cut, as a crashed run.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: when the terminal is interactive).",
)
def import_wandb_command(
    store_dir: str | None, paths: tuple[str, ...], partial: bool, progress: bool | None
) -> None:
    """Import W&B run directories: PATH is a run directory (offline-run-*, run-*) or a
    directory holding them, like ./wandb. Config, summary, full history, tables with their
    images, media, local artifacts and lineage come along; importing again adds nothing.

    Needs the wandb package to decode the logs: pip install 'heron[wandb]'.
    """
    report = import_wandb(paths, store_dir=store_dir, progress=progress, partial=partial)
    for line in report.lines():
        click.echo(line)
    # Status 1 when a run failed half-way, or when nothing at all could be imported.
    nothing = report.runs and report.count("skipped") == len(report.runs)
    if report.count("failed") or nothing:
        raise SystemExit(1)
