"""CallRail's pre-call and post-call webhooks, in the JSON CallRail documents
(fields listed in its webhooks help article), signed as CallRail signs them:
``Signature`` = base64(HMAC-SHA1(company signing key, raw body))."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from calls.models import Call
from catalog.tests.factories import TrackingNumberFactory
from leads.models import Lead
from telephony.tests.support import callrail_integration, callrail_post

pytestmark = pytest.mark.django_db

PRE_CALL = {
    "answered": False,
    "business_phone_number": None,
    "call_type": "missed",
    "company_id": 123456789,
    "company_name": "Lone Star Comfort & Plumbing",
    "company_resource_id": "COM8154748ae6bd4e278a7cddd38a662f4f",
    "company_time_zone": "America/Chicago",
    "created_at": "2026-12-01T09:30:00.000-06:00",
    "customer_city": "Austin",
    "customer_country": "US",
    "customer_name": "MARIA LOPEZ",
    "customer_phone_number": "+15125550123",
    "customer_state": "TX",
    "direction": "inbound",
    "duration": 0,
    "first_call": True,
    "formatted_tracking_phone_number": "(512) 555-0100",
    "person_resource_id": "PER8154748ae6bd4e278a7cddd38a662f4f",
    "prior_calls": 0,
    "resource_id": "CAL8154748ae6bd4e278a7cddd38a662f4f",
    "source_name": "Google Ads",
    "start_time": "2026-12-01T09:30:00.000-06:00",
    "total_calls": 1,
    "tracker_resource_id": "TRK8154748ae6bd4e278a7cddd38a662f4f",
    "tracking_phone_number": "+15125550100",
    "voicemail": False,
}
POST_CALL = {
    **PRE_CALL,
    "answered": True,
    "business_phone_number": "+15125550111",
    "call_type": "inbound",
    "duration": 185,
    "recording": "https://app.callrail.com/calls/CAL8154748ae6bd4e278a7cddd38a662f4f/recording",
    "recording_duration": "180",
    "recording_player": "https://app.callrail.com/calls/CAL8154748ae6bd4e278a7cddd38a662f4f/recording?access_key=x",
}


@pytest.fixture
def callrail():
    return callrail_integration()


def test_pre_call_rings_and_post_call_ends_with_callrails_duration(callrail):
    tracking = TrackingNumberFactory(number="+15125550100")
    client = Client()
    assert callrail_post(client, callrail, PRE_CALL, event="pre-call").status_code == 200
    call = Call.objects.get()
    assert (call.from_number, call.campaign, call.ended_at) == ("+15125550123", tracking.campaign, None)
    assert call.classification == "in_progress"
    response = callrail_post(client, callrail, POST_CALL, event="post-call")
    assert response.status_code == 200
    call.refresh_from_db()
    # "answered" was CallRail's routing; nobody clicked the bubble, so the call is abandoned.
    assert call.accepted_at is None and call.classification == "abandoned"
    assert call.duration_seconds == 185
    assert call.recording_url == POST_CALL["recording"]
    assert Lead.objects.get().type == "abandoned_call"


@pytest.mark.parametrize("order", [("pre", "post"), ("post", "pre")])
def test_any_order_and_retries_make_one_call(callrail, order):
    client = Client()
    bodies = {"pre": (PRE_CALL, "pre-call"), "post": (POST_CALL, "post-call")}
    for name in [*order, *order]:
        payload, event = bodies[name]
        assert callrail_post(client, callrail, payload, event=event).status_code == 200
    call = Call.objects.get()
    assert call.duration_seconds == 185 and call.classification == "abandoned"
    assert Lead.objects.count() == 1


def test_without_the_event_in_the_url_a_duration_means_post_call(callrail):
    callrail_post(Client(), callrail, POST_CALL)
    assert Call.objects.get().ended_at is not None


def test_a_bad_signature_or_another_key_is_a_403(callrail):
    client = Client()
    assert callrail_post(client, callrail, PRE_CALL, key="not-the-key").status_code == 403
    body = json.dumps(PRE_CALL).encode()
    unsigned = client.post(f"/api/v1/telephony/callrail/{callrail.pk}", body, content_type="application/json")
    assert unsigned.status_code == 403 and unsigned.json()["code"] == "bad_signature"
    assert not Call.objects.exists()


def test_bad_payloads_are_a_4xx_naming_the_field(callrail):
    client = Client()
    missing = callrail_post(client, callrail, {k: v for k, v in PRE_CALL.items() if k != "resource_id"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "resource_id"
    bad_time = callrail_post(client, callrail, {**PRE_CALL, "start_time": "yesterday"})
    assert bad_time.status_code == 422 and bad_time.json()["errors"][0]["field"] == "start_time"
    negative = callrail_post(client, callrail, {**POST_CALL, "duration": -5}, event="post-call")
    assert negative.status_code == 422
    from telephony.providers import callrail_signature
    from telephony.tests.support import CALLRAIL_KEY

    raw = b"not json"
    malformed = client.post(
        f"/api/v1/telephony/callrail/{callrail.pk}",
        raw,
        content_type="application/json",
        headers={"Signature": callrail_signature(CALLRAIL_KEY, raw)},
    )
    assert malformed.status_code == 400
    assert callrail_post(client, callrail, PRE_CALL, event="mid-call").status_code == 422
