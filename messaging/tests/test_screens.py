from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from calls.tests.factories import ring
from catalog.tests.factories import TrackingNumberFactory
from conftest import make_employee
from leads.tests.factories import LeadFactory
from messaging import backends
from messaging.models import Message, MessageTemplate, OptOut
from messaging.tests.test_texting import sms_params
from telephony.tests.support import twilio_integration, twilio_post

pytestmark = pytest.mark.django_db


def client_for(role: str = Role.CSR) -> Client:
    client = Client()
    client.force_login(make_employee(role).user)
    return client


@pytest.fixture
def lead():
    tracking = TrackingNumberFactory(number="+15125550100")
    return LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123", name="Maria Lopez")


def test_the_lead_page_loads_its_conversation_and_a_csr_sends_a_template(lead, settings):
    settings.LEADLINE_COMPANY_NAME = "Lone Star Comfort"
    template = MessageTemplate.objects.create(
        name="On our way", body="Hi {first_name}, {company} is on the way."
    )
    csr = client_for()
    page = csr.get(f"/leads/{lead.pk}/").content.decode()
    assert f'hx-get="/messages/lead/{lead.pk}/"' in page
    panel = csr.get(f"/messages/lead/{lead.pk}/").content.decode()
    assert 'data-text="Hi Maria, Lone Star Comfort is on the way."' in panel
    assert 'href="tel:+15125550123"' in panel and '<label for="text-body">' in panel
    sent = csr.post(f"/messages/lead/{lead.pk}/", {"body": "", "template": str(template.pk)})
    assert sent.status_code == 200
    assert [o.body for o in backends.outbox] == ["Hi Maria, Lone Star Comfort is on the way."]
    assert "Hi Maria, Lone Star Comfort is on the way." in sent.content.decode()


def test_an_opted_out_lead_shows_why_and_offers_no_send_box(lead):
    OptOut.objects.create(phone=lead.phone, keyword="STOP", opted_out_at=timezone.now())
    panel = client_for().get(f"/messages/lead/{lead.pk}/").content.decode()
    assert "Opted out" in panel and 'name="body"' not in panel


def test_a_refused_send_says_why_in_the_panel(lead):
    csr = client_for()
    csr.get(f"/messages/lead/{lead.pk}/")
    OptOut.objects.create(phone=lead.phone, keyword="STOP", opted_out_at=timezone.now())
    response = csr.post(f"/messages/lead/{lead.pk}/", {"body": "hello"})
    assert response.status_code == 409 and "has opted out of texts" in response.content.decode()
    in_panel = csr.post(f"/messages/lead/{lead.pk}/", {"body": "hello"}, headers={"HX-Request": "true"})
    assert in_panel.status_code == 200 and "has opted out of texts" in in_panel.content.decode()
    assert backends.outbox == []


def test_the_active_call_panel_texts_a_caller_who_has_no_lead_yet():
    call = ring(from_number="+15125550177")
    csr = client_for()
    assert f'hx-get="/messages/call/{call.pk}/"' in csr.get(f"/calls/{call.pk}/").content.decode()
    csr.post(f"/messages/call/{call.pk}/", {"body": "Here is our booking link"})
    message = Message.objects.get()
    assert (message.to_number, message.call, message.lead) == ("+15125550177", call, None)


def test_the_inbox_and_the_navigation_count_unread_texts(lead):
    twilio = twilio_integration()
    twilio_post(Client(), twilio, "sms", sms_params("SM" + "1" * 32, "Are you open Saturday?"))
    csr = client_for()
    home = csr.get("/messages/").content.decode()
    assert "Are you open Saturday?" in home
    assert 'hx-get="/messages/unread-count/"' in home
    badge = csr.get("/messages/unread-count/").content.decode()
    assert 'class="nav-count"' in badge and ">1<" in badge
    # Opening the lead's conversation reads its texts.
    csr.get(f"/messages/lead/{lead.pk}/")
    assert 'class="nav-count"' not in csr.get("/messages/unread-count/").content.decode()


def test_technicians_see_no_texts():
    tech = client_for(Role.TECHNICIAN)
    assert tech.get("/messages/").status_code == 403
    assert tech.get("/messages/unread-count/").status_code == 403
    assert "/messages/" not in tech.get("/").content.decode()
