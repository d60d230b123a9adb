"""Webhook delivery through the real task worker against a real local receiver."""

import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.actor import Actor
from accounts.models import Role
from bookings.models import WebhookDelivery
from bookings.services import booking_dismiss, webhook_notify
from bookings.tests.factories import BookingFactory
from catalog.tests.factories import DismissReasonFactory
from conftest import make_employee, run_worker

SECRET = "whsec-test-secret"


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that answers with the given statuses in turn."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"boom" if status >= 400 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def run_worker_until(done, seconds=15.0):
    """Run the database worker in batch passes until ``done()`` or the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run_worker()
        if done():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not finish in time")


@pytest.fixture
def csr():
    return Actor(employee=make_employee(Role.CSR))


@pytest.mark.django_db(transaction=True)
def test_it_delivers_a_signed_webhook_after_a_failed_attempt(csr, settings):
    settings.LEADLINE_WEBHOOK_RETRY_DELAYS = (1, 1)
    with Receiver([500, 200]) as receiver:
        booking = BookingFactory(integration__webhook_url=receiver.url, integration__webhook_secret=SECRET)
        booking_dismiss(actor=csr, booking=booking, reason=DismissReasonFactory(name="Spam"), note="bot")
        run_worker_until(lambda: WebhookDelivery.objects.filter(status="delivered").exists())

    first, second = WebhookDelivery.objects.order_by("attempt")
    assert (first.attempt, first.status, first.status_code) == (1, "failed", 500)
    assert "boom" in first.error and first.next_retry_at is not None and first.delivered_at is None
    assert (second.attempt, second.status, second.status_code) == (2, "delivered", 200)
    assert second.delivered_at is not None and second.event_id == first.event_id
    # The retry waited out the backoff.
    assert receiver.requests[1]["at"] - receiver.requests[0]["at"] >= 1.0

    assert len(receiver.requests) == 2
    for req in receiver.requests:
        headers, body = req["headers"], req["body"]
        expected = hmac.new(
            SECRET.encode(), headers["X-Leadline-Timestamp"].encode() + b"." + body, hashlib.sha256
        )
        assert headers["X-Leadline-Signature"] == "sha256=" + expected.hexdigest()
        assert headers["X-Leadline-Event"] == "booking.dismissed"
        assert headers["X-Leadline-Delivery"] == str(first.event_id)
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    data = json.loads(receiver.requests[1]["body"])
    assert data["event"] == "booking.dismissed"
    assert data["data"]["booking"] == {
        **data["data"]["booking"],
        "id": booking.pk,
        "external_id": booking.external_id,
        "status": "dismissed",
        "dismiss_reason": "Spam",
    }


@pytest.mark.django_db(transaction=True)
def test_it_gives_up_after_the_last_retry(settings):
    settings.LEADLINE_WEBHOOK_RETRY_DELAYS = (0, 0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    booking = BookingFactory(
        integration__webhook_url=f"http://127.0.0.1:{closed_port}/hook", integration__webhook_secret=SECRET
    )
    webhook_notify(integration=booking.integration, event="booking.accepted", payload={"booking": {"id": 1}})
    run_worker_until(lambda: WebhookDelivery.objects.filter(attempt=3).exclude(status="pending").exists())
    attempts = list(WebhookDelivery.objects.order_by("attempt"))
    assert [d.attempt for d in attempts] == [1, 2, 3]
    assert all(d.status == "failed" and d.status_code is None for d in attempts)
    assert "refused" in attempts[0].error.lower()
    assert attempts[-1].next_retry_at is None
    assert attempts[0].next_retry_at is not None


def test_it_shows_attempts_read_only_in_settings(admin_client, db):
    booking = BookingFactory(integration__webhook_url="https://x.example/hook")
    delivery = webhook_notify(integration=booking.integration, event="booking.accepted", payload={})
    r = admin_client.get("/settings/bookings/webhookdelivery/")
    assert r.status_code == 200 and b"booking.accepted" in r.content
    r = admin_client.get(f"/settings/bookings/webhookdelivery/{delivery.pk}/change/")
    assert r.status_code == 200 and b"Save" not in r.content
    assert admin_client.get("/settings/bookings/webhookdelivery/add/").status_code == 403


def test_the_admin_role_sees_deliveries_and_campaign_rules_in_settings_without_being_superuser(db):
    from django.test import Client

    from accounts.models import Role
    from bookings.models import CampaignRule
    from conftest import make_employee

    booking = BookingFactory(integration__webhook_url="https://x.example/hook")
    webhook_notify(integration=booking.integration, event="booking.accepted", payload={})
    CampaignRule.objects.create(
        integration=booking.integration, utm_source="google", campaign=booking.campaign
    )
    admin, manager = Client(), Client()
    admin.force_login(make_employee(Role.ADMIN).user)
    manager.force_login(make_employee(Role.MANAGER).user)
    r = admin.get("/settings/bookings/webhookdelivery/")
    assert r.status_code == 200 and b"booking.accepted" in r.content
    assert admin.get("/settings/bookings/webhookdelivery/add/").status_code == 403  # still read-only
    r = admin.get("/settings/bookings/campaignrule/")
    assert r.status_code == 200 and b"google" in r.content
    assert admin.get("/settings/bookings/campaignrule/add/").status_code == 200
    r = admin.get("/settings/group/integrations/")
    assert b"Webhook deliveries" in r.content and b"Campaign rules" in r.content
    assert manager.get("/settings/bookings/webhookdelivery/").status_code in (302, 403)
