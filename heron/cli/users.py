"""``heron users``: accounts and API keys of a team server (run where its database is reachable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from heron.cli.common import dir_option, format_time
from heron.store import users as user_store
from heron.store.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def database_option(function: F) -> F:
    """Add ``--database-url``/``--db`` (the server's metadata database) to a command."""
    return click.option(
        "--database-url",
        "--db",
        "database_url",
        default=None,
        envvar="HERON_DATABASE_URL",
        help="The server's metadata database (default: the store's SQLite file).",
    )(function)


def open_server_store(store_dir: str | None, database_url: str | None) -> Store:
    """The store a server serves. With a SQLite store it must exist (NotAStoreError otherwise:
    a mistyped --dir creates nothing); with a database URL the directory is only a local cache,
    so it is made if missing and the commands run from any machine that reaches the database."""
    return Store.open(store_dir, database_url=database_url, create=database_url is not None)


def _print_key(new: user_store.NewKey) -> None:
    click.echo(
        f"API key of {new.user.name} (shown once, keep it secret; "
        f"revoke it with: heron users revoke-key {new.key_id}):",
        err=True,
    )
    # The key alone on standard output, so a script can capture it.
    click.echo(new.key)


@click.group("users")
def users() -> None:
    """Accounts of a team server (heron server) and their API keys."""


@users.command("create")
@click.argument("name")
@click.option("--admin", is_flag=True, help="May do everything in every project.")
@dir_option
@database_option
def create(name: str, admin: bool, store_dir: str | None, database_url: str | None) -> None:
    """Create user NAME and print their first API key (once)."""
    store = open_server_store(store_dir, database_url)
    try:
        new = user_store.create_user(store.engine, name, admin=admin)
    finally:
        store.close()
    click.echo(f"created user {name}{' (admin)' if admin else ''}", err=True)
    _print_key(new)


@users.command("add-key")
@click.argument("name")
@dir_option
@database_option
def add_key(name: str, store_dir: str | None, database_url: str | None) -> None:
    """Make another API key for user NAME and print it (once)."""
    store = open_server_store(store_dir, database_url)
    try:
        new = user_store.create_key(store.engine, name)
    finally:
        store.close()
    _print_key(new)


@users.command("list")
@dir_option
@database_option
def list_users(store_dir: str | None, database_url: str | None) -> None:
    """Users, whether they are admins, and the ids of their keys still in use."""
    store = open_server_store(store_dir, database_url)
    try:
        records = user_store.list_users(store.engine)
        keys = user_store.list_keys(store.engine)
    finally:
        store.close()
    if not records:
        click.echo("no users yet: heron users create NAME [--admin]")
        return
    click.echo(f"{'NAME':<24} {'ADMIN':<6} {'CREATED (UTC)':<20} KEYS IN USE")
    for record in records:
        active = [k.id for k in keys if k.user == record.name and k.revoked_at is None]
        click.echo(
            f"{record.name:<24} {'yes' if record.is_admin else 'no':<6} "
            f"{format_time(record.created_at):<20} {', '.join(active) or '-'}"
        )


@users.command("revoke-key")
@click.argument("key")
@dir_option
@database_option
def revoke_key(key: str, store_dir: str | None, database_url: str | None) -> None:
    """Revoke KEY (the whole key, or its id from heron users list): it stops working at once,
    and browser sessions signed in with it end."""
    store = open_server_store(store_dir, database_url)
    try:
        record = user_store.revoke_key(store.engine, key)
    finally:
        store.close()
    click.echo(f"revoked key {record.id} of {record.user}")
