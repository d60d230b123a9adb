from typing import Any

from django.http import HttpRequest

from accounts.actor import actor_from_request
from accounts.roles import Perm


def employee(request: HttpRequest) -> dict[str, Any]:
    """The signed-in actor and what it may do, so templates show only what works."""
    a = actor_from_request(request)
    return {"actor": a, "can": {p.value: a.can(p) for p in Perm}}
