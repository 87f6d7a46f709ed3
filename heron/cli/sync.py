"""``heron sync DIR --to URL``: push a store logged offline (or a remote-mode spool) to a server."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import click

from heron.cli.common import handle_errors
from heron.errors import UsageError
from heron.sync.settings import saved_keys

if TYPE_CHECKING:
    from heron.sync.pusher import PushCounts, Pusher

RETRY_PAUSES_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0)


@click.command("sync")
@click.argument("store_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--to", "url", required=True, envvar="HERON_URL", help="The server, e.g. http://host:8000."
)
@click.option(
    "--key",
    "api_key",
    default=None,
    help="API key (default: $HERON_API_KEY, else the key `heron login URL` saved).",
)
def sync(store_dir: str, url: str, api_key: str | None) -> None:
    """Send what STORE_DIR holds and the server lacks: runs, metrics, tables, media, artifacts.

    Only what is new is sent (blobs are asked for by hash first), so running it again sends
    nothing; an interrupted sync resumes where it stopped.
    """
    from tqdm import tqdm

    # Here, not at the top: pushing reads tables (pyarrow), and every heron command loads this.
    from heron.store.store import Store
    from heron.sync.http import ApiClient
    from heron.sync.pusher import Pusher
    from heron.sync.state import push_lock

    with handle_errors():
        url = url.rstrip("/")
        api_key = api_key or os.environ.get("HERON_API_KEY") or saved_keys().get(url)
        if not api_key:
            raise UsageError(
                f"no API key for {url}: pass --key, set HERON_API_KEY or run `heron login {url}`"
            )
        store = Store.open(store_dir, create=False)
        client = ApiClient(url, api_key)
        try:
            with push_lock(store.root, url, wait=True):
                pusher = Pusher(store, client)
                pending = pusher.pending()
                total = sum(
                    (pending.runs, pending.blobs, pending.tables, pending.objects,
                     pending.metric_rows, pending.artifacts, pending.lineage)
                )  # fmt: skip
                with tqdm(total=total, unit=" items", desc="sync", disable=total == 0) as bar:
                    pusher.progress = bar.update
                    sent = _push_with_retries(pusher)
        finally:
            client.close()
            store.close()
        if sent.empty:
            click.echo(f"nothing to send: {url} already has everything in {store.root}")
        else:
            size = f" ({sent.blob_bytes:,} bytes of blobs)" if sent.blob_bytes else ""
            click.echo(f"sent to {url}: {sent.describe()}{size}")


def _push_with_retries(pusher: Pusher) -> PushCounts:
    """Push, trying again with growing pauses while the server cannot be reached (what it
    acknowledged stays acknowledged, so each attempt goes on from there)."""
    from heron.sync.http import ServerUnavailable
    from heron.sync.pusher import PushCounts

    sent = PushCounts()
    for pause in (*RETRY_PAUSES_SECONDS, None):
        try:
            sent.add(pusher.push())
            return sent
        except ServerUnavailable as error:
            if pause is None:
                raise
            click.echo(f"{error.message}; trying again in {pause:.0f} s", err=True)
            time.sleep(pause)  # waiting for the server to come back
    return sent  # pragma: no cover - the loop returns or raises
