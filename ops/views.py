from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.health import database_ok, version, worker_state


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``GET /healthz`` (no auth): 200 while the database answers, with the
    worker's state; 503 ``"status": "unavailable"`` when it does not."""
    if database_ok():
        try:
            worker = worker_state()
        except DatabaseError:
            worker = None
        if worker is not None:
            return JsonResponse({"status": "ok", "database": "ok", "worker": worker, "version": version()})
    body: dict[str, Any] = {
        "status": "unavailable",
        "database": "unavailable",
        "worker": "unknown",
        "version": version(),
        "detail": "The database does not answer.",
        "code": "unavailable",
        "errors": [],
    }
    return JsonResponse(body, status=503, headers={"Retry-After": "5"})
