from typing import Any

from django.http import HttpRequest

from accounts.actor import actor_from_request
from accounts.roles import Perm
from messaging.services import unread_texts_count


def texts(request: HttpRequest) -> dict[str, Any]:
    """The navigation's count of unread incoming texts (one COUNT on an indexed partial set)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    if not actor_from_request(request).can(Perm.WORK_LEADS):
        return {}
    return {"unread_texts": unread_texts_count()}
