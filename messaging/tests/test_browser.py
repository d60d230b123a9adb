"""A CSR texts a lead from its page: the conversation loads, a template fills
the box, Ctrl+Enter sends, and the text shows in the conversation."""

from __future__ import annotations

from accounts.models import Role
from catalog.tests.factories import TrackingNumberFactory
from conftest import make_employee
from leads.tests.factories import LeadFactory
from messaging import backends
from messaging.models import Message, MessageTemplate


def test_a_csr_texts_a_lead_from_a_template_with_the_keyboard(page, login, settings):
    settings.LEADLINE_COMPANY_NAME = "Lone Star Comfort"
    backends.outbox.clear()
    csr = make_employee(Role.CSR)
    tracking = TrackingNumberFactory(number="+15125550100")
    lead = LeadFactory(type="marketing", campaign=tracking.campaign, phone="+15125550123", name="Maria Lopez")
    MessageTemplate.objects.create(name="Missed you", body="Hi {first_name}, {company} returning your call.")
    login(csr.user.username)
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_label("Template").select_option(label="Missed you")
    box = page.get_by_label("Message")
    assert box.input_value() == "Hi Maria, Lone Star Comfort returning your call."
    box.press("Control+Enter")
    page.locator(".bubbles-log .outbound").get_by_text("returning your call").wait_for(timeout=10000)
    assert page.get_by_label("Message").input_value() == ""
    message = Message.objects.get()
    assert (message.to_number, message.from_number) == ("+15125550123", "+15125550100")
    assert page.locator('a.tel[href="tel:+15125550123"]').first.is_visible()
