"""Signed provider webhooks for tests: Twilio's documented parameters, signed
with a test auth token the way Twilio signs them (its own RequestValidator)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from twilio.request_validator import RequestValidator

from accounts.models import Integration, Provider
from accounts.tests.factories import IntegrationFactory
from telephony.providers import callrail_signature

TOKEN = "12345678901234567890123456789012"
ACCOUNT = "AC" + "a" * 32
CALLRAIL_KEY = "callrail-test-signing-key"
BASE = "http://testserver"


def twilio_integration(**kwargs: Any) -> Integration:
    integration = IntegrationFactory(provider=Provider.TWILIO, **kwargs)
    integration.set_secret("twilio_account_sid", ACCOUNT)
    integration.set_secret("twilio_auth_token", TOKEN)
    integration.save()
    return integration


def callrail_integration(**kwargs: Any) -> Integration:
    integration = IntegrationFactory(provider=Provider.CALLRAIL, **kwargs)
    integration.set_secret("callrail_signing_key", CALLRAIL_KEY)
    integration.save()
    return integration


def twilio_post(
    client: Client,
    integration: Integration,
    hook: str,
    params: dict[str, str],
    *,
    token: str = TOKEN,
    base: str = BASE,
):
    path = f"/api/v1/telephony/twilio/{integration.pk}/{hook}"
    signature = RequestValidator(token).compute_signature(base + path, params)
    return client.post(path, params, headers={"X-Twilio-Signature": signature})


def voice_params(sid: str, *, frm: str = "+15125550123", to: str = "+15125550100") -> dict[str, str]:
    # Twilio's "a call comes in" request, as its webhook reference lists the parameters.
    return {
        "CallSid": sid,
        "AccountSid": ACCOUNT,
        "From": frm,
        "To": to,
        "CallStatus": "ringing",
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
        "FromCity": "AUSTIN",
        "FromState": "TX",
        "FromZip": "78701",
        "FromCountry": "US",
        "ToCity": "AUSTIN",
        "ToState": "TX",
        "ToCountry": "US",
        "CallerName": "",
    }


def status_params(sid: str, *, status: str = "completed", duration: int = 95, **extra: str) -> dict[str, str]:
    return {
        **voice_params(sid),
        "CallStatus": status,
        "CallDuration": str(duration),
        "Duration": str((duration + 59) // 60),
        "Timestamp": "Tue, 01 Dec 2026 15:00:00 +0000",
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "0",
        **extra,
    }


def recording_params(
    sid: str, url: str = "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1"
) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT,
        "CallSid": sid,
        "RecordingSid": "RE" + "1" * 32,
        "RecordingUrl": url,
        "RecordingStatus": "completed",
        "RecordingDuration": "80",
        "RecordingChannels": "1",
        "RecordingStartTime": "Tue, 01 Dec 2026 14:58:40 +0000",
        "RecordingSource": "DialVerb",
    }


def callrail_post(
    client: Client,
    integration: Integration,
    payload: dict[str, Any],
    *,
    event: str = "",
    key: str = CALLRAIL_KEY,
):
    body = json.dumps(payload).encode()
    path = f"/api/v1/telephony/callrail/{integration.pk}" + (f"?event={event}" if event else "")
    return client.post(
        path, body, content_type="application/json", headers={"Signature": callrail_signature(key, body)}
    )
