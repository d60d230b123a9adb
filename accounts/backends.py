"""The login throttle (django-axes) as Leadline uses it.

Only a sign-in over HTTP is throttled: ``authenticate()`` without a request
(the shell, a management command, the test client's ``login``) has no client
address to count against, so it is left to the next backend.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username a failure counts against, case-folded: "Admin" and
    "ADMIN" are one bucket, so changing case buys no extra guesses."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username")
    return username.strip().lower() if isinstance(username, str) else None
