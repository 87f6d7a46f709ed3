"""``heron ui``: serve a store's web UI and HTTP API."""

from __future__ import annotations

import socket
import webbrowser

import click

from heron.cli.common import dir_option

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    return host in _LOOPBACK or host.startswith("127.")


def listen(host: str, port: int) -> tuple[socket.socket, str]:
    """A socket bound to ``host``:``port`` and listening, and the URL it serves at.

    Binding before the server starts puts the real port in the URL even with port 0, and
    listening at once queues early connections, so the URL works the moment it is printed.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(2048)
    shown_host = f"[{host}]" if ":" in host else host
    return sock, f"http://{shown_host}:{sock.getsockname()[1]}/"


@click.command("ui")
@dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: any free port).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the UI in the default browser.")
@click.option(
    "--database-url",
    default=None,
    envvar="HERON_DATABASE_URL",
    help="Metadata database (default: the store's SQLite file).",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    envvar="HERON_ALLOWED_HOSTS",
    help="Another name the server may be reached by, e.g. a proxy's (repeatable; '*': any).",
)
@click.option(
    "--token",
    default=None,
    envvar="HERON_UI_TOKEN",
    help="The token scripts send in X-Heron-Token to write (default: a new random one).",
)
@click.option(
    "--max-body-mb",
    default=None,
    type=click.IntRange(0, 4096),
    help="Largest request body accepted, in MiB (default: 16).",
)
def ui(
    store_dir: str | None,
    host: str,
    port: int,
    open_browser: bool,
    database_url: str | None,
    allowed_hosts: tuple[str, ...],
    token: str | None,
    max_body_mb: int | None,
) -> None:
    """Serve the web UI of a store; prints its URL and runs until interrupted.

    Only requests naming this server (localhost, 127.0.0.1, [::1], the --host, or an
    --allow-host name) are answered; writes must come from its own pages or carry its token.
    """
    import uvicorn

    from heron.server import create_app
    from heron.server.origin import DEFAULT_MAX_BODY_BYTES

    app = create_app(
        store_dir,
        database_url,
        host=host,
        allowed_hosts=allowed_hosts,
        write_token=token,
        max_body_bytes=DEFAULT_MAX_BODY_BYTES if max_body_mb is None else max_body_mb * 2**20,
    )
    sock, url = listen(host, port)
    if not is_loopback(host):
        click.echo(
            f"warning: listening on {host}: anyone who can reach this address can read the whole "
            "store; there is no authentication yet (names other than this machine's own need "
            "--allow-host)",
            err=True,
        )
    click.echo(f"heron ui: serving {app.state.store.root} at {url}", err=False)
    click.echo(
        f"heron ui: scripts that write send the header X-Heron-Token: {app.state.write_token}"
    )
    if open_browser:
        webbrowser.open(url.replace("0.0.0.0", "127.0.0.1"))
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
