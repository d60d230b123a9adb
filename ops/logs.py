"""Logs a person can follow: one line per request and per background task,
each with a request id, as text or as JSON lines (``LEADLINE_LOG_FORMAT``).

- :class:`RequestLogMiddleware` (outermost) takes ``X-Request-ID`` from the
  client or a proxy when it is sane (1-128 of ``A-Z a-z 0-9 . _ -``), else
  makes one (32 hex digits), echoes it on the response and logs
  ``GET /path 200 12.3ms`` on ``leadline.request`` (the path without its
  query string, which may hold a phone number or an email).
- The worker (``ops.worker``) runs each task under the task's id in the same
  scheme (its UUID's 32 hex digits); the request that queued it logs
  ``task queued <name> <id>`` under its own id, so one grep finds both.
- :class:`QuietFilter` keeps each thing said once: runserver's own access
  line and Django's status lines (``Not Found: /x``) repeat the request line,
  a 4xx never carries a traceback, and a failed database is one line per
  request, not a traceback each (the request answers 503).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

request_id_var: ContextVar[str] = ContextVar("leadline_request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
access_logger = logging.getLogger("leadline.request")

# Fields a record may carry (``extra=``) that the JSON line includes.
EXTRA_FIELDS = ("method", "path", "status", "ms", "ip", "task", "task_id")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "").strip()
    return given if _VALID_ID.match(given) else new_request_id()


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def install_record_factory() -> None:
    """Every record carries the request id it was made under (so any
    handler, a test's caplog too, can tell whose line it is)."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def _is_unavailable(exc_info: Any) -> bool:
    if not exc_info or not isinstance(exc_info, tuple):
        return False
    from ops.outage import is_unavailable  # django.db, loaded once settings are

    return is_unavailable(exc_info[1])


class QuietFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name == "django.server" and status is not None:
            return False  # runserver's access line: ours says it, with the request id
        if record.name == "django.request" and not record.exc_info:
            return False  # "Not Found: /x", "Service Unavailable: /x" repeat the request line
        if record.name.startswith("django.security") and record.exc_info:
            record.exc_info = None  # a refused request (400) is one line, never a traceback
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if record.name == "django.request" and _is_unavailable(record.exc_info):
            exc = record.exc_info[1] if record.exc_info else None
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            record.msg, record.args = "database unavailable: %s", (first_line,)
            record.exc_info, record.exc_text = None, None
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        install_record_factory()
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, request_id, message, the
    request's or task's fields, and ``exc`` with the traceback when there is one."""

    def __init__(self) -> None:
        install_record_factory()
        super().__init__()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str)


class RequestLogMiddleware:
    """Outermost: every request gets an id and one line, whatever answered it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        token = request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            ms = (time.monotonic() - started) * 1000
            path = request.path[:500]  # never the query string: it may hold a phone or an email
            access_logger.log(
                logging.ERROR if response.status_code >= 500 else logging.INFO,
                "%s %s %s %.1fms",
                request.method,
                path,
                response.status_code,
                ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "ms": round(ms, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
