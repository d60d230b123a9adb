"""The login throttle (django-axes) as Leadline uses it.

Only a sign-in over HTTP is throttled: ``authenticate()`` without a request
(the shell, a management command, the test client's ``login``) has no client
address to count against, so it is left to the next backend.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest

from core.net import client_ip


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


def login_client_ip(request: HttpRequest) -> str | None:
    """The address failures count against (core.net.client_ip), or None when
    the request carries none (``force_login``, a test client without
    REMOTE_ADDR): axes stores it in an IP column, which refuses "unknown"."""
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username a failure counts against, case-folded: "Admin" and
    "ADMIN" are one bucket, so changing case buys no extra guesses."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username")
    return username.strip().lower() if isinstance(username, str) else None
