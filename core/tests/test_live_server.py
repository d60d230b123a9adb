"""The live server on SQLite in memory shares the test's one connection with its
request threads; two requests at once on it used to deadlock the whole process
(``core.testing.live_server``). On PostgreSQL nothing is shared."""

from __future__ import annotations

import faulthandler
import os
import threading
import time
import urllib.request

import pytest
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse
from django.urls import path


def _pause(seconds: float) -> float:
    time.sleep(seconds)  # releases the GIL, as any SQL function written in Python may
    return seconds


def slow(request: HttpRequest) -> HttpResponse:
    # SQLite calls back into Python in the middle of this statement, as it does
    # for Django's own functions (django_datetime_cast_date on the dashboard).
    with connection.cursor() as cursor:
        cursor.execute("SELECT leadline_test_pause(0.5)")
        return HttpResponse(str(cursor.fetchone()[0]))


def quick(request: HttpRequest) -> HttpResponse:
    # A statement the connection has prepared before: its parameters are bound
    # with the GIL held.
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s + 1", [41])
        return HttpResponse(str(cursor.fetchone()[0]))


urlpatterns = [path("slow/", slow), path("quick/", quick)]


def _get(url: str, into: dict[str, str]) -> None:
    with urllib.request.urlopen(url, timeout=20) as response:
        into[url] = response.read().decode()


@pytest.mark.urls(__name__)
def test_two_requests_at_once_both_finish(live_server, transactional_db, capsys):
    if connection.vendor != "sqlite":
        pytest.skip(f"the live server shares no connection on {connection.vendor}")
    # Shared whatever ran first in this process (see the live_server fixture).
    assert live_server.thread.connections_override["default"] is connections["default"]
    connection.ensure_connection()
    connection.connection.create_function("leadline_test_pause", 1, _pause)
    answers: dict[str, str] = {}
    _get(live_server.url + "/quick/", answers)  # now cached
    # Without the lock this process stops for good with the GIL held, so no
    # Python-level timeout could fail the test: end the process instead, with
    # every thread's stack, as a crash (to the real stderr: pytest's capture
    # would be lost with the process).
    with capsys.disabled():
        stderr = os.fdopen(os.dup(2), "w")
    faulthandler.dump_traceback_later(30, exit=True, file=stderr)
    try:
        first = threading.Thread(target=_get, args=(live_server.url + "/slow/", answers))
        first.start()
        time.sleep(0.15)  # /slow/ is inside SQLite, in the Python function
        second = threading.Thread(target=_get, args=(live_server.url + "/quick/", answers))
        second.start()
        first.join(25)
        second.join(25)
    finally:
        faulthandler.cancel_dump_traceback_later()
        stderr.close()
    assert answers == {live_server.url + "/slow/": "0.5", live_server.url + "/quick/": "42"}
