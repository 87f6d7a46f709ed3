"""``heron login URL``: check an API key against a server and save it for the SDK and the CLI."""

from __future__ import annotations

import click

from heron.cli.common import handle_errors
from heron.errors import AuthenticationError


@click.command("login")
@click.argument("url")
@click.option("--key", "api_key", default=None, help="The API key (asked for when not given).")
def login(url: str, api_key: str | None) -> None:
    """Save an API key for the server at URL (``heron users create`` prints one).

    The key is checked with the server first, then kept in ~/.config/heron/credentials (readable
    by you alone), where ``heron sync`` and the SDK (``HERON_URL=URL``) find it.
    """
    from heron.sync.http import ApiClient
    from heron.sync.settings import save_key

    with handle_errors():
        url = url.rstrip("/")
        if not api_key:
            api_key = click.prompt("API key", hide_input=True).strip()
        client = ApiClient(url, api_key)
        try:
            answer = client.json("GET", "/api/auth/me")
        finally:
            client.close()
        user = answer.get("user") if isinstance(answer, dict) else None
        if not isinstance(answer, dict) or not answer.get("auth") or user is None:
            raise AuthenticationError(
                f"{url} has no accounts (a local heron ui?): there is nothing to sign in to"
            )
        path = save_key(url, api_key)
        click.echo(f"signed in to {url} as {user['name']}; key saved in {path}")
