from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from django.test import Client, override_settings

from accounts.models import Employee, Role
from calls.models import Call
from catalog.tests.factories import TrackingNumberFactory
from conftest import make_employee
from leads.models import Lead
from telephony.tests.support import (
    TOKEN,
    recording_params,
    status_params,
    twilio_integration,
    twilio_post,
    voice_params,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def twilio():
    return twilio_integration(forward_numbers=["+15125550111", "+15125550112"])


def test_it_records_a_ringing_call_and_answers_twiml_that_dials_and_records(twilio):
    tracking = TrackingNumberFactory(number="+15125550100")
    response = twilio_post(Client(), twilio, "voice", voice_params("CA" + "1" * 32))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    dial = root.find("Dial")
    assert dial is not None
    assert [n.text for n in dial.findall("Number")] == ["+15125550111", "+15125550112"]
    assert dial.get("record") == "record-from-answer"
    status_url = f"http://testserver/api/v1/telephony/twilio/{twilio.pk}/status"
    assert dial.get("action") == status_url
    assert dial.get("recordingStatusCallback") == status_url
    call = Call.objects.get()
    assert call.provider == twilio
    assert (call.from_number, call.to_number, call.campaign) == (
        "+15125550123",
        "+15125550100",
        tracking.campaign,
    )
    assert call.rang_at is not None and call.ended_at is None
    assert call.classification == "in_progress"


def test_it_refuses_a_bad_or_missing_signature_with_403_and_records_nothing(twilio):
    client = Client()
    assert twilio_post(client, twilio, "voice", voice_params("CA1"), token="x" * 32).status_code == 403
    path = f"/api/v1/telephony/twilio/{twilio.pk}/voice"
    missing = client.post(path, voice_params("CA1"))
    assert missing.status_code == 403
    assert missing.json()["code"] == "bad_signature"
    # Signed for other parameters than those sent.
    from twilio.request_validator import RequestValidator

    sig = RequestValidator(TOKEN).compute_signature("http://testserver" + path, voice_params("CA2"))
    assert client.post(path, voice_params("CA1"), headers={"X-Twilio-Signature": sig}).status_code == 403
    assert not Call.objects.exists()


def test_it_refuses_an_integration_of_another_provider(twilio):
    twilio.provider = "generic"
    twilio.save()
    assert twilio_post(Client(), twilio, "voice", voice_params("CA1")).status_code == 403


def test_it_checks_the_signature_against_the_public_url_behind_a_proxy(twilio):
    params = voice_params("CA" + "2" * 32)
    with override_settings(LEADLINE_PUBLIC_BASE_URL="https://leads.example.com"):
        # Twilio signed the public URL; the proxy forwarded to http://testserver.
        signed_public = twilio_post(Client(), twilio, "voice", params, base="https://leads.example.com")
        assert signed_public.status_code == 200
        signed_internal = twilio_post(
            Client(), twilio, "voice", voice_params("CA3"), base="http://testserver"
        )
        assert signed_internal.status_code == 403


def test_a_status_callback_ends_the_call_with_twilios_duration(twilio):
    sid = "CA" + "3" * 32
    client = Client()
    twilio_post(client, twilio, "voice", voice_params(sid))
    response = twilio_post(client, twilio, "status", status_params(sid, duration=95))
    assert response.status_code == 200 and b"<Response" in response.content
    call = Call.objects.get()
    assert call.duration_seconds == 95
    assert call.classification == "abandoned"
    lead = Lead.objects.get()
    assert lead.type == "abandoned_call" and lead.phone == "+15125550123"


@pytest.mark.parametrize("status", ["busy", "no-answer", "canceled", "failed"])
def test_every_final_status_ends_the_call(twilio, status):
    sid = "CA" + "4" * 32
    twilio_post(Client(), twilio, "voice", voice_params(sid))
    twilio_post(Client(), twilio, "status", status_params(sid, status=status, duration=20))
    call = Call.objects.get()
    assert call.ended_at is not None and call.classification == "abandoned"


def test_progress_and_dial_action_callbacks_do_not_end_the_call(twilio):
    sid = "CA" + "5" * 32
    client = Client()
    twilio_post(client, twilio, "voice", voice_params(sid))
    twilio_post(client, twilio, "status", status_params(sid, status="in-progress"))
    twilio_post(
        client, twilio, "status", status_params(sid, status="in-progress", DialCallStatus="no-answer")
    )
    # A forwarded leg's own status callback names its parent.
    twilio_post(client, twilio, "status", status_params("CA" + "6" * 32, ParentCallSid=sid))
    call = Call.objects.get()
    assert call.ended_at is None and call.classification == "in_progress"


ORDERS = list(itertools.permutations(["voice", "status", "recording"]))


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_all_six_orders_and_retries_make_one_call_one_classification_and_one_lead(twilio, order):
    TrackingNumberFactory(number="+15125550100")
    sid = "CA" + "7" * 32
    client = Client()
    requests = {
        "voice": ("voice", voice_params(sid)),
        "status": ("status", status_params(sid, duration=95)),
        "recording": ("status", recording_params(sid)),
    }
    for name in [*order, *order]:  # each one retried after all three
        hook, params = requests[name]
        assert twilio_post(client, twilio, hook, params).status_code == 200
    call = Call.objects.get()
    assert call.from_number == "+15125550123" and call.to_number == "+15125550100"
    assert call.campaign is not None
    assert call.duration_seconds == 95
    assert call.classification == "abandoned"
    assert call.recording_url.endswith("/Recordings/RE1")
    assert Lead.objects.count() == 1
    assert call.lead == Lead.objects.get()


def test_bad_parameters_are_a_4xx_naming_the_field(twilio):
    client = Client()
    missing = twilio_post(
        client, twilio, "voice", {k: v for k, v in voice_params("x").items() if k != "CallSid"}
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "CallSid"
    bad = twilio_post(client, twilio, "status", status_params("CA9", CallDuration="soon"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "CallDuration"
    unknown = twilio_post(client, twilio, "voice", voice_params("CA9"))
    assert unknown.status_code == 200
    assert Client().post("/api/v1/telephony/twilio/999999/voice", {}).status_code == 404


def test_it_does_not_ring_the_phone_of_a_csr_who_is_away(twilio):
    make_employee(Role.CSR, phone="+15125550111", available=False)
    make_employee(Role.CSR, phone="+15125550112")
    client = Client()
    root = ET.fromstring(twilio_post(client, twilio, "voice", voice_params("CA" + "2" * 32)).content)
    assert [n.text for n in root.find("Dial").findall("Number")] == ["+15125550112"]
    # Both Away: nobody's phone rings, the caller holds (the call ends abandoned unless a bubble is taken).
    Employee.objects.filter(phone="+15125550112").update(available=False)
    root = ET.fromstring(twilio_post(client, twilio, "voice", voice_params("CA" + "3" * 32)).content)
    assert root.find("Dial") is None and root.find("Pause") is not None
