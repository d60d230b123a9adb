"""Webhook delivery, run by the background worker (`python manage.py db_worker`).

Retries are ours, not the task framework's (it has none): each attempt is a
``WebhookDelivery`` row and a failed one schedules the next row with a delay
from ``LEADLINE_WEBHOOK_RETRY_DELAYS`` (seconds). The default schedule waits
1 min, 5 min, 30 min, 2 h and 6 h: six attempts over about 8.6 hours, then the
last row stays ``failed`` with no next retry.

Each POST carries:
- ``X-Leadline-Event``: the event name, e.g. ``booking.accepted``;
- ``X-Leadline-Delivery``: the event id, the same on every retry (de-duplicate on it);
- ``X-Leadline-Timestamp``: Unix seconds when this attempt was signed;
- ``X-Leadline-Signature``: ``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``
  keyed with the integration's webhook secret. Signing the timestamp with the
  body lets a receiver refuse a replayed request older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from accounts.models import Integration
from bookings.models import WebhookDelivery

DEFAULT_RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
TIMEOUT_SECONDS = 10
USER_AGENT = "Leadline-Webhooks/1"


def retry_delays() -> tuple[int, ...]:
    return tuple(getattr(settings, "LEADLINE_WEBHOOK_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The same bytes on every attempt, so a receiver may hash or de-duplicate them."""
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "integration": delivery.integration.slug,
        "data": delivery.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET elsewhere; a receiver must answer at its URL.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST and return (status code, error text); the error is empty on a 2xx."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode(errors="replace")
        return exc.code, f"HTTP {exc.code}: {detail}".strip()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"


def webhook_notify(
    *, integration: Integration, event: str, payload: dict[str, Any]
) -> WebhookDelivery | None:
    """Queue a signed POST of ``payload`` to the integration's webhook URL.

    The first attempt's row and its task are written in the caller's
    transaction: if the change rolls back, nobody is told about it. Returns
    ``None`` when the integration has no webhook URL. Bookings send
    ``booking.*`` events, leads that came from an integration ``lead.converted``
    / ``lead.dismissed`` (``leads.services``).
    """
    if not integration.webhook_url:
        return None
    delivery = WebhookDelivery.objects.create(
        integration=integration, event=event, payload=payload, url=integration.webhook_url
    )
    webhook_schedule(delivery, run_after=None)
    return delivery


def webhook_schedule(delivery: WebhookDelivery, *, run_after: datetime | None) -> None:
    task_def = webhook_deliver.using(run_after=run_after) if run_after else webhook_deliver
    task_def.enqueue(delivery.pk)


@task()
def webhook_deliver(delivery_id: int) -> str:
    """Make one attempt; on failure record it and schedule the next."""
    delivery = WebhookDelivery.objects.select_related("integration").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        # Already attempted (a worker re-ran the task): never post twice for one row.
        return "skipped"
    body = webhook_body(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Leadline-Event": delivery.event,
        "X-Leadline-Delivery": str(delivery.event_id),
        "X-Leadline-Timestamp": timestamp,
        "X-Leadline-Signature": webhook_signature(delivery.integration.webhook_secret, timestamp, body),
    }
    status_code, error = _post(delivery.url, body, headers)
    now = timezone.now()
    delivery.attempted_at = now
    delivery.status_code = status_code
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.save(update_fields=["attempted_at", "status_code", "status", "delivered_at"])
        return "delivered"

    delivery.status = WebhookDelivery.Status.FAILED
    delivery.error = error or f"HTTP {status_code}"
    delays = retry_delays()
    with transaction.atomic():
        if delivery.attempt <= len(delays):
            delivery.next_retry_at = now + timedelta(seconds=delays[delivery.attempt - 1])
            retry = WebhookDelivery.objects.create(
                integration=delivery.integration,
                event=delivery.event,
                event_id=delivery.event_id,
                payload=delivery.payload,
                # An admin who fixes a broken URL expects the retries to follow it.
                url=delivery.integration.webhook_url or delivery.url,
                attempt=delivery.attempt + 1,
            )
            webhook_schedule(retry, run_after=delivery.next_retry_at)
        delivery.save(update_fields=["attempted_at", "status_code", "status", "error", "next_retry_at"])
    return "failed"
