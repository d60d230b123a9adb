"""Browser-test fixtures: the app served by pytest-django's live server,
driven through Playwright in Debian's Chromium (never a downloaded browser).

Use the ``page`` fixture (a fresh browser context per test) and ``login``.
Every test that uses ``page`` is marked ``browser`` automatically, so
``pytest -m "not browser"`` runs the fast suite alone.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LEADLINE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("LEADLINE_TEST_ARTIFACTS", "test-artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: install it with `apt-get install -y chromium`.")
    # Playwright's sync API runs an event loop in this thread; the ORM calls a
    # test makes around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(
    browser: Any, live_server: Any, transactional_db: None, request: pytest.FixtureRequest
) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    _TRAFFIC[pg] = _Traffic(pg)
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


class _Traffic:
    """The requests a page has in flight, counted from Playwright's events, and
    when that count last changed (the events arrive whenever the test calls into
    Playwright, e.g. during ``page.wait_for_timeout``)."""

    def __init__(self, page: Any) -> None:
        self.in_flight = 0
        self.changed = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, _request: Any) -> None:
        self.in_flight += 1
        self.changed = time.monotonic()

    def _ended(self, _request: Any) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.changed = time.monotonic()


_TRAFFIC: weakref.WeakKeyDictionary[Any, _Traffic] = weakref.WeakKeyDictionary()
# True when no element carries the classes htmx sets while a request runs and its answer is swapped in.
_HTMX_QUIET = "document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling') === null"


def settle(page: Any, quiet_ms: int = 200, timeout: int = 10_000) -> bool:
    """Wait until the page (from the ``page`` fixture) has had no request in
    flight for ``quiet_ms`` and htmx is swapping nothing: what it loads after the
    page (``hx-trigger="load"``) has arrived. Playwright's ``networkidle`` waits
    for 500 ms of quiet after every page, most of a sweep's time over thirty
    screens. False if it did not settle within ``timeout`` ms (a screen that
    polls may be busy on a loaded machine); the caller decides whether that is a
    failure."""
    traffic = _TRAFFIC[page]
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        page.wait_for_timeout(25)
        quiet = (time.monotonic() - traffic.changed) * 1000
        if traffic.in_flight == 0 and quiet >= quiet_ms and page.evaluate(_HTMX_QUIET):
            return True
    return False


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def login(page: Any) -> Callable[[str, str], None]:
    """``login(username, password)`` signs in through the real login page."""

    def sign_in(username: str, password: str = "pw-for-tests") -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)

    return sign_in


def wait_until(page: Any, expression: str, timeout: int = 10_000) -> None:
    """Wait until a JavaScript expression is true. Playwright's wait_for_function
    evaluates its predicate with eval, which the site's Content-Security-Policy
    refuses; page.evaluate (the DevTools protocol) is not subject to it."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        page.wait_for_timeout(100)
