"""A real server losing its real database and getting it back, with no restart."""

import sqlite3
import time

import pytest
from django.db import connection

from accounts.models import ApiKey, Role
from conftest import make_employee
from ops.tests.servers import Relay, Server, fetch, fetch_json

pytestmark = pytest.mark.django_db(transaction=True)

UNAVAILABLE = {
    "detail": "The database is not answering. Try again in a few seconds.",
    "code": "unavailable",
    "errors": [],
}


def _until(check, seconds=20.0):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def _outage_and_recovery(server: Server, key: str, cut, restore) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    assert fetch_json(server.url + "/healthz")[0] == 200
    assert fetch(server.url + "/api/v1/leads", auth)[0] == 200

    cut()
    status, body = fetch_json(server.url + "/api/v1/leads", auth)
    assert (status, body) == (503, UNAVAILABLE)
    status, body = fetch_json(server.url + "/healthz")
    assert status == 503 and body["status"] == "unavailable"
    # A signed-in page (its session is in the database): the styled 503.
    # A well-formed key (Django skips the lookup of one shorter than 8 characters).
    status, headers, html = fetch(
        server.url + "/leads/", {"Cookie": "sessionid=abcdefgh12345678abcdefgh12345678"}
    )
    assert status == 503 and "back in a moment" in html.decode()
    assert headers["Retry-After"] == "5"

    restore()
    assert _until(lambda: fetch(server.url + "/healthz")[0] == 200)
    assert fetch(server.url + "/api/v1/leads", auth)[0] == 200

    log = server.log_path.read_text()
    assert "Traceback" not in log
    # One line per request: ours, never runserver's own access line beside it.
    assert log.count('"GET /healthz HTTP/1.1"') == 0
    assert log.count("GET /api/v1/leads 503 ") == 1
    assert "database unavailable" in log


@pytest.mark.postgres_only
def test_it_answers_503_while_postgresql_is_gone_and_recovers(tmp_path):
    employee = make_employee(Role.CSR)
    _, key = ApiKey.issue(employee=employee)
    db = connection.settings_dict
    relay = Relay(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@127.0.0.1:{relay.port}/{db['NAME']}"
    server = Server({"DATABASE_URL": url}, tmp_path / "server.log")
    try:
        _outage_and_recovery(server, key, relay.cut, relay.restore)
    finally:
        server.stop()
        relay.cut()


def test_it_answers_503_while_the_sqlite_file_is_gone_and_recovers(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite outage needs the suite on SQLite")
    employee = make_employee(Role.CSR)
    _, key = ApiKey.issue(employee=employee)
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    target = sqlite3.connect(prepared / "db.sqlite3")
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    live = tmp_path / "live"
    # The server's database is in a folder that is not there (a volume not mounted).
    server = Server({"LEADLINE_SQLITE_PATH": str(live / "db.sqlite3")}, tmp_path / "server.log")
    try:
        status, body = fetch_json(server.url + "/healthz")
        assert status == 503 and body["database"] == "unavailable"
        assert fetch_json(server.url + "/api/v1/leads", {"Authorization": f"Bearer {key}"}) == (
            503,
            UNAVAILABLE,
        )
        prepared.rename(live)  # the volume is back
        assert _until(lambda: fetch(server.url + "/healthz")[0] == 200)
        assert fetch(server.url + "/api/v1/leads", {"Authorization": f"Bearer {key}"})[0] == 200
        assert "Traceback" not in server.log_path.read_text()
    finally:
        server.stop()
