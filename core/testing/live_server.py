"""The live server the browser tests talk to, safe on SQLite's in-memory test
database.

On SQLite in memory, pytest-django (like Django's ``LiveServerTestCase``) hands
the test's own database connection to the live server, and every request thread
of the threaded server uses that one ``sqlite3`` connection. Two requests at once
on one connection can deadlock the whole process:

- request A is inside ``sqlite3_step`` (the GIL released, the connection's mutex
  held) and SQLite calls one of Django's SQL functions written in Python (e.g.
  ``django_datetime_cast_date``), which must take the GIL back;
- request B holds the GIL and binds the parameters of a statement the connection
  has cached (``sqlite3_bind_*``, called with the GIL held), which waits for the
  connection's mutex.

Each waits for the other for good, and because B waits with the GIL held no
Python thread runs again, pytest-timeout's included. A fresh-clone CI run hung
that way (dashboard and texts count, both in ``SQLiteCursorWrapper.execute``).
Sharing one connection also shares Django's transaction state (``atomic``'s
savepoints) between the requests.

So when the connection is shared, the server answers one request at a time, and
the test's own statements wait for the request in flight: one re-entrant lock,
taken around each request (until its response is closed) and around each cursor
call on the shared connection. Waiting on a ``threading`` lock releases the GIL,
so the thread in SQLite can always finish. On PostgreSQL nothing is shared and
nothing changes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from django.db.backends.sqlite3.base import SQLiteCursorWrapper

# One for the process: there is one live server and one test thread.
SHARED_CONNECTION = threading.RLock()


class _OneRequestAtATime:
    """WSGI middleware: holds the lock from the application call until the server
    closes the response (after its last byte, or after the client went away)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        SHARED_CONNECTION.acquire()
        try:
            result = self.app(environ, start_response)
        except BaseException:
            SHARED_CONNECTION.release()
            raise
        return _ReleasedOnClose(result)


class _ReleasedOnClose:
    def __init__(self, result: Iterable[bytes]) -> None:
        self.result = result
        self.held = True

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            if self.held:
                self.held = False
                SHARED_CONNECTION.release()


class _LockedCursor(SQLiteCursorWrapper):
    """Every call that reaches SQLite holds the lock (fetches step the statement too)."""

    def execute(self, query: str, params: Any = None) -> Any:
        with SHARED_CONNECTION:
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        with SHARED_CONNECTION:
            return super().executemany(query, param_list)

    def fetchone(self) -> Any:
        with SHARED_CONNECTION:
            return super().fetchone()

    def fetchmany(self, *args: Any, **kwargs: Any) -> Any:
        with SHARED_CONNECTION:
            return super().fetchmany(*args, **kwargs)

    def fetchall(self) -> Any:
        with SHARED_CONNECTION:
            return super().fetchall()

    def __next__(self) -> Any:
        with SHARED_CONNECTION:
            return super().__next__()

    def close(self) -> None:
        with SHARED_CONNECTION:
            super().close()


def _lock_cursors(wrapper: Any) -> Callable[[], None]:
    """Make ``wrapper`` (a Django SQLite DatabaseWrapper) hand out locked cursors;
    returns the undo."""

    def create_cursor(name: str | None = None) -> Any:
        return wrapper.connection.cursor(factory=_LockedCursor)

    wrapper.create_cursor = create_cursor
    return lambda: wrapper.__dict__.pop("create_cursor", None)


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, django_db_setup: None) -> Iterator[Any]:
    """pytest-django's ``live_server`` (same address options), made safe where it
    shares the test's SQLite connection with its request threads.

    It starts after the test database exists (``django_db_setup``): pytest-django
    decides whether to share the connection from the database's name when the
    server starts, and a server started before any test had used the database
    (the first test of a process asked for it) found the file name of the
    settings, not the in-memory test database. Its request threads then opened
    their own connections to the shared in-memory cache, where a write locks a
    whole table and a request that meets the lock fails (a 503) instead of
    waiting. Which of the two a process got depended on the order its tests
    ran in."""
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    )
    server = LiveServer(addr, start=False)
    undo: list[Callable[[], None]] = []
    if server.thread.connections_override:
        undo = [_lock_cursors(conn) for conn in server.thread.connections_override.values()]
        static_handler = server.thread.static_handler
        # The thread builds its application as static_handler(the Django handler).
        server.thread.static_handler = lambda app: _OneRequestAtATime(static_handler(app))  # type: ignore[assignment]
    server.start()
    yield server
    server.stop()
    for step in undo:
        step()
