"""The SDK's HTTP client keeps one connection alive and survives the server closing it."""

from __future__ import annotations

import pytest

from heron.sync.http import ApiClient, ServerUnavailable
from tests.sync.server import ServerProcess


def _signed_in_name(client: ApiClient) -> str:
    answer = client.json("GET", "/api/auth/me")
    return str(answer["user"]["name"])


def test_a_request_after_the_server_restarted_is_sent_again_on_a_new_connection(
    server: ServerProcess,
) -> None:
    client = ApiClient(server.url, server.api_key)
    try:
        assert _signed_in_name(client) == "alice"
        # The restart closes the connection the client keeps alive; the next request finds
        # it dead and must not report the (running) server as unreachable.
        server.stop()
        server.start()
        assert _signed_in_name(client) == "alice"
    finally:
        client.close()


def test_a_server_that_is_down_is_reported_unreachable(server: ServerProcess) -> None:
    client = ApiClient(server.url, server.api_key)
    try:
        assert _signed_in_name(client) == "alice"
        server.stop()
        with pytest.raises(ServerUnavailable, match=r"127\.0\.0\.1"):
            _signed_in_name(client)
    finally:
        client.close()
