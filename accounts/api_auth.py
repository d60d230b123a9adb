"""How an API request says who it is: an employee's or an integration's key
(``Authorization: Bearer``), or the pages' session with CSRF."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from accounts.actor import Actor, actor_from_request
from accounts.models import ApiKey, hash_key

# A key's last use is written at most this often, so a busy integration's
# requests are not each paying for an UPDATE.
LAST_USED_RESOLUTION_SECONDS = 300


class KeyAuth(HttpBearer):
    openapi_description = "An employee's or an integration's API key: `Authorization: Bearer ll_…`."

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        try:
            # get(), not first(): the hash is unique, and first() would add the
            # model's ORDER BY, whose compiling every API request paid for
            # (bench/README.md).
            key = ApiKey.objects.select_related("employee", "integration").get(
                key_hash=hash_key(token), revoked_at__isnull=True
            )
        except ApiKey.DoesNotExist:
            return None
        if key.employee is not None and not key.employee.active:
            return None
        if key.integration is not None and not key.integration.active:
            return None
        now = timezone.now()
        if (
            key.last_used_at is None
            or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        ):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return Actor(employee=key.employee, integration=key.integration)


class SessionActorAuth(SessionAuth):
    """The pages' session (with CSRF), so screens may call the API too."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if request.user.is_authenticated:
            return actor_from_request(request)
        return None


def actor(request: HttpRequest) -> Actor:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, Actor), "every API operation is authenticated"
    return auth
