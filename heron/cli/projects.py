"""``heron projects``: who may do what in a team server's projects, and who may read them."""

from __future__ import annotations

import click

from heron.cli.common import dir_option
from heron.cli.users import database_option, open_server_store
from heron.errors import NotFoundError
from heron.store import users as user_store


@click.group("projects")
def projects() -> None:
    """Members, roles and visibility of a team server's projects."""


@projects.command("grant")
@click.argument("project")
@click.argument("user")
@click.argument("role", type=click.Choice(["viewer", "writer", "member", "owner"]))
@dir_option
@database_option
def grant(
    project: str, user: str, role: str, store_dir: str | None, database_url: str | None
) -> None:
    """Give USER the ROLE in PROJECT (replacing any role they had).

    viewer: reads; writer (or member): also logs runs, edits reports, moves aliases, comments;
    owner: also deletes others' comments.
    """
    held = user_store.parse_role(role)
    store = open_server_store(store_dir, database_url)
    try:
        user_store.grant(store.engine, project, user, held)
    finally:
        store.close()
    click.echo(f"{user} is now {held} of {project}")


@projects.command("revoke")
@click.argument("project")
@click.argument("user")
@dir_option
@database_option
def revoke(project: str, user: str, store_dir: str | None, database_url: str | None) -> None:
    """Remove USER from PROJECT's members."""
    store = open_server_store(store_dir, database_url)
    try:
        user_store.revoke_role(store.engine, project, user)
    finally:
        store.close()
    click.echo(f"{user} is no longer a member of {project}")


@projects.command("visibility")
@click.argument("project")
@click.argument("visibility", type=click.Choice(["public", "private"]), required=False)
@dir_option
@database_option
def visibility(
    project: str, visibility: str | None, store_dir: str | None, database_url: str | None
) -> None:
    """Make PROJECT public (anyone who reaches the server may read it) or private (members
    only); without VISIBILITY, show it."""
    store = open_server_store(store_dir, database_url)
    try:
        if visibility is not None:
            user_store.set_visibility(
                store.engine, project, user_store.parse_visibility(visibility)
            )
        current = user_store.project_access(store.engine, project, None)
    finally:
        store.close()
    if not current.exists:
        raise NotFoundError(f"no project named {project!r}")
    click.echo(f"{project} is {current.visibility}")


@projects.command("members")
@click.argument("project")
@dir_option
@database_option
def members(project: str, store_dir: str | None, database_url: str | None) -> None:
    """PROJECT's visibility, and its members with their roles (admins may do everything too)."""
    store = open_server_store(store_dir, database_url)
    try:
        current = user_store.project_access(store.engine, project, None)
        listed = user_store.project_members(store.engine, project)
    finally:
        store.close()
    if not current.exists:
        raise NotFoundError(f"no project named {project!r}")
    click.echo(f"{project} is {current.visibility}")
    for name, role in listed:
        click.echo(f"{name:<24} {role}")
    if not listed:
        click.echo("no members: heron projects grant PROJECT USER ROLE")
