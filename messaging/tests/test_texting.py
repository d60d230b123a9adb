from __future__ import annotations

import pytest
from django.test import Client, override_settings

from catalog.tests.factories import TrackingNumberFactory
from leads.models import Lead, LeadActivity
from leads.tests.factories import LeadFactory
from messaging import backends
from messaging.models import ConsentEvent, Message, OptOut
from messaging.tests.fake_twilio import fake_twilio
from notifications.models import Notification
from telephony.tests.support import ACCOUNT, TOKEN, twilio_integration, twilio_post

pytestmark = pytest.mark.django_db


def sms_params(sid: str, body: str, *, frm: str = "+15125550123", to: str = "+15125550100") -> dict[str, str]:
    # Twilio's incoming-message webhook parameters, as documented.
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": ACCOUNT,
        "MessagingServiceSid": "",
        "From": frm,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "FromCity": "AUSTIN",
        "FromState": "TX",
        "FromCountry": "US",
    }


@pytest.fixture
def twilio():
    return twilio_integration(default_number="+15125550199")


@pytest.fixture
def tracking():
    return TrackingNumberFactory(number="+15125550100")


def test_a_csr_texts_a_lead_from_the_number_it_reached_the_company_on(api_as, tracking, twilio):
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123", name="Maria Lopez")
    api = api_as("csr")
    response = api.post(f"/leads/{lead.pk}/messages", {"body": "Hi Maria, this is Lone Star."})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["direction"] == "outbound" and body["status"] == "sent"
    assert (body["from_number"], body["to_number"]) == ("+15125550100", "+15125550123")
    assert body["lead_id"] == lead.pk and body["sent_at"]
    assert [(o.from_number, o.to_number, o.body) for o in backends.outbox] == [
        ("+15125550100", "+15125550123", "Hi Maria, this is Lone Star.")
    ]
    lead.refresh_from_db()
    assert lead.first_response_at is not None
    assert LeadActivity.objects.filter(lead=lead, text__startswith="Text to").exists()
    listed = api.get(f"/leads/{lead.pk}/messages").json()["items"]
    assert [m["id"] for m in listed] == [body["id"]]


def test_without_a_tracking_number_it_sends_from_the_integrations_default_number(api_as, twilio):
    lead = LeadFactory(type="marketing", phone="+15125550123")
    lead.campaign.tracking_numbers.all().delete()
    response = api_as("csr").post(f"/leads/{lead.pk}/messages", {"body": "Hello"})
    assert response.status_code == 201
    assert response.json()["from_number"] == "+15125550199"


def test_texting_an_opted_out_number_is_a_409_and_nothing_leaves(api_as, tracking):
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123")
    OptOut.objects.create(phone="+15125550123", keyword="STOP", opted_out_at=lead.created_at)
    response = api_as("csr").post(f"/leads/{lead.pk}/messages", {"body": "Hello"})
    assert response.status_code == 409 and response.json()["code"] == "opted_out"
    assert backends.outbox == [] and not Message.objects.exists()


def test_a_lead_without_a_phone_is_a_422_and_bad_bodies_name_the_field(api_as, tracking):
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="", email="a@example.com")
    api = api_as("csr")
    no_phone = api.post(f"/leads/{lead.pk}/messages", {"body": "Hello"})
    assert no_phone.status_code == 422 and no_phone.json()["errors"][0]["field"] == "phone"
    empty = api.post(f"/leads/{lead.pk}/messages", {"body": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"
    assert api.post("/leads/999999/messages", {"body": "x"}).status_code == 404


def test_technicians_and_integrations_may_not_text_or_read_texts(api_as, integration_api, tracking):
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123")
    for api in (api_as("technician"), integration_api):
        assert api.post(f"/leads/{lead.pk}/messages", {"body": "x"}).status_code == 403
        assert api.get(f"/leads/{lead.pk}/messages").status_code == 403
        assert api.get("/messages").status_code == 403
        assert api.get("/opt-outs").status_code == 403


def test_an_incoming_text_joins_the_open_lead_once_and_tells_its_assignee(twilio, tracking):
    from accounts.tests.factories import EmployeeFactory

    csr = EmployeeFactory(role="csr")
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123", assignee=csr)
    client = Client()
    params = sms_params("SM" + "1" * 32, "Can you come Tuesday?")
    for _ in range(3):  # Twilio retries
        response = twilio_post(client, twilio, "sms", params)
        assert response.status_code == 200 and b"<Response" in response.content
    message = Message.objects.get()
    assert (message.lead, message.direction, message.body) == (lead, "inbound", "Can you come Tuesday?")
    assert Lead.objects.count() == 1
    assert LeadActivity.objects.filter(lead=lead, text__contains="Can you come Tuesday?").count() == 1
    note = Notification.objects.get()
    assert (note.employee, note.kind) == (csr, "text_received")


def test_a_text_from_an_unknown_number_captures_a_marketing_lead_with_the_texted_campaign(twilio, tracking):
    twilio_post(Client(), twilio, "sms", sms_params("SM" + "2" * 32, "Need AC repair", frm="+15125550177"))
    lead = Lead.objects.get()
    assert (lead.type, lead.phone, lead.campaign) == ("marketing", "+15125550177", tracking.campaign)
    assert Message.objects.get().lead == lead


def test_stop_opts_out_start_opts_back_in_in_one_ledger(api_as, twilio, tracking):
    client = Client()
    twilio_post(client, twilio, "sms", sms_params("SM" + "3" * 32, " stop "))
    assert OptOut.objects.filter(phone="+15125550123").exists()
    assert not Lead.objects.exists()  # opting out is not a lead
    api = api_as("csr")
    assert [o["phone"] for o in api.get("/opt-outs").json()["items"]] == ["+15125550123"]
    twilio_post(client, twilio, "sms", sms_params("SM" + "4" * 32, "START"))
    assert not OptOut.objects.exists()
    assert list(ConsentEvent.objects.order_by("id").values_list("action", "keyword")) == [
        ("opt_out", "STOP"),
        ("opt_in", "START"),
    ]
    assert api.get("/opt-outs").json()["items"] == []


@pytest.mark.parametrize("word", ["STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"])
def test_every_stop_family_word_opts_out(twilio, word):
    twilio_post(Client(), twilio, "sms", sms_params("SM" + "5" * 32, word.lower()))
    assert OptOut.objects.filter(phone="+15125550123", keyword=word).exists()


def test_delivery_status_callbacks_move_a_message_forward_only(api_as, twilio, tracking):
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123")
    message_id = api_as("csr").post(f"/leads/{lead.pk}/messages", {"body": "Hi"}).json()["id"]
    message = Message.objects.get(pk=message_id)
    client = Client()
    status = {
        "MessageSid": message.provider_message_id,
        "AccountSid": ACCOUNT,
        "From": "+15125550100",
        "To": "+15125550123",
        "ApiVersion": "2010-04-01",
    }
    twilio_post(client, twilio, "status", {**status, "MessageStatus": "delivered", "SmsStatus": "delivered"})
    twilio_post(client, twilio, "status", {**status, "MessageStatus": "sent", "SmsStatus": "sent"})
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    bad = twilio_post(client, twilio, "status", {**status, "MessageStatus": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "MessageStatus"


def test_the_twilio_backend_sends_through_the_real_client_to_a_local_fake(api_as, twilio, tracking):
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123")
    with (
        fake_twilio() as fake,
        override_settings(
            LEADLINE_SMS_BACKEND="twilio",
            LEADLINE_TWILIO_API_BASE=fake.base,
            LEADLINE_PUBLIC_BASE_URL="https://leads.example.com",
        ),
    ):
        response = api_as("csr").post(f"/leads/{lead.pk}/messages", {"body": "Hi from Twilio"})
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "queued"
        sent = fake.requests[0]
        assert sent["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
        assert sent["auth"] == (ACCOUNT, TOKEN)
        assert sent["form"]["From"] == "+15125550100" and sent["form"]["To"] == "+15125550123"
        assert sent["form"]["StatusCallback"] == (
            f"https://leads.example.com/api/v1/telephony/twilio/{twilio.pk}/status"
        )
        assert Message.objects.get().provider_message_id == "SM" + "1".rjust(32, "0")
        fake.fail_with = {
            "code": 21610,
            "message": "Attempt to send to unsubscribed recipient",
            "status": 400,
        }
        failed = api_as("csr").post(f"/leads/{lead.pk}/messages", {"body": "again"})
        assert failed.status_code == 201
        assert failed.json()["status"] == "failed" and "21610" in failed.json()["error"]


def test_the_inbox_lists_unread_incoming_texts(api_as, twilio, tracking):
    twilio_post(Client(), twilio, "sms", sms_params("SM" + "6" * 32, "Hello?"))
    api = api_as("csr")
    unread = api.get("/messages", {"unread": "true"}).json()["items"]
    assert [m["body"] for m in unread] == ["Hello?"]
    assert api.get("/messages", {"phone": "(512) 555-0123"}).json()["items"][0]["body"] == "Hello?"
    assert api.get("/messages", {"phone": "12"}).status_code == 422


def test_a_retried_send_with_the_same_idempotency_key_texts_once(api_as, tracking):
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123")
    api = api_as("csr")
    first = api.post(f"/leads/{lead.pk}/messages", {"body": "Hi"}, headers={"Idempotency-Key": "t-1"})
    again = api.post(f"/leads/{lead.pk}/messages", {"body": "Hi"}, headers={"Idempotency-Key": "t-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert len(backends.outbox) == 1 and Message.objects.count() == 1
