"""A store upgraded to the small blob index (schema version 5) keeps what its pushes had sent.

Up to version 4 the pusher's blob cursor was a rowid of the index; the upgrade numbers each
earlier index write by the last rowid it held, so the saved cursor still marks what was sent.
"""

from __future__ import annotations

from pathlib import Path

from heron.store.store import Store
from heron.sync.http import ApiClient
from heron.sync.pusher import Pusher
from heron.sync.state import SyncState
from tests.fixtures.old_stores import blob_index_as_version_4
from tests.sync.server import ServerProcess


def test_a_push_after_the_upgrade_sends_what_came_after_the_saved_cursor(
    store_dir: Path, server: ServerProcess
) -> None:
    old = Store.open(store_dir)
    sent_before = old.blobs.put_many([f"sent before {i}".encode() for i in range(5)])
    written_after = old.blobs.put_many([f"written after {i}".encode() for i in range(7)])
    assert blob_index_as_version_4(old) == 12
    old.close()
    # What a push by the previous heron saved once the server acknowledged the first five.
    state = SyncState.load(store_dir, server.url)
    state.cursors["blobs"] = 5
    state.save()

    store = Store.open(store_dir, create=False)  # upgraded here
    client = ApiClient(server.url, server.api_key)
    try:
        pusher = Pusher(store, client)
        assert pusher.pending().blobs == 7
        assert pusher.push().blobs == 7
        assert pusher.pending().empty
        fresh = store.blobs.put(b"logged after the upgrade")
        assert pusher.pending().blobs == 1
        assert pusher.push().blobs == 1
    finally:
        client.close()
        store.close()

    on_server = Store.open(server.store_dir, create=False)
    try:
        assert on_server.blobs.missing([*written_after, fresh]) == set()
        # The first five were (as far as the cursor says) sent before: not sent again.
        assert on_server.blobs.missing(sent_before) == set(sent_before)
    finally:
        on_server.close()
