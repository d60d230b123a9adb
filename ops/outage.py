"""While the database does not answer, every request says so: the API with
a 503 in its error shape (``code: "unavailable"``), pages with a styled 503.
Nothing here touches the database, and nothing needs resetting afterwards:
Django drops a broken connection at the end of the request and the next
request connects again.

Two paths lead here. An API operation's error goes through the Ninja
handler ``config.api`` registers with :func:`api_unavailable`. Anything else
(a page, or a middleware that reads the session or a key) becomes Django's
500; ``got_request_exception`` (``ops.signals``) marks the request, and
:class:`DatabaseUnavailableMiddleware` turns that 500 into the 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger("leadline.ops")

# psycopg's "connection refused / server closed the connection", SQLite's
# "unable to open database file": Django raises these two for a database
# that does not answer (a lock held past the busy timeout is one too).
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = "5"
MARK = "_leadline_database_unavailable"


def is_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE_ERRORS)


def api_unavailable(request: HttpRequest | None = None, exc: BaseException | None = None) -> HttpResponse:
    if exc is not None:
        logger.error("database unavailable: %s", str(exc).strip().splitlines()[0] if str(exc) else exc)
    body = {
        "detail": "The database is not answering. Try again in a few seconds.",
        "code": "unavailable",
        "errors": [],
    }
    return JsonResponse(body, status=503, headers={"Retry-After": RETRY_AFTER_SECONDS})


def page_unavailable() -> HttpResponse:
    # Rendered without the request: its context processors would read the session.
    html = loader.get_template("503.html").render({})
    return HttpResponse(html, status=503, headers={"Retry-After": RETRY_AFTER_SECONDS})


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


class DatabaseUnavailableMiddleware:
    """Turns the 500 of a request that failed on an unreachable database into a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, MARK, False):
            return api_unavailable() if wants_json(request) else page_unavailable()
        return response
