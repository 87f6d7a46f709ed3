"""Only heron's own pages get answers and make changes: the Host check, the same-origin proof for
writes, and the request body limit, in process and through a real `heron ui`."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from heron.server import create_app
from heron.server.origin import TOKEN_HEADER
from tests.fixtures.local import make_store

REPORTS = "/api/projects/p/reports"
ALIASES = "/api/projects/p/artifacts/model/v0/aliases"
OWN = "http://127.0.0.1:8080"


@pytest.fixture
def app(store_dir: Path, tmp_path: Path) -> Iterator[FastAPI]:
    """An app over a small store, serving a built-looking UI."""
    make_store(store_dir)
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text(
        '<!doctype html><html><head><meta charset="UTF-8" /><title>heron</title></head>'
        '<body><div id="root"></div></body></html>'
    )
    application = create_app(store_dir, static_dir=static)
    with TestClient(application):  # runs the app's startup and shutdown
        yield application


def _client(app: FastAPI, base_url: str = OWN, **headers: str) -> TestClient:
    return TestClient(app, base_url=base_url, headers=headers)


def _aliases(app: FastAPI) -> list[str]:
    version = _client(app).get("/api/projects/p/artifacts/model/v0").json()
    aliases: list[str] = version["aliases"]
    return aliases


def _reports(app: FastAPI) -> list[str]:
    return [r["title"] for r in _client(app).get(REPORTS).json()]


@pytest.mark.parametrize(
    "path",
    ["/api/projects", "/api/projects/p/artifacts/model/v0/files", "/api/info", "/", "/projects/p"],
)
def test_a_foreign_host_gets_no_data(app: FastAPI, path: str) -> None:
    for host in ("attacker.example", "attacker.example:8080", "localhost.attacker.example"):
        response = _client(app, f"http://{host}").get(path)
        assert response.status_code == 421, (host, path)
        error = response.json()["error"]
        assert error["type"] == "HostError" and host.split(":")[0] in error["message"]
        # The asking page may be the attacker's: the answer names none of the server's names.
        assert "127.0.0.1" not in error["message"] and "localhost," not in error["message"]
        assert '"p"' not in response.text and "root" not in response.text


def test_local_names_with_any_port_are_answered(app: FastAPI) -> None:
    for host in ("localhost", "localhost:5173", "127.0.0.1", "127.0.0.1:9", "[::1]:8080", "[::1]"):
        response = _client(app, f"http://{host}").get("/api/projects")
        assert response.status_code == 200, host
        assert [p["name"] for p in response.json()] == ["p"]


def test_a_foreign_host_cannot_write_even_with_the_token(app: FastAPI) -> None:
    token = {TOKEN_HEADER: app.state.write_token}
    rebound = _client(app, "http://attacker.example:8080", **token)
    assert rebound.post(REPORTS, json={"title": "planted"}).status_code == 421
    assert rebound.post(ALIASES, json={"alias": "planted"}).status_code == 421
    assert _reports(app) == [] and "planted" not in _aliases(app)


@pytest.mark.parametrize(
    "origin", ["http://attacker.example", "http://localhost:3000", "https://127.0.0.1:8080", "null"]
)
def test_a_cross_origin_write_is_refused(app: FastAPI, origin: str) -> None:
    report = _client(app).post(
        REPORTS, headers={TOKEN_HEADER: app.state.write_token}, json={"title": "kept"}
    )
    report_id = report.json()["id"]
    assert (
        _client(app)
        .post(ALIASES, headers={TOKEN_HEADER: app.state.write_token}, json={"alias": "kept"})
        .status_code
        == 200
    )

    page = _client(app, Origin=origin)
    attempts = [
        page.post(REPORTS, json={"title": "planted"}),
        page.put(f"{REPORTS}/{report_id}", json={"title": "defaced"}),
        page.delete(f"{REPORTS}/{report_id}"),
        page.post(ALIASES, json={"alias": "planted"}),
        page.delete(f"{ALIASES}/kept"),
    ]
    for response in attempts:
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["type"] == "OriginError" and "refused" in error["message"]
    assert _reports(app) == ["kept"]
    assert "kept" in _aliases(app) and "planted" not in _aliases(app)


def test_a_page_of_the_server_itself_writes_without_the_token(app: FastAPI) -> None:
    for origin, base in ((OWN, OWN), ("http://localhost:5173", "http://localhost:5173")):
        response = _client(app, base, Origin=origin).post(REPORTS, json={"title": origin})
        assert response.status_code == 201, origin
    assert sorted(_reports(app)) == ["http://127.0.0.1:8080", "http://localhost:5173"]


def test_a_write_without_origin_needs_the_right_token(app: FastAPI) -> None:
    bare = _client(app).post(REPORTS, json={"title": "x"})
    assert bare.status_code == 403 and TOKEN_HEADER in bare.json()["error"]["message"]
    wrong = _client(app, **{TOKEN_HEADER: "guess"}).post(REPORTS, json={"title": "x"})
    assert wrong.status_code == 403
    assert _reports(app) == []
    right = _client(app, **{TOKEN_HEADER: app.state.write_token})
    assert right.post(REPORTS, json={"title": "x"}).status_code == 201
    moved = right.post(ALIASES, json={"alias": "best"})
    assert moved.status_code == 200 and "best" in moved.json()["version"]["aliases"]


def test_reads_need_no_token(app: FastAPI) -> None:
    assert _client(app).get("/api/projects/p/artifacts").status_code == 200


def test_the_ui_page_carries_this_servers_token(
    app: FastAPI, store_dir: Path, tmp_path: Path
) -> None:
    token = app.state.write_token
    for path in ("/", "/projects/p/reports", "/index.html"):
        page = _client(app).get(path)
        assert page.status_code == 200
        found = re.search(r'<meta name="heron-token" content="([^"]+)">', page.text)
        assert found is not None and found.group(1) == token, path
        assert (
            page.text.index("charset") < page.text.index("heron-token") < page.text.index("</head>")
        )
    other = create_app(store_dir, static_dir=tmp_path / "static")
    assert other.state.write_token != token and len(token) >= 32
    other.state.store.close()


def test_names_given_for_a_proxy_are_answered_and_may_write(store_dir: Path) -> None:
    make_store(store_dir)
    proxied = create_app(store_dir, allowed_hosts=["heron.example.org"])
    with _client(proxied, "https://heron.example.org") as client:
        assert client.get("/api/projects").status_code == 200
        # A proxy may pass its own name as Host, or rewrite Host to the server's address.
        same = client.post(
            REPORTS, headers={"Origin": "https://heron.example.org"}, json={"title": "a"}
        )
        assert same.status_code == 201
    with _client(proxied, Origin="https://heron.example.org") as rewritten:
        assert rewritten.post(REPORTS, json={"title": "b"}).status_code == 201
    with _client(proxied, "http://attacker.example") as foreign:
        assert foreign.get("/api/projects").status_code == 421


def test_with_the_host_check_off_writes_still_need_their_own_origin(store_dir: Path) -> None:
    make_store(store_dir)
    open_app = create_app(store_dir, allowed_hosts=["*"])
    with _client(open_app, "http://anything.example") as client:
        assert client.get("/api/projects").status_code == 200
        foreign = client.post(
            REPORTS, headers={"Origin": "http://evil.example"}, json={"title": "a"}
        )
        assert foreign.status_code == 403
        own = client.post(
            REPORTS, headers={"Origin": "http://anything.example"}, json={"title": "b"}
        )
        assert own.status_code == 201
        assert [r["title"] for r in client.get(REPORTS).json()] == ["b"]
    open_app.state.store.close()


def test_a_server_on_every_interface_answers_addresses_but_no_other_names(
    store_dir: Path,
) -> None:
    make_store(store_dir)
    everywhere = create_app(store_dir, host="0.0.0.0")
    with _client(everywhere, "http://192.168.1.20:8080") as by_address:
        assert by_address.get("/api/projects").status_code == 200
    with _client(everywhere, f"http://{socket.gethostname()}:8080") as by_name:
        assert by_name.get("/api/projects").status_code == 200
    with _client(everywhere, "http://attacker.example:8080") as foreign:
        assert foreign.get("/api/projects").status_code == 421
    everywhere.state.store.close()


def test_a_body_over_the_limit_is_refused_with_a_clear_error(store_dir: Path) -> None:
    make_store(store_dir)
    small = create_app(store_dir, max_body_bytes=64 * 1024)
    headers = {TOKEN_HEADER: small.state.write_token, "content-type": "application/json"}

    def chunks() -> Iterator[bytes]:
        # A JSON body that would be valid if it were read to the end, sent without a length.
        yield b'{"title": "big", "description": "'
        for _ in range(8):
            yield b"x" * 16 * 1024
        yield b'"}'

    with _client(small, **headers) as client:
        big = b"{" + b" " * (100 * 1024) + b'"title": "big"}'
        declared = client.post(REPORTS, content=big)
        assert declared.status_code == 413
        error = declared.json()["error"]
        assert error["type"] == "RequestTooLarge" and "65,536 bytes" in error["message"]
        assert f"{len(big):,} bytes" in error["message"]

        streamed = client.post(REPORTS, content=chunks())
        assert streamed.status_code == 413
        assert streamed.json()["error"]["type"] == "RequestTooLarge"

        fits = client.post(
            REPORTS,
            json={
                "title": "fits",
                "blocks": [{"id": "m", "type": "markdown", "text": "x" * 60_000}],
            },
        )
        assert fits.status_code == 201
        assert [r["title"] for r in client.get(REPORTS).json()] == ["fits"]
    small.state.store.close()


# -- a real server -------------------------------------------------------------------------------


@contextmanager
def serving(store_dir: Path, *args: str) -> Iterator[dict[str, Any]]:
    """`heron ui` on a free port; yields its URL, port and the token it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "heron.cli", "ui", "--dir", str(store_dir), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = re.search(r"(http://\S+/)", process.stdout.readline())
        token = re.search(rf"{TOKEN_HEADER}: (\S+)", process.stdout.readline())
        assert url is not None and token is not None
        yield {
            "url": url.group(1),
            "port": int(url.group(1).rsplit(":", 1)[1].strip("/")),
            "token": token.group(1),
        }
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


def _raw_request(port: int, head: str, body: bytes = b"") -> str:
    """Send ``head`` (and ``body``) on a fresh connection; the status line of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head.encode() + body)
        answer = connection.makefile("rb").readline()
    return answer.decode().strip()


def test_a_real_server_answers_its_own_origin_only(store_dir: Path) -> None:
    make_store(store_dir)
    with serving(store_dir) as server:
        url, token = server["url"], server["token"]
        assert httpx.get(f"{url}api/projects", timeout=30).status_code == 200
        rebound = httpx.get(f"{url}api/projects", headers={"Host": "attacker.example"}, timeout=30)
        assert rebound.status_code == 421 and '"p"' not in rebound.text
        page = httpx.post(
            f"{url}api/projects/p/reports",
            json={"title": "x"},
            headers={"Origin": "http://attacker.example"},
            timeout=30,
        )
        assert page.status_code == 403
        script = httpx.post(
            f"{url}api/projects/p/reports",
            json={"title": "x"},
            headers={TOKEN_HEADER: token},
            timeout=30,
        )
        assert script.status_code == 201

        # 128 MB announced: the answer comes before a byte of the body is sent.
        head = (
            "POST /api/projects/p/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"{TOKEN_HEADER}: {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {128 * 2**20}\r\nConnection: close\r\n\r\n"
        )
        assert _raw_request(server["port"], head).startswith("HTTP/1.1 413")


def test_a_real_server_stops_reading_a_streamed_body_at_the_limit(store_dir: Path) -> None:
    make_store(store_dir)
    with serving(store_dir, "--max-body-mb", "1") as server:
        head = (
            "POST /api/projects/p/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"{TOKEN_HEADER}: {server['token']}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        chunk = b"x" * 64 * 1024
        with socket.create_connection(("127.0.0.1", server["port"]), timeout=30) as connection:
            connection.sendall(head.encode())
            # 1.25 MiB of a body that never ends: the answer must come without the rest.
            for _ in range(20):
                connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            status = connection.makefile("rb").readline().decode()
        assert status.startswith("HTTP/1.1 413"), status
        reports = httpx.get(f"{server['url']}api/projects/p/reports", timeout=30).json()
        assert reports == []


def test_a_token_given_to_heron_ui_is_the_one_it_accepts(store_dir: Path) -> None:
    make_store(store_dir)
    with serving(
        store_dir, "--token", "scripted-token-0123456789", "--allow-host", "heron.internal"
    ) as server:
        assert server["token"] == "scripted-token-0123456789"
        url = server["url"]
        named = httpx.get(f"{url}api/projects", headers={"Host": "heron.internal:80"}, timeout=30)
        assert named.status_code == 200
        written = httpx.post(
            f"{url}api/projects/p/reports",
            json={"title": "x"},
            headers={TOKEN_HEADER: "scripted-token-0123456789"},
            timeout=30,
        )
        assert written.status_code == 201
