from typing import Any

from django.conf import settings
from django.http import HttpRequest


def bell(request: HttpRequest) -> dict[str, Any]:
    """How often the navigation's bell asks for the unread count (no query here)."""
    return {"notify_poll_seconds": settings.LEADLINE_NOTIFY_POLL_SECONDS}
