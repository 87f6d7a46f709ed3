"""The access log's lines: one JSON object per request, secrets masked, always one atomic write."""

from __future__ import annotations

import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from heron.server.access_log import AccessLog, redact_query


def _logged_lines(path: str, **headers: str) -> tuple[int, list[str]]:
    async def answer(request: Request) -> PlainTextResponse:
        request.state.user_name = "alice"
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/{rest:path}", answer)])
    read, write = os.pipe()
    try:
        with TestClient(AccessLog(app, fd=write)) as client:
            status = client.get(path, headers=headers).status_code
        os.close(write)
        with os.fdopen(read) as stream:
            return status, stream.read().splitlines()
    except BaseException:
        os.close(read)
        raise


def test_a_request_is_one_line_naming_its_user() -> None:
    status, lines = _logged_lines("/api/x?token=abc&n=2", **{"X-Request-ID": "r-1"})
    assert status == 200 and len(lines) == 1
    record = json.loads(lines[0])
    assert record["user"] == "alice"
    assert (record["path"], record["query"], record["request_id"]) == (
        "/api/x",
        "token=***&n=2",
        "r-1",
    )


def test_a_huge_path_is_cut_so_the_line_stays_one_atomic_write() -> None:
    status, lines = _logged_lines("/" + "é" * 3000)
    assert status == 200 and len(lines) == 1
    assert len(lines[0].encode()) + 1 <= 4096
    assert json.loads(lines[0])["path"].endswith("...(cut)")


def test_a_request_id_that_is_not_plausible_is_replaced() -> None:
    _, lines = _logged_lines("/", **{"X-Request-ID": "x" * 500})
    assert json.loads(lines[0])["request_id"] != "x" * 500


def test_secret_looking_parameters_are_masked_and_others_kept() -> None:
    assert redact_query("api_key=1&password=2&Signature=3&page=4") == (
        "api_key=***&password=***&Signature=***&page=4"
    )
    assert redact_query("") == ""
