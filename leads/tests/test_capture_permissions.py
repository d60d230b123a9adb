"""Issue 10, items 1 and 2: a capture reveals nothing the caller may not read,
and links nothing the caller may not link (DESIGN.md "Who may do what")."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tests.factories import IntegrationFactory
from bookings.tests.factories import BookingFactory
from calls.tests.factories import play_call, provider_actor, ring
from catalog.tests.factories import CampaignFactory
from conftest import make_employee
from customers.models import ContactPoint
from customers.tests.factories import CustomerFactory, LocationFactory, PhoneFactory
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

SECRET_PHONE = "+15125550199"


@pytest.fixture
def stranger():
    """A customer nobody in these tests is allowed to read."""
    customer = CustomerFactory(name="Stranger Danger")
    PhoneFactory(customer=customer, value=SECRET_PHONE)
    ContactPoint.objects.create(customer=customer, kind=ContactPoint.Kind.EMAIL, value="stranger@example.com")
    LeadFactory(phone=SECRET_PHONE, name="Open Lead Person")
    return customer


def _tech_api(api_as):
    api = api_as(Role.TECHNICIAN)
    job = book_job(technician=api.employee)
    return api, job


# --- 1. technicians -----------------------------------------------------------------------------


def test_a_technician_capture_shows_no_other_customer_or_lead(api_as, stranger):
    api, job = _tech_api(api_as)
    r = api.post(
        "/leads",
        {
            "type": "job_generated",
            "origin_job_id": job.pk,
            "lead_setting_employee_id": api.employee.pk,
            "contact": {"phone": SECRET_PHONE, "email": "stranger@example.com"},
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["matches"] == {"customers": [], "open_leads": []}
    assert b"Stranger Danger" not in r.content and b"Open Lead Person" not in r.content


def test_a_technician_cannot_attach_an_unrelated_customer(api_as, stranger):
    api, job = _tech_api(api_as)
    r = api.post(
        "/leads",
        {
            "type": "job_generated",
            "origin_job_id": job.pk,
            "lead_setting_employee_id": api.employee.pk,
            "customer_id": stranger.pk,
        },
    )
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["customer_id"]
    assert b"Stranger Danger" not in r.content
    assert not Lead.objects.filter(customer=stranger).exists()


def test_a_job_generated_lead_keeps_its_origin_jobs_location(api_as):
    api, job = _tech_api(api_as)
    elsewhere = LocationFactory()
    r = api.post(
        "/leads",
        {
            "type": "job_generated",
            "origin_job_id": job.pk,
            "lead_setting_employee_id": api.employee.pk,
            "location_id": elsewhere.pk,
        },
    )
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["location_id"]


def test_a_technicians_own_job_lead_still_works(api_as):
    api, job = _tech_api(api_as)
    r = api.post(
        "/leads",
        {
            "type": "job_generated",
            "origin_job_id": job.pk,
            "lead_setting_employee_id": api.employee.pk,
            "customer_id": job.customer_id,
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["customer_id"] == job.customer_id
    assert r.json()["location_id"] == job.location_id


def test_a_technician_cannot_link_a_call(api_as):
    api, job = _tech_api(api_as)
    call = ring()
    r = api.post(
        "/leads",
        {
            "type": "job_generated",
            "origin_job_id": job.pk,
            "lead_setting_employee_id": api.employee.pk,
            "call_id": call.pk,
        },
    )
    assert r.status_code == 403, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["call_id"]


def test_the_office_still_sees_matches(csr_api, stranger):
    r = csr_api.post(
        "/leads",
        {"type": "marketing", "campaign_id": CampaignFactory().pk, "contact": {"phone": SECRET_PHONE}},
    )
    assert r.status_code == 201
    assert [c["name"] for c in r.json()["matches"]["customers"]] == ["Stranger Danger"]


# --- 2. integrations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["customer_id", "location_id", "origin_job_id", "lead_setting_employee_id", "technician_id"]
)
def test_an_integration_links_no_other_partys_record(integration_api, stranger, field):
    job = book_job(customer=stranger, location=LocationFactory(customer=stranger))
    values = {
        "customer_id": stranger.pk,
        "location_id": job.location_id,
        "origin_job_id": job.pk,
        "lead_setting_employee_id": make_employee(Role.CSR).pk,
        "technician_id": make_employee(Role.TECHNICIAN).pk,
    }
    r = integration_api.post(
        "/leads",
        {
            "type": "marketing",
            "campaign_id": CampaignFactory().pk,
            "contact": {"phone": "512-867-5309"},
            field: values[field],
        },
    )
    assert r.status_code == 403, r.content
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert b"Stranger Danger" not in r.content
    assert not Lead.objects.filter(phone="+15128675309").exists()


@pytest.mark.parametrize("type", ["job_generated", "abandoned_call"])
def test_an_integration_captures_marketing_leads_only(integration_api, type):
    job = book_job()
    call = ring(actor=provider_actor(integration_api.integration))
    r = integration_api.post(
        "/leads",
        {
            "type": type,
            "origin_job_id": job.pk if type == "job_generated" else None,
            "lead_setting_employee_id": make_employee(Role.CSR).pk if type == "job_generated" else None,
            "call_id": call.pk if type == "abandoned_call" else None,
            "contact": {"phone": "512-867-5309"},
        },
    )
    assert r.status_code == 403, r.content
    assert not Lead.objects.filter(type=type).exists()


def test_an_integration_refers_only_to_its_own_calls(integration_api):
    theirs = ring(actor=provider_actor(IntegrationFactory()))
    body = {
        "type": "marketing",
        "campaign_id": CampaignFactory().pk,
        "contact": {"phone": "512-867-5309"},
        "call_id": theirs.pk,
    }
    r = integration_api.post("/leads", body)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "unknown_reference"
    assert [e["field"] for e in r.json()["errors"]] == ["call_id"]
    mine = ring(actor=provider_actor(integration_api.integration))
    ok = integration_api.post("/leads", {**body, "call_id": mine.pk, "call_reason_id": None})
    # Its own call is accepted as a reference (a reason is still needed for a lead from a call).
    assert ok.status_code == 422 and [e["field"] for e in ok.json()["errors"]] == ["call_reason_id"]


def test_an_integration_marketing_lead_still_works_and_shows_no_matches(integration_api, stranger):
    r = integration_api.post(
        "/leads",
        {"type": "marketing", "campaign_id": CampaignFactory().pk, "contact": {"phone": SECRET_PHONE}},
    )
    assert r.status_code == 201, r.content
    assert r.json()["matches"] == {"customers": [], "open_leads": []}
    assert r.json()["customer_id"] is None


def test_an_integrations_booking_list_has_no_customer_marker(integration_api, csr_api, stranger):
    BookingFactory(integration=integration_api.integration, phone=SECRET_PHONE)
    BookingFactory(integration=integration_api.integration)
    items = integration_api.get("/bookings").json()["items"]
    assert len(items) == 2 and {b["marker"] for b in items} == {None}
    # The office sees which one is a lead and which one matches a customer.
    assert sorted(str(b["marker"]) for b in csr_api.get("/bookings").json()["items"]) == ["Lead", "None"]


def test_a_call_event_does_not_tell_the_provider_the_matched_customer(integration_api, stranger):
    r = integration_api.post(
        "/calls/events",
        {"provider_call_id": "c-1", "event": "ringing", "from_number": SECRET_PHONE},
    )
    assert r.status_code == 200, r.content
    assert r.json()["call"]["customer_id"] is None
    from calls.models import Call

    assert Call.objects.get(provider_call_id="c-1").customer == stranger


def test_the_systems_abandoned_call_lead_still_links_the_matched_customer(stranger):
    call = play_call(from_number="+15125550123", seconds=120)
    assert call.lead is None or call.lead.type == Lead.Type.ABANDONED_CALL
    customer = CustomerFactory(name="Known Caller")
    PhoneFactory(customer=customer, value="+15125550124")
    call = play_call(from_number="+15125550124", seconds=120)
    assert call.lead is not None and call.lead.customer == customer
