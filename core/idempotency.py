"""``Idempotency-Key`` for every creating POST under ``/api/``.

The same key with the same body replays the first response (with
``Idempotent-Replayed: true``); with another body it is a 409. The view and
the record of its response commit in one transaction, so two concurrent
retries cannot both create: the loser's insert hits the unique constraint,
its work is rolled back and it replays the winner's response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from core.models import IdempotencyRecord
from core.prepared import Prepared, insert

MAX_KEY_LENGTH = 255


def _error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "code": code, "errors": [{"field": "Idempotency-Key", "message": detail}]},
        status=status,
    )


def _scope(request: HttpRequest) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth:
        return "key:" + hashlib.sha256(auth.encode()).hexdigest()[:60]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


# Every request with an Idempotency-Key looks here first: compiled once (core.prepared).
_RECORD = Prepared(
    lambda scope, key: IdempotencyRecord.objects.filter(scope=scope, key=key).order_by()[:1],
    scope=str,
    key=str,
)


def _recorded(scope: str, key: str) -> IdempotencyRecord | None:
    return _RECORD.first(scope=scope, key=key)


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.body_hash != fingerprint:
        return _error(
            409,
            "This Idempotency-Key was already used with a different request body.",
            "idempotency_key_reused",
        )
    response = HttpResponse(
        bytes(record.response_body), status=record.status, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    """Replays by the request's scope (``scope``): here the Authorization
    header or the session's user. ``accounts.middleware`` scopes by the key's
    owner and gives nothing to a revoked or unknown key."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def scope(self, request: HttpRequest) -> str | None:
        return _scope(request)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return _error(400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.", "bad_request")
        scope = self.scope(request)
        if scope is None:
            # Unauthenticated: the API answers 401 and there is nothing to remember.
            return self.get_response(request)

        fingerprint = hashlib.sha256(request.path.encode() + b"\n" + request.body).hexdigest()
        existing = _recorded(scope, key)
        if existing is not None:
            return _replay(existing, fingerprint)

        try:
            with transaction.atomic():
                response = self.get_response(request)
                if 200 <= response.status_code < 300:
                    record = IdempotencyRecord(
                        scope=scope,
                        key=key,
                        method=request.method,
                        path=request.path[:255],
                        body_hash=fingerprint,
                        status=response.status_code,
                        response_body=response.content,
                        content_type=response.get("Content-Type", "application/json"),
                    )
                    insert(record)
        except IntegrityError:
            winner = _recorded(scope, key)
            if winner is None:
                raise
            return _replay(winner, fingerprint)
        return response
