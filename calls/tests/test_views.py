"""The Calls screen, the Leads tab and the calls list, through the test client."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from calls.models import Call
from calls.tests.factories import play_call, ring
from catalog.tests.factories import (
    BookingGuideFactory,
    CallReasonFactory,
    CampaignFactory,
    DismissReasonFactory,
    JobTypeFactory,
    TrackingNumberFactory,
)
from conftest import make_employee
from customers.tests.factories import LocationFactory, PhoneFactory
from leads.models import Lead, LeadActivity

pytestmark = pytest.mark.django_db


def client_for(role: str = Role.CSR) -> tuple[Client, object]:
    employee = make_employee(role)
    client = Client()
    client.force_login(employee.user)
    return client, employee


def test_it_shows_a_ringing_call_as_a_bubble():
    tracking = TrackingNumberFactory(number="+15125550100")
    ring()
    client, _ = client_for()
    r = client.get("/calls/incoming/")
    assert r.status_code == 200
    assert "(512) 867-5309" in r.content.decode() and tracking.campaign.name in r.content.decode()
    assert "every 2s" in client.get("/calls/").content.decode()


def test_it_accepts_a_call_from_its_bubble_and_shows_the_panel():
    BookingGuideFactory(name="New system lead", script="Ask the age of the system.")
    call = ring()
    client, employee = client_for()
    r = client.post(f"/calls/{call.pk}/accept/")
    assert r.status_code == 302
    call.refresh_from_db()
    assert call.accepted_by == employee and call.accepted_at is not None
    page = client.get(r["Location"]).content.decode()
    assert "Close the call" in page and "Ask the age of the system." in page
    assert "(512) 867-5309" not in client.get("/calls/incoming/").content.decode()


def test_it_asks_before_another_csr_takes_over():
    call = ring()
    first, _ = client_for()
    second, other = client_for()
    first.post(f"/calls/{call.pk}/accept/")
    r = second.post(f"/calls/{call.pk}/accept/")
    assert r.status_code == 409 and "Take it over?" in r.content.decode()
    call.refresh_from_db()
    assert call.accepted_by != other
    second.post(f"/calls/{call.pk}/accept/", {"takeover": "1"})
    call.refresh_from_db()
    assert call.accepted_by == other


def test_it_asks_to_confirm_closing_without_a_location_and_keeps_what_was_typed():
    TrackingNumberFactory(number="+15125550100")
    call = ring()
    client, _ = client_for()
    client.post(f"/calls/{call.pk}/accept/")
    reason = CallReasonFactory(is_lead=True)
    form = {
        "call_reason_id": reason.pk,
        "action": "capture",
        "name": "Pat Doe",
        "phone": "5128675309",
        "city": "Austin",
    }
    r = client.post(f"/calls/{call.pk}/close/", form)
    body = r.content.decode()
    assert r.status_code == 200 and "Proceed without a location record?" in body
    assert 'value="Pat Doe"' in body
    assert not Lead.objects.exists()
    r = client.post(f"/calls/{call.pk}/close/", {**form, "confirm_without_location": "1"})
    assert r.status_code == 302
    lead = Lead.objects.get()
    assert lead.name == "Pat Doe" and lead.call == call and lead.location is None
    call.refresh_from_db()
    assert call.closed_at is not None and call.lead == lead


def test_it_closes_with_a_chosen_location_without_asking():
    location = LocationFactory()
    PhoneFactory(customer=location.customer, value="+15128675309")
    call = ring()
    client, _ = client_for()
    reason = CallReasonFactory(is_lead=False)
    r = client.post(f"/calls/{call.pk}/close/", {"call_reason_id": reason.pk, "location_id": location.pk})
    assert r.status_code == 302
    call.refresh_from_db()
    assert call.classification == "not_lead" and call.location == location


def test_it_shows_a_rule_broken_on_close_as_a_form_error():
    call = ring()
    client, _ = client_for()
    reason = CallReasonFactory(is_lead=False)
    r = client.post(
        f"/calls/{call.pk}/close/",
        {"call_reason_id": reason.pk, "action": "capture", "name": "Pat", "confirm_without_location": "1"},
    )
    assert r.status_code == 422 and "not a lead reason" in r.content.decode()
    assert 'value="Pat"' in r.content.decode()
    call.refresh_from_db()
    assert call.closed_at is None


def test_it_books_a_job_from_the_panel():
    location = LocationFactory()
    PhoneFactory(customer=location.customer, value="+15128675309")
    job_type = JobTypeFactory()
    call = ring()
    client, _ = client_for()
    r = client.post(
        f"/calls/{call.pk}/book/",
        {
            "location_id": location.pk,
            "business_unit_id": job_type.business_units.first().pk,
            "job_type_id": job_type.pk,
        },
    )
    assert r.status_code == 302
    call.refresh_from_db()
    assert call.classification == "booked" and call.job is not None


def test_it_lists_the_leads_tab_with_its_count_and_actions():
    abandoned = play_call(seconds=90)
    unbooked = play_call(agent=make_employee(Role.CSR), seconds=120, from_number="+15125550142")
    play_call(seconds=20, from_number="+15125550143")
    client, _ = client_for()
    r = client.get("/calls/queue/")
    body = r.content.decode()
    assert r.status_code == 200 and '<span class="count" aria-label="2 waiting">2</span>' in body
    assert body.index(f"call-{unbooked.pk}") < body.index(f"call-{abandoned.pk}")
    assert "(512) 555-0143" not in body

    client.post(f"/calls/{abandoned.pk}/callback/", {"outcome": "no_answer"})
    abandoned.refresh_from_db()
    assert abandoned.callback_attempts == 1
    assert LeadActivity.objects.filter(lead=abandoned.lead, kind="follow_up").exists()

    refused = client.post(f"/calls/{unbooked.pk}/dismiss/", {})
    assert refused.status_code == 422
    reason = DismissReasonFactory(name="Price shopper")
    client.post(f"/calls/{unbooked.pk}/dismiss/", {"reason_id": reason.pk, "note": "only wanted a price"})
    unbooked.refresh_from_db()
    assert unbooked.follow_up_resolution == "dismissed"
    assert 'aria-label="1 waiting">1</span>' in client.get("/calls/queue/").content.decode()


def test_it_lets_only_managers_excuse_from_the_leads_tab():
    call = play_call(agent=make_employee(Role.CSR), seconds=120)
    csr, _ = client_for()
    assert csr.post(f"/calls/{call.pk}/excuse/", {"note": "test"}).status_code == 403
    manager, _ = client_for(Role.MANAGER)
    assert manager.post(f"/calls/{call.pk}/excuse/", {"note": "test call"}).status_code == 302
    call.refresh_from_db()
    assert call.classification == "excused"


def test_it_captures_a_lead_from_an_unbooked_call_on_the_panel():
    TrackingNumberFactory(number="+15125550100")
    reason = CallReasonFactory(is_lead=True)
    call = play_call(agent=make_employee(Role.CSR), seconds=120)
    client, _ = client_for()
    r = client.post(f"/calls/{call.pk}/capture/", {"call_reason_id": reason.pk, "phone": "5128675309"})
    assert r.status_code == 302
    call.refresh_from_db()
    assert call.lead is not None and call.follow_up_resolution == "lead_captured"


def test_it_filters_the_calls_list():
    agent = make_employee(Role.CSR, name="Ana Agent")
    long = play_call(agent=agent, seconds=150)
    short = play_call(seconds=10, from_number="+15125550177")
    client, _ = client_for()
    body = client.get("/calls/list/", {"min_duration": 60}).content.decode()
    assert f"/calls/{long.pk}/" in body and f"/calls/{short.pk}/" not in body
    body = client.get("/calls/list/", {"number": "512 555 0177"}).content.decode()
    assert f"/calls/{short.pk}/" in body and f"/calls/{long.pk}/" not in body
    body = client.get("/calls/list/", {"classification": "abandoned", "agent_id": agent.pk}).content.decode()
    assert "No calls match." in body
    assert "is not a phone number" in client.get("/calls/list/", {"number": "zzz"}).content.decode()
    assert "is not a date" in client.get("/calls/list/", {"since": "nope"}).content.decode()


def test_it_keeps_technicians_off_the_calls_screens():
    client, _ = client_for(Role.TECHNICIAN)
    call = ring()
    for url in ("/calls/", "/calls/list/", "/calls/queue/", f"/calls/{call.pk}/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/calls/{call.pk}/accept/").status_code == 403
    assert Call.objects.get().accepted_by is None


def test_it_captures_a_lead_from_a_call_to_an_unknown_number_with_the_picked_campaign():
    reason = CallReasonFactory(is_lead=True)
    campaign = CampaignFactory(name="Yard signs")
    inactive = CampaignFactory(name="Old mailer", active=False)
    call = ring(to_number="+15125550999")
    assert call.campaign is None and call.unknown_tracking_number
    client, _ = client_for()
    client.post(f"/calls/{call.pk}/accept/")
    panel = client.get(f"/calls/{call.pk}/").content.decode()
    assert 'name="campaign_id"' in panel and "Yard signs" in panel and "Old mailer" not in panel
    form = {
        "action": "capture",
        "call_reason_id": reason.pk,
        "name": "Pat Doe",
        "phone": "5128675309",
        "confirm_without_location": "1",
    }
    r = client.post(f"/calls/{call.pk}/close/", form)
    assert r.status_code == 422 and "A marketing lead needs its campaign" in r.content.decode()
    assert 'value="Pat Doe"' in r.content.decode()
    # Already confirmed "without a location": fixing the campaign does not ask again.
    assert '<input type="hidden" name="confirm_without_location" value="1">' in r.content.decode()
    assert client.post(f"/calls/{call.pk}/close/", {**form, "campaign_id": inactive.pk}).status_code == 422
    assert not Lead.objects.exists() and Call.objects.get(pk=call.pk).closed_at is None

    r = client.post(f"/calls/{call.pk}/close/", {**form, "campaign_id": campaign.pk})
    assert r.status_code == 302
    lead = Lead.objects.get()
    assert lead.campaign == campaign and lead.call_id == call.pk and lead.name == "Pat Doe"


def test_it_preselects_the_calls_campaign_and_lets_the_csr_change_it():
    tracking = TrackingNumberFactory(number="+15125550100")
    other = CampaignFactory(name="Referral")
    reason = CallReasonFactory(is_lead=True)
    call = play_call(agent=make_employee(Role.CSR), seconds=120)
    client, _ = client_for()
    panel = client.get(f"/calls/{call.pk}/").content.decode()
    assert f'<option value="{tracking.campaign.pk}" selected>' in panel
    r = client.post(
        f"/calls/{call.pk}/capture/",
        {"call_reason_id": reason.pk, "phone": "5128675309", "campaign_id": other.pk},
    )
    assert r.status_code == 302
    assert Lead.objects.get().campaign == other


def test_it_shows_the_booking_guide_of_the_chosen_reason():
    """The guide follows the reason picked: its own guide when Settings names one."""
    general = BookingGuideFactory(name="General", kind="general", script="Who is calling?")
    plumbing = BookingGuideFactory(name="Plumbing service call", script="Is water leaking now?")
    lead_reason = CallReasonFactory(name="Plumbing service request", is_lead=True, booking_guide=plumbing)
    billing = CallReasonFactory(name="Billing question", is_lead=False)
    call = ring()
    client, _ = client_for()
    client.post(f"/calls/{call.pk}/accept/")
    html = client.get(f"/calls/{call.pk}/guide/", {"call_reason_id": lead_reason.pk}).content.decode()
    assert "Is water leaking now?" in html
    html = client.get(f"/calls/{call.pk}/guide/", {"call_reason_id": billing.pk}).content.decode()
    assert general.script in html and "Is water leaking now?" not in html


def test_it_filters_the_leads_tab_by_kind():
    abandoned = play_call(seconds=90)  # nobody answered: an abandoned-call lead on the tab
    client, _ = client_for()
    all_rows = client.get("/calls/queue/").context
    only = client.get("/calls/queue/", {"kind": "unbooked"}).context
    assert abandoned in all_rows["items"] and abandoned not in only["items"]
    assert only["shown_count"] == len(only["items"]) and only["queue_count"] == len(all_rows["items"])
