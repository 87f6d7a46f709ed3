"""Serving the built UI: files as built, deep links to index.html, API paths never."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

import heron
from heron.server import create_app
from tests.fixtures.local import local_client


def _app(tmp_path: Path, store_dir: Path) -> TestClient:
    heron.init(project="p", dir=store_dir).finish()
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text('<!doctype html><div id="root"></div>')
    (static / "assets" / "app-1234.js").write_text("console.log('heron')")
    return local_client(create_app(store_dir, static_dir=static))


def test_deep_links_get_the_app(tmp_path: Path, store_dir: Path) -> None:
    with _app(tmp_path, store_dir) as client:
        for path in ("/", "/projects/p", "/projects/p/runs/abc/tables/val/preds?step=3"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert '<div id="root">' in response.text
            assert response.headers["cache-control"] == "no-cache"


def test_assets_are_served_and_cached_forever(tmp_path: Path, store_dir: Path) -> None:
    with _app(tmp_path, store_dir) as client:
        response = client.get("/assets/app-1234.js")
        assert response.text == "console.log('heron')"
        assert "immutable" in response.headers["cache-control"]


def test_unknown_api_path_is_json_not_the_app(tmp_path: Path, store_dir: Path) -> None:
    with _app(tmp_path, store_dir) as client:
        response = client.get("/api/v9/whatever")
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "NotFoundError"


def test_missing_build_says_how_to_build(tmp_path: Path, store_dir: Path) -> None:
    heron.init(project="p", dir=store_dir).finish()
    with local_client(create_app(store_dir, static_dir=tmp_path / "nothing")) as client:
        response = client.get("/projects/p")
        assert response.status_code == 503
        assert "scripts/build_ui.sh" in response.text
