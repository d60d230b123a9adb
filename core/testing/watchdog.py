"""A last stop for a test that hangs with the GIL held.

pytest-timeout stops a hung test from a Python thread (its ``thread`` method) or
a signal handler, and both need the GIL. A thread that waits inside C code while
holding it — a ``sqlite3`` call blocked on a connection another thread is using,
as the live server once did (``core.testing.live_server``) — stops every Python
thread, pytest-timeout's too, and CI waits for its own limit.

``faulthandler``'s watchdog is a C thread: a minute after pytest-timeout's limit
(``watchdog_grace`` seconds) it writes every thread's stack to the real stderr and ends the process. Under
xdist the test is then reported as a crashed worker and the run goes on.
"""

from __future__ import annotations

import faulthandler
import os
from collections.abc import Iterator
from typing import IO, Any

import pytest

_stderr: IO[str] | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "watchdog_grace",
        "seconds after pytest-timeout's limit that the watchdog ends the process",
        default="60",
    )


def _limit(config: pytest.Config, item: pytest.Item | None = None) -> float:
    """pytest-timeout's limit for ``item`` (its marker, ``--timeout``, the ini)
    plus the grace; 0 when there is none."""
    marker = item.get_closest_marker("timeout") if item is not None else None
    setting = marker.args[0] if marker is not None and marker.args else None
    if setting is None:
        setting = config.getoption("timeout", None) or config.getini("timeout")
    try:
        timeout = float(setting or 0)
    except (TypeError, ValueError):
        return 0
    return timeout + float(config.getini("watchdog_grace")) if timeout > 0 else 0


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    global _stderr
    if not _limit(config):
        return
    # The terminal's stderr, not pytest's capture of it (lost with the process).
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            _stderr = os.fdopen(os.dup(2), "w")
    else:
        _stderr = os.fdopen(os.dup(2), "w")


def pytest_unconfigure(config: pytest.Config) -> None:
    global _stderr
    if _stderr is not None:
        _stderr.close()
        _stderr = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    limit = _limit(item.config, item)
    if _stderr is None or not limit:
        yield
        return
    faulthandler.dump_traceback_later(limit, exit=True, file=_stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
