"""Database failures reach the client as plain words: a collision is a 409, a database that cannot
serve is a 503 or a 500, and none of them quotes SQL or the store's location."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from heron.server import create_app
from heron.store.store import Store
from tests.fixtures.local import local_client, make_store

REPORTS = "/api/projects/p/reports"
SQL_WORDS = ("INSERT", "SELECT", "DROP", "reports.id", "sqlite", "psycopg", "[SQL")


def _clean(message: str, store_dir: Path) -> None:
    assert not any(word in message for word in SQL_WORDS), message
    assert str(store_dir) not in message and str(store_dir.resolve()) not in message


def test_a_write_that_collides_is_a_409_that_quotes_no_sql(
    store_dir: Path, database_url: str | None
) -> None:
    make_store(store_dir, database_url)
    store = Store.open(store_dir, database_url=database_url, create=False)
    with store.engine.begin() as connection:
        # The database itself refuses the row, as it does when a concurrent write took the key.
        connection.execute(text("CREATE UNIQUE INDEX one_title ON reports (title)"))
    store.close()
    with local_client(create_app(store_dir, database_url)) as client:
        assert client.post(REPORTS, json={"title": "weekly"}).status_code == 201
        again = client.post(REPORTS, json={"title": "weekly"})
        assert again.status_code == 409
        error = again.json()["error"]
        assert error["type"] == "ConflictError" and "try again" in error["message"]
        _clean(again.text, store_dir)
        assert [r["title"] for r in client.get(REPORTS).json()] == ["weekly"]


def test_a_damaged_database_answers_without_sql_or_paths(
    store_dir: Path, database_url: str | None
) -> None:
    make_store(store_dir, database_url)
    store = Store.open(store_dir, database_url=database_url, create=False)
    with store.engine.begin() as connection:
        # CASCADE on PostgreSQL: the comments table's foreign key depends on reports.
        connection.execute(text("DROP TABLE reports" + (" CASCADE" if database_url else "")))
    store.close()
    app = create_app(store_dir, database_url)
    with local_client(app, raise_server_exceptions=False) as client:
        response = client.get(REPORTS)
    # SQLite calls a missing table an operational error; PostgreSQL a programming error.
    assert response.status_code == (503 if database_url is None else 500)
    error = response.json()["error"]
    assert error["type"] in ("DatabaseError", "InternalError")
    assert "log" in error["message"]
    _clean(response.text, store_dir)
