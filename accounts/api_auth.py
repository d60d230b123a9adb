"""How an API request says who it is: an employee's or an integration's key
(``Authorization: Bearer``), or the pages' session with CSRF."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from accounts.actor import Actor, actor_from_request
from accounts.models import ApiKey, hash_key
from core import generation
from core.prepared import Prepared

# A key's last use is written at most this often, so a busy integration's
# requests are not each paying for an UPDATE.
LAST_USED_RESOLUTION_SECONDS = 300


def bearer_token(request: HttpRequest) -> str | None:
    """The key in ``Authorization: Bearer <key>``, as Ninja's ``HttpBearer`` reads it."""
    value = request.headers.get("Authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token if scheme.lower() == "bearer" else None


def key_actor(request: HttpRequest, token: str) -> Actor | None:
    """Who a key belongs to, or None for an unknown or revoked key or an
    inactive owner. Looked up once per request: the idempotency middleware
    and the API's auth both ask."""
    cached = getattr(request, "_leadline_key_actor", None)
    if cached is not None and cached[0] == token:
        return cached[1]
    found = _key_actor(token)
    request._leadline_key_actor = (token, found)  # type: ignore[attr-defined]
    return found


# The key with its owner, in one statement compiled once per process (core.prepared):
# every API request asks, and compiling this three-table SELECT cost more than
# the rest of an API write's floor (bench/README.md, "the API floor").
# It also reads the configuration generation (core.generation), so the rest of
# the request reads campaigns, rules and the like only when they have changed.
_KEY = Prepared(
    lambda key_hash: (
        ApiKey.objects.select_related("employee", "integration")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .annotate(config_generation=generation.current_subquery())[:1]
    ),
    key_hash=str,
)


def _key_actor(token: str) -> Actor | None:
    key = _KEY.first(key_hash=hash_key(token))
    if key is None:
        return None
    generation.note(key.config_generation)  # type: ignore[attr-defined]
    if key.employee is not None and not key.employee.active:
        return None
    if key.integration is not None and not key.integration.active:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return Actor(employee=key.employee, integration=key.integration)


def idempotency_scope(request: HttpRequest) -> str | None:
    """Whose ``Idempotency-Key`` namespace a request is in: the key's owner (so
    only a valid key of the same owner is given a stored response), or the
    page session's user. None when the request is not authenticated."""
    token = bearer_token(request)
    if token is not None:
        found = key_actor(request, token)
        if found is None:
            return None
        if found.integration is not None:
            return f"integration:{found.integration.pk}"
        assert found.employee is not None
        return f"employee:{found.employee.pk}"
    if request.headers.get("Authorization"):
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class KeyAuth(HttpBearer):
    openapi_description = "An employee's or an integration's API key: `Authorization: Bearer ll_…`."

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return key_actor(request, token)


class SessionActorAuth(SessionAuth):
    """The pages' session (with CSRF), so screens may call the API too.

    Only a request that has a session and sends no ``Authorization`` is judged
    by it: no key, a bad key or a revoked key is a 401, never a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if request.headers.get("Authorization") or not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if request.headers.get("Authorization") or not request.user.is_authenticated:
            return None
        return actor_from_request(request)


def actor(request: HttpRequest) -> Actor:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, Actor), "every API operation is authenticated"
    return auth
