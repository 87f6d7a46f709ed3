"""``heron ui``: serve a store's web UI and HTTP API."""

from __future__ import annotations

import webbrowser

import click

from heron.cli.common import dir_option

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    return host in _LOOPBACK or host.startswith("127.")


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
def ui(
    store_dir: str | None, host: str, port: int, open_browser: bool, database_url: str | None
) -> None:
    """Serve the web UI of a store; prints its URL and runs until interrupted."""
    import socket

    import uvicorn

    from heron.server import create_app

    app = create_app(store_dir, database_url)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Bind first, so the printed URL carries the real port even with --port 0.
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None
    # Listening now queues early connections until the server accepts them, so the URL works
    # the moment it is printed.
    sock.listen(2048)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{bound_port}/"
    if not is_loopback(host):
        click.echo(
            f"warning: listening on {host}: anyone who can reach this address can read the whole "
            "store; there is no authentication yet",
            err=True,
        )
    click.echo(f"heron ui: serving {app.state.store.root} at {url}", err=False)
    if open_browser:
        webbrowser.open(url.replace("0.0.0.0", "127.0.0.1"))
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
