"""``heron server``: serve a store to a team, on PostgreSQL + an object store, as one of N replicas.

With no flags it serves the local store (SQLite + directory) like ``heron ui``, without opening
a browser. Every replica is stateless apart from its cache directory: start as many as needed
on one database and one bucket, behind a load balancer that probes ``/api/ready``.

Worker processes (``--workers N``) are started by uvicorn from an import string, so each builds
its own app: the command hands them its settings in one environment variable, and opens the
store once itself first, so schema upgrades and bad settings are dealt with before any worker
starts (replicas starting together are serialised by the database; heron/store/migrations.py).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click

from heron.cli.common import dir_option
from heron.cli.ui import is_loopback, listen

SETTINGS_VARIABLE = "HERON_SERVER_SETTINGS"
"""The environment variable carrying a worker's settings (JSON of :class:`ServerSettings`)."""


@dataclass(frozen=True)
class ServerSettings:
    """What every worker of one ``heron server`` builds its app from."""

    store_dir: str | None
    database_url: str | None
    blobs_url: str | None
    s3_endpoint: str | None
    cache_mb: int | None
    host: str
    auth: bool
    allowed_hosts: tuple[str, ...]
    write_token: str | None
    max_body_bytes: int
    access_log: bool

    def to_json(self) -> str:
        """The settings as the JSON a worker reads back with :meth:`from_json`."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        """Settings written by :meth:`to_json`."""
        values: dict[str, Any] = json.loads(text)
        values["allowed_hosts"] = tuple(values["allowed_hosts"])
        return cls(**values)

    def export_store_environment(self) -> None:
        """Put the object-store settings where the store reads them, in this process."""
        for variable, value in (
            ("HERON_BLOBS_URL", self.blobs_url),
            ("HERON_S3_ENDPOINT", self.s3_endpoint),
            ("HERON_CACHE_MB", None if self.cache_mb is None else str(self.cache_mb)),
        ):
            if value is not None:
                os.environ[variable] = value

    def build_app(self) -> Any:
        """The FastAPI app for these settings (a new store connection; creates the store)."""
        from heron.server import create_app

        self.export_store_environment()
        return create_app(
            self.store_dir,
            self.database_url,
            host=self.host,
            allowed_hosts=self.allowed_hosts,
            write_token=self.write_token,
            max_body_bytes=self.max_body_bytes,
            access_log=self.access_log,
            create=True,
            auth=self.auth,
        )


def worker_app() -> Any:
    """The app factory uvicorn's worker processes call (``heron.cli.server:worker_app``)."""
    text = os.environ.get(SETTINGS_VARIABLE)
    if not text:
        raise RuntimeError(f"{SETTINGS_VARIABLE} is not set: start workers with `heron server`")
    return ServerSettings.from_json(text).build_app()


def shown_database(url: str | None) -> str:
    """A database URL safe to print: its password replaced by ``***``; the store's SQLite file."""
    if not url:
        return "the store's SQLite file"
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _is_postgres(url: str | None) -> bool:
    if not url:
        return False
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


@click.command("server")
@dir_option
@click.option(
    "--db",
    "database_url",
    default=None,
    envvar="HERON_DATABASE_URL",
    help="Metadata database, postgresql://user:password@host/name (default: the store's SQLite "
    "file). Every replica of one deployment names the same database.",
)
@click.option(
    "--blobs",
    "blobs_url",
    default=None,
    envvar="HERON_BLOBS_URL",
    help="Where files, images and table files live: s3://bucket/prefix (default: the store "
    "directory). Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.",
)
@click.option(
    "--s3-endpoint",
    default=None,
    envvar="HERON_S3_ENDPOINT",
    help="URL of an S3-compatible server (MinIO, SeaweedFS, ...); default: AWS.",
)
@click.option(
    "--s3-public-endpoint",
    default=None,
    envvar="HERON_S3_PUBLIC_ENDPOINT",
    help="URL clients reach the object store by, when it differs from --s3-endpoint (large "
    "uploads go there directly, through presigned URLs).",
)
@click.option(
    "--cache-mb",
    default=None,
    type=click.IntRange(1, 10_000_000),
    envvar="HERON_CACHE_MB",
    help="Bound of this replica's local cache of object-store files, in MiB (default: 2048).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0: every interface, e.g. behind a reverse proxy).",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: any free port; the URL printed says which).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Worker processes sharing the port (each with its own database connections).",
)
@click.option(
    "--auth/--no-auth",
    default=None,
    help="Require users' API keys (`heron users create`). Default: on with a PostgreSQL "
    "database, off for the local SQLite store.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    envvar="HERON_ALLOWED_HOSTS",
    help="A name clients reach the server by, e.g. the proxy's (repeatable; '*': any). "
    "Default with --auth: any; without: this machine's own names and --host.",
)
@click.option(
    "--token",
    default=None,
    envvar="HERON_UI_TOKEN",
    help="The token scripts send in X-Heron-Token to write without --auth (default: random).",
)
@click.option(
    "--max-body-mb",
    default=16,
    show_default=True,
    type=click.IntRange(0, 4096),
    help="Largest request body accepted, in MiB.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Write one JSON line per request to stderr.",
)
def server(
    store_dir: str | None,
    database_url: str | None,
    blobs_url: str | None,
    s3_endpoint: str | None,
    s3_public_endpoint: str | None,
    cache_mb: int | None,
    host: str,
    port: int,
    workers: int,
    auth: bool | None,
    allowed_hosts: tuple[str, ...],
    token: str | None,
    max_body_mb: int,
    access_log: bool,
) -> None:
    """Serve a store's API and web UI to a team; runs until interrupted (SIGINT/SIGTERM).

    Probes: GET /api/health (the process is alive) and GET /api/ready (the database and the
    blob store answer, the schema is current), both open to anyone and revealing no data.
    The store directory (--dir) is created if missing; with --db and --blobs it only holds
    this replica's cache.
    """
    from heron.server.origin import new_token

    if auth is None:
        auth = _is_postgres(database_url)
    if s3_public_endpoint:  # read by the direct-upload routes of every worker (inherited)
        os.environ["HERON_S3_PUBLIC_ENDPOINT"] = s3_public_endpoint
    if blobs_url is not None and (not blobs_url.startswith("s3://") or blobs_url == "s3://"):
        raise click.BadParameter(f"{blobs_url!r} is not s3://bucket[/prefix]", param_hint="--blobs")
    if auth and not allowed_hosts:
        # Keys, not the Host header, guard a server with accounts: any name a proxy uses works.
        allowed_hosts = ("*",)
    settings = ServerSettings(
        store_dir=store_dir,
        database_url=database_url,
        blobs_url=blobs_url,
        s3_endpoint=s3_endpoint,
        cache_mb=cache_mb,
        host=host,
        auth=auth,
        allowed_hosts=allowed_hosts,
        # One token for every worker, so a write proven by it (a script's without --auth, a
        # page's without an Origin header) succeeds whichever worker answers.
        write_token=token or new_token(),
        max_body_bytes=max_body_mb * 2**20,
        access_log=access_log,
    )
    sock, url = listen(host, port)
    # Build one app here first: it creates or upgrades the store and fails on bad settings
    # before any worker starts. With one worker this app is the one served.
    app = settings.build_app()
    _announce(settings, app, url, workers)
    _serve(settings, app, sock, workers)


def _announce(settings: ServerSettings, app: Any, url: str, workers: int) -> None:
    if not settings.auth and not is_loopback(settings.host):
        click.echo(
            f"warning: listening on {settings.host} without --auth: anyone who can reach this "
            "address can read the whole store",
            err=True,
        )
    # What the store uses, which the database may have decided (an S3 store stays one).
    blobs = str(getattr(app.state.store.blobs, "location", "")) or "the store directory"
    click.echo(
        f"heron server: serving {app.state.store.root} at {url} "
        f"(database: {shown_database(settings.database_url)}; blobs: {blobs}; "
        f"auth: {'on' if settings.auth else 'off'}; workers: {workers})"
    )
    if not settings.auth:
        click.echo(
            f"heron server: scripts that write send the header X-Heron-Token: "
            f"{app.state.write_token}"
        )


def _serve(settings: ServerSettings, app: Any, sock: socket.socket, workers: int) -> None:
    import uvicorn

    if workers == 1:
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    # The parent's app only checked the settings; each worker opens the store again.
    app.state.store.close()
    os.environ[SETTINGS_VARIABLE] = settings.to_json()
    config = uvicorn.Config(
        "heron.cli.server:worker_app",
        factory=True,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    Multiprocess(config, sockets=[sock]).run()
