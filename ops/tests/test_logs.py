"""One line per request and per task, with a request id; JSON on demand; nothing twice."""

import io
import json
import logging
import re

import pytest
from django.test import Client

from accounts.models import ApiKey, Role
from conftest import make_employee
from ops.logs import JsonFormatter, QuietFilter, TextFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """The configured console handler (settings.LOGGING), writing into a buffer."""
    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h.formatter, TextFormatter | JsonFormatter)
    )
    buffer = io.StringIO()
    old_stream, old_formatter = handler.stream, handler.formatter
    handler.setStream(buffer)

    class Console:
        def lines(self):
            return [line for line in buffer.getvalue().splitlines() if line.strip()]

        def json(self):
            handler.setFormatter(JsonFormatter())

    yield Console()
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


def test_it_logs_one_line_per_request_with_a_request_id(console):
    r = Client().get("/healthz")
    request_id = r["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = console.lines()
    assert len(lines) == 1
    assert re.search(rf"INFO leadline.request \[{request_id}\] GET /healthz 200 \d+\.\dms$", lines[0])


def test_it_accepts_and_echoes_a_sane_x_request_id(caplog):
    caplog.set_level(logging.INFO, logger="leadline.request")
    r = Client().get("/healthz", headers={"X-Request-ID": "lb-7f3c.01_a"})
    assert r["X-Request-ID"] == "lb-7f3c.01_a"
    assert [rec.request_id for rec in caplog.records if rec.name == "leadline.request"] == ["lb-7f3c.01_a"]
    forged = Client().get("/healthz", headers={"X-Request-ID": "x" * 129})
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])
    injected = Client().get("/healthz", headers={"X-Request-ID": "a\nFAKE LINE"})
    assert re.fullmatch(r"[0-9a-f]{32}", injected["X-Request-ID"])


def test_it_writes_json_lines(console):
    console.json()
    Client().get("/healthz?phone=5125550187", headers={"X-Request-ID": "req-1"})
    (line,) = console.lines()
    record = json.loads(line)
    assert record["request_id"] == "req-1" and record["logger"] == "leadline.request"
    assert record["method"] == "GET" and record["path"] == "/healthz" and record["status"] == 200
    assert isinstance(record["ms"], float) and record["level"] == "INFO" and record["ts"].endswith("+00:00")
    # The query string (a phone, an email) is never written.
    assert "5125550187" not in line


def test_django_s_own_loggers_have_no_console_of_their_own():
    # Django's defaults give "django" a console handler (active while DEBUG is on, as
    # under `make run`) and mail_admins: its lines came out twice, once unfiltered.
    from django.utils.log import AdminEmailHandler, RequireDebugTrue

    django_logger = logging.getLogger("django")
    assert django_logger.propagate is True
    for handler in django_logger.handlers:
        assert not isinstance(handler, AdminEmailHandler)
        assert not any(isinstance(f, RequireDebugTrue) for f in handler.filters)
    assert logging.getLogger("django.server").propagate is False


def test_it_logs_4xx_once_and_without_a_traceback(console):
    employee = make_employee(Role.CSR)
    _, raw = ApiKey.issue(employee=employee)
    client = Client()
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/leads/999999", headers=auth).status_code == 404
    assert (
        client.post("/api/v1/leads", data="{", content_type="application/json", headers=auth).status_code
        == 400
    )
    assert client.get("/no/such/page/").status_code == 404
    assert client.get("/api/v1/leads").status_code == 401
    lines = console.lines()
    assert len(lines) == 4, lines
    assert all(" leadline.request " in line for line in lines)
    assert "Traceback" not in "\n".join(lines)


def test_it_drops_runserver_access_lines_and_strips_4xx_tracebacks():
    quiet = QuietFilter()
    access = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s %s', ("GET / HTTP/1.1", "200", "5"), None
    )
    access.status_code = 200
    assert not quiet.filter(access)
    started = logging.LogRecord(
        "django.server", logging.INFO, "", 0, "Quit the server with CONTROL-C.", (), None
    )
    assert quiet.filter(started)
    try:
        raise ValueError("Invalid HTTP_HOST header: 'evil.example'")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    suspicious = logging.LogRecord(
        "django.security.DisallowedHost", logging.ERROR, "", 0, "bad host", (), exc_info
    )
    assert quiet.filter(suspicious) and suspicious.exc_info is None and suspicious.levelname == "WARNING"


def test_it_logs_a_database_outage_as_one_line_not_a_traceback(console, monkeypatch):
    from django.db import OperationalError, connection

    employee = make_employee(Role.CSR)
    client = Client(raise_request_exception=False)
    client.force_login(employee.user)

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused\nIs the server running?")

    monkeypatch.setattr(connection, "cursor", refuse)
    assert client.get("/leads/").status_code == 503
    lines = console.lines()
    assert "Traceback" not in "\n".join(lines)
    assert any("database unavailable: connection refused" in line for line in lines), lines
    assert any(re.search(r"GET /leads/ 503 ", line) for line in lines)
    assert len(lines) == 2, lines
