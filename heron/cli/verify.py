"""``heron verify`` (also ``heron doctor``): check a whole store, quarantine bad blobs, repair."""

from __future__ import annotations

from pathlib import Path

import click

from heron.cli.common import dir_option, format_size

_SHOWN = 20


@click.command("verify")
@dir_option
@click.option(
    "--repair-from",
    "repair_from",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="A directory of files (the originals, a download) or another heron store to restore "
    "bad or missing blobs from, matched by sha256. May be given more than once.",
)
@click.option(
    "--no-quarantine",
    is_flag=True,
    help="Only report bad blobs; leave them where they are.",
)
def verify(store_dir: str | None, repair_from: tuple[str, ...], no_quarantine: bool) -> None:
    """Check every blob, table file and artifact manifest of the store.

    Every blob is read and hashed. A bad one (wrong bytes, missing, a symlink) is quarantined:
    its file is moved to blobs/quarantine/ and it is no longer served, until the same content is
    logged again or restored with --repair-from. Also checked: every blob an artifact, table or
    run refers to is present, every table's Parquet parts are readable and hold its rows, every
    version's file list still hashes to its digest, and no symlink sits inside the store.
    Exits with status 1 when anything is still wrong. `heron doctor` is the same command.
    """
    from tqdm import tqdm

    from heron.store.store import Store
    from heron.store.verify import indexed_blobs, verify_store

    store = Store.open(store_dir, create=False)
    try:
        blobs = indexed_blobs(store)
        with tqdm(
            total=sum(b.size for b in blobs),
            unit="B",
            unit_scale=True,
            desc="checking blobs",
            disable=None,
            leave=False,
        ) as bar:
            report = verify_store(
                store,
                quarantine_bad=not no_quarantine,
                repair_from=[Path(p) for p in repair_from],
                blobs=blobs,
                progress=bar.update,
            )
    finally:
        store.close()
    click.echo(
        f"checked {report.blobs:,} blob(s) ({format_size(report.blob_bytes)}), {report.tables:,} "
        f"table(s), {report.versions:,} artifact version(s) in {store.root}"
    )
    if report.bad_blobs:
        action = "quarantined" if report.quarantined else "left in place (--no-quarantine)"
        click.echo(f"bad blobs found now: {len(report.bad_blobs)}, {action}")
    if report.repaired:
        click.echo(f"restored from --repair-from: {len(report.repaired)} blob(s)")
        for digest in report.repaired[:_SHOWN]:
            click.echo(f"  {digest}")
    if report.unindexed_files:
        click.echo(
            f"note: {report.unindexed_files} file(s) in blobs/objects/ are not in the index "
            "(left by interrupted writes; harmless)"
        )
    if report.forgotten_quarantined:
        click.echo(
            f"note: {report.forgotten_quarantined} quarantined blob(s) are no longer referred to "
            "by anything (nothing to restore)"
        )
    problems = report.problems
    if not problems:
        click.echo("ok: every blob, table and manifest checked out")
        return
    click.echo(f"{len(problems)} problem(s):")
    for finding in problems[:_SHOWN]:
        click.echo(f"  {finding}")
    if len(problems) > _SHOWN:
        click.echo(f"  ... and {len(problems) - _SHOWN} more")
    if any(f.kind in ("blob", "reference") for f in problems):
        click.echo(
            "to restore blobs: log the same content again, or run heron verify --repair-from DIR "
            "with a directory holding the original files or another heron store"
        )
    raise SystemExit(1)
