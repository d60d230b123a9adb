from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.api_auth import actor
from core.api import responses
from core.pagination import keyset_page
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page
from notifications.models import Notification
from notifications.services import notification_mark_read

router = Router(tags=["Notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: datetime
    read_at: datetime | None


@router.get("/notifications", response=responses({200: Page[NotificationOut]}))
def list_notifications(
    request: HttpRequest, unread: bool | None = None, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT
) -> dict[str, Any]:
    """The signed-in person's own notifications, newest first."""
    employee = actor(request).require_employee()
    qs = Notification.objects.filter(employee=employee)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    items, next_cursor = keyset_page(qs, order=("-created_at", "-id"), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/notifications/{notification_id}/read", response=responses({200: NotificationOut}))
def read_notification(request: HttpRequest, notification_id: int) -> Notification:
    return notification_mark_read(actor=actor(request), notification_id=notification_id)
