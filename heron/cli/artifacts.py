"""``heron artifacts``: list, show, download, alias artifact versions; find unreferenced blobs."""

from __future__ import annotations

import json

import click

from heron.cli.common import dir_option, format_size, format_time, print_table
from heron.sdk.api import Api


@click.group()
def artifacts() -> None:
    """List, inspect, download and label artifact versions."""


@artifacts.command("list")
@dir_option
@click.option("--project", "-p", default=None, help="Only artifacts of this project.")
@click.option("--type", "-t", "type_", default=None, help="Only artifacts of this type.")
@click.option("--versions", is_flag=True, help="One line per version instead of per artifact.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_artifacts(
    store_dir: str | None, project: str | None, type_: str | None, versions: bool, as_json: bool
) -> None:
    """List artifacts (collections) with their type, versions and latest aliases."""
    api = Api(store_dir)
    if versions:
        found = api.artifacts(project, type_)
        if as_json:
            click.echo(json.dumps([_version_json(a) for a in found], indent=2))
            return
        rows = [
            [
                a.qualified_name,
                a.type,
                ", ".join(a.aliases),
                str(len(a.files())),
                format_size(a.size),
                format_time(a.created_at),
            ]
            for a in found
        ]
        if not rows:
            click.echo("no artifacts")
            return
        print_table(["VERSION", "TYPE", "ALIASES", "FILES", "SIZE", "CREATED (UTC)"], rows)
        return
    collections = api.artifact_collections(project, type_)
    if as_json:
        click.echo(json.dumps(collections, indent=2))
        return
    if not collections:
        click.echo(
            "no artifacts"
            + (f" of type {type_!r}" if type_ else "")
            + (f" in project {project!r}" if project else "")
        )
        return
    rows = [
        [
            f"{c['project']}/{c['name']}",
            c["type"],
            str(c["versions"]),
            f"v{c['latest_version']}",
            format_time(c["updated_at"]),
        ]
        for c in collections
    ]
    print_table(["ARTIFACT", "TYPE", "VERSIONS", "LATEST", "UPDATED (UTC)"], rows)


@artifacts.command("show")
@dir_option
@click.argument("ref", metavar="NAME:ALIAS")
@click.option("--files/--no-files", default=True, help="List the manifest (default: yes).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show_artifact(store_dir: str | None, ref: str, files: bool, as_json: bool) -> None:
    """Show one version: NAME:ALIAS, NAME:vN or PROJECT/NAME:ALIAS (default alias: latest)."""
    api = Api(store_dir)
    artifact = api.artifact(ref)
    logged_by = artifact.logged_by()
    used_by = artifact.used_by()
    if as_json:
        data = _version_json(artifact) | {
            "logged_by": logged_by.path if logged_by else None,
            "used_by": [r.path for r in used_by],
            "files": [e.as_dict() for e in artifact.files()],
        }
        click.echo(json.dumps(data, indent=2))
        return
    fields = [
        ("version", artifact.qualified_name),
        ("type", artifact.type),
        ("aliases", ", ".join(artifact.aliases) or "-"),
        ("digest", artifact.digest),
        ("size", f"{format_size(artifact.size)} in {len(artifact.files())} file(s)"),
        ("created", format_time(artifact.created_at)),
        ("logged by", logged_by.path if logged_by else "-"),
        ("used by", ", ".join(r.path for r in used_by) or "-"),
        ("description", artifact.description or "-"),
    ]
    for label, value in fields:
        click.echo(f"{label:>11}  {value}")
    if artifact.metadata:
        click.echo("\nmetadata:")
        for key, value in sorted(artifact.metadata.items()):
            click.echo(f"  {key} = {json.dumps(value)}")
    if files:
        click.echo("\nfiles:")
        rows = [
            [
                e.path,
                e.kind,
                format_size(e.size),
                (e.sha256 or "")[:12] or (e.ref_etag or "-"),
                e.ref_uri or "",
            ]
            for e in artifact.files()
        ]
        print_table(["PATH", "KIND", "SIZE", "SHA256/ETAG", "REFERENCE"], rows)


@artifacts.command("get")
@dir_option
@click.argument("ref", metavar="NAME:ALIAS")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to put the files (default ./artifacts/NAME-vN).",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace files in ROOT that differ from the artifact's."
)
@click.option(
    "--copy", "copy", is_flag=True, help="Never hard-link large files (see docs/store.md)."
)
def get_artifact(
    store_dir: str | None, ref: str, root: str | None, overwrite: bool, copy: bool
) -> None:
    """Download a version (verified; files already there and correct are kept)."""
    artifact = Api(store_dir).artifact(ref)
    path = artifact.download(root, overwrite=overwrite, link=not copy)
    click.echo(
        f"{artifact.qualified_name}: {len(artifact.files())} file(s), {format_size(artifact.size)} in {path}"
    )


@artifacts.command("verify")
@dir_option
@click.argument("ref", metavar="NAME:ALIAS")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory to check (default ./artifacts/NAME-vN).",
)
def verify_artifact(store_dir: str | None, ref: str, root: str | None) -> None:
    """Check a downloaded directory against the manifest; exit 1 on any difference."""
    report = Api(store_dir).artifact(ref).verify(root)
    click.echo(str(report))
    if not report.ok:
        raise SystemExit(1)


@artifacts.command("alias")
@dir_option
@click.argument("ref", metavar="NAME:VERSION")
@click.argument("alias")
@click.option(
    "--unique", is_flag=True, help="Refuse if another version has the alias (default: move it)."
)
@click.option("--remove", is_flag=True, help="Remove ALIAS from the version instead.")
def alias_artifact(store_dir: str | None, ref: str, alias: str, unique: bool, remove: bool) -> None:
    """Point ALIAS at a version (moving it from another version unless --unique)."""
    artifact = Api(store_dir).artifact(ref)
    if remove:
        artifact.remove_alias(alias)
        click.echo(f"{artifact.qualified_name}: removed {alias!r}")
        return
    artifact.add_alias(alias, unique=unique)
    click.echo(f"{artifact.qualified_name}: aliases {', '.join(artifact.aliases)}")


@artifacts.command("gc")
@dir_option
@click.option(
    "--delete",
    "delete_",
    is_flag=True,
    help="Delete unreferenced blobs kept as files (default: only report).",
)
@click.option(
    "--min-age",
    type=float,
    default=3600.0,
    show_default=True,
    help="Only blobs older than this many seconds.",
)
def gc_artifacts(store_dir: str | None, delete_: bool, min_age: float) -> None:
    """Find blobs no artifact, table or run refers to; free them with --delete.

    Blobs stored in packs are reported but not reclaimed (that needs repacking). Run it while
    nothing is logging to the store.
    """
    from heron.store.gc import collect

    api = Api(store_dir)
    report = collect(api.store, delete_loose=delete_, min_age=min_age)
    click.echo(f"{report.total_blobs} blob(s), {report.referenced} referenced")
    click.echo(
        f"unreferenced, kept as files:  {len(report.loose)} blob(s), {format_size(report.freeable_bytes)}"
    )
    click.echo(
        f"unreferenced, inside packs:   {len(report.packed)} blob(s), {format_size(report.packed_bytes)} (not reclaimed: needs repacking)"
    )
    if report.skipped_young:
        click.echo(f"younger than {min_age:g} s, left alone: {report.skipped_young} blob(s)")
    if delete_:
        click.echo(f"deleted {report.deleted} blob(s), freed {format_size(report.deleted_bytes)}")
    elif report.loose:
        click.echo("dry run: pass --delete to free them")


def _version_json(artifact: object) -> dict[str, object]:
    from heron.sdk.artifact import Artifact

    assert isinstance(artifact, Artifact)
    return {
        "id": artifact.id,
        "project": artifact.project,
        "name": artifact.name,
        "version": artifact.version,
        "qualified_name": artifact.qualified_name,
        "type": artifact.type,
        "aliases": artifact.aliases,
        "digest": artifact.digest,
        "size": artifact.size,
        "description": artifact.description,
        "metadata": artifact.metadata,
        "created_at": artifact.created_at,
    }
