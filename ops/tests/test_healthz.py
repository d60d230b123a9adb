"""/healthz and the 503 while the database does not answer (API.md v1.1 "Operations")."""

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Role
from conftest import make_employee
from ops.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def _beat(seconds_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=f"w{seconds_ago}",
        hostname="box",
        pid=1,
        started_at=now - timedelta(hours=1),
        seen_at=now - timedelta(seconds=seconds_ago),
    )


def test_it_reports_the_database_the_worker_and_the_version():
    r = Client().get("/healthz")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    assert r.json() == {"status": "ok", "database": "ok", "worker": "none", "version": "0.1.0"}
    assert "no-cache" in r["Cache-Control"]


def test_it_tells_a_fresh_worker_from_a_stale_one(settings):
    settings.LEADLINE_WORKER_STALE_SECONDS = 60
    _beat(seconds_ago=120)
    assert Client().get("/healthz").json()["worker"] == "stale"
    _beat(seconds_ago=5)
    body = Client().get("/healthz").json()
    assert body["worker"] == "ok" and body["status"] == "ok"


def test_it_reports_the_configured_version(settings):
    from ops.health import version

    version.cache_clear()
    settings.LEADLINE_VERSION = "2026.12.1+abc123"
    try:
        assert Client().get("/healthz").json()["version"] == "2026.12.1+abc123"
    finally:
        version.cache_clear()


@pytest.fixture
def database_down(monkeypatch):
    """Every new cursor fails as psycopg or sqlite3 does when the server is gone."""

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    def down():
        monkeypatch.setattr(connection, "cursor", refuse)

    return down


def test_it_answers_503_on_healthz_while_the_database_is_down(database_down):
    database_down()
    r = Client().get("/healthz")
    assert r.status_code == 503 and r["Retry-After"] == "5"
    body = r.json()
    assert body["status"] == "unavailable" and body["database"] == "unavailable"
    assert body["code"] == "unavailable"


def test_it_answers_the_api_with_503_in_its_error_shape_and_recovers(database_down, monkeypatch):
    employee = make_employee(Role.CSR)
    _, raw = ApiKey.issue(employee=employee)
    client = Client(raise_request_exception=False)
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/leads", headers=auth).status_code == 200
    database_down()
    for r in (
        client.get("/api/v1/leads", headers=auth),
        client.get("/api/v1/leads/1", headers=auth),
        client.post(
            "/api/v1/leads",
            data={"type": "marketing"},
            content_type="application/json",
            headers={**auth, "Idempotency-Key": "k-1"},
        ),
        client.get("/api/v1/no-such-path", headers=auth),
    ):
        assert r.status_code in (503, 404), r.content
        if r.status_code == 503:
            assert r.json() == {
                "detail": "The database is not answering. Try again in a few seconds.",
                "code": "unavailable",
                "errors": [],
            }
            assert r["Retry-After"] == "5"
    monkeypatch.undo()
    assert client.get("/api/v1/leads", headers=auth).status_code == 200
    assert Client().get("/healthz").status_code == 200


def test_it_answers_pages_with_a_styled_503(database_down, monkeypatch):
    employee = make_employee(Role.CSR)
    client = Client(raise_request_exception=False)
    client.force_login(employee.user)
    database_down()
    r = client.get("/leads/")
    html = r.content.decode()
    assert r.status_code == 503 and r["Content-Type"].startswith("text/html")
    assert "Leadline is back in a moment" in html and "app.css" in html
    monkeypatch.undo()
    assert client.get("/leads/").status_code == 200
