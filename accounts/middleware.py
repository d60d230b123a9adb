"""Middleware that needs to know who a key belongs to (core cannot)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.api_auth import idempotency_scope
from core.idempotency import IdempotencyMiddleware


class KeyOwnerIdempotencyMiddleware(IdempotencyMiddleware):
    """``Idempotency-Key`` replays only to a valid key of the same owner (or the
    same session user); a revoked or unknown key goes on to the API's 401."""

    def scope(self, request: HttpRequest) -> str | None:
        return idempotency_scope(request)
