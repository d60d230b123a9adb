"""The Leads tab and the call panel act on a call's lead: Dismiss dismisses it,
Book converts it, and a lead closed anywhere leaves the tab."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from calls.models import Call
from calls.tests.factories import play_call, ring
from catalog.tests.factories import (
    CallReasonFactory,
    DismissReasonFactory,
    JobTypeFactory,
    TrackingNumberFactory,
)
from conftest import make_employee
from customers.tests.factories import LocationFactory
from jobs.models import Job
from leads.models import Lead, LeadActivity
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def csr_client() -> Client:
    client = Client()
    client.force_login(make_employee(Role.CSR).user)
    return client


def abandoned_pair() -> tuple[Call, Call, Lead]:
    """Two long abandoned calls from one number: one lead, one row on the tab (the first call's)."""
    TrackingNumberFactory(number="+15125550100")
    first = play_call(seconds=90)
    second = play_call(seconds=120)
    assert first.lead_id == second.lead_id is not None
    lead = Lead.objects.get(pk=first.lead_id)
    assert list(Call.objects.awaiting_follow_up()) == [first]
    return first, second, lead


def test_it_dismisses_the_lead_when_its_row_is_dismissed():
    first, second, lead = abandoned_pair()
    client = csr_client()
    refused = client.post(f"/calls/{first.pk}/dismiss/", {"note": "no reason given"})
    assert refused.status_code == 422
    lead.refresh_from_db()
    assert lead.status == "open" and Call.objects.awaiting_follow_up().count() == 1

    reason = DismissReasonFactory(name="Wrong number")
    r = client.post(f"/calls/{first.pk}/dismiss/", {"reason_id": reason.pk, "note": "a fax machine"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert (
        lead.status == "dismissed" and lead.dismiss_reason == reason and lead.dismiss_note == "a fax machine"
    )
    assert not Call.objects.awaiting_follow_up().exists()
    first.refresh_from_db()
    assert first.follow_up_resolution == "dismissed" and "a fax machine" in first.follow_up_note
    assert LeadActivity.objects.filter(lead=lead, kind="system", text__startswith="Dismissed: Wrong number")
    again = client.post(f"/calls/{second.pk}/dismiss/", {"reason_id": reason.pk})
    assert again.status_code == 409


def test_it_refuses_an_inactive_reason_for_a_row_with_a_lead():
    first, _, lead = abandoned_pair()
    reason = DismissReasonFactory(active=False)
    r = csr_client().post(f"/calls/{first.pk}/dismiss/", {"reason_id": reason.pk})
    assert r.status_code == 422 and "inactive" in r.content.decode()
    lead.refresh_from_db()
    assert lead.status == "open" and Call.objects.awaiting_follow_up().count() == 1


def test_it_dismisses_an_unbooked_call_without_a_lead_as_before():
    call = play_call(agent=make_employee(Role.CSR), seconds=120)
    reason = DismissReasonFactory()
    r = csr_client().post(f"/calls/{call.pk}/dismiss/", {"reason_id": reason.pk})
    assert r.status_code == 302
    call.refresh_from_db()
    assert call.follow_up_resolution == "dismissed" and call.lead is None
    assert not Lead.objects.exists()


def test_it_books_a_row_with_a_lead_by_converting_the_lead():
    first, second, lead = abandoned_pair()
    client = csr_client()
    queue = client.get("/calls/queue/").content.decode()
    assert f'href="/leads/{lead.pk}/convert/"' in queue

    job_type = JobTypeFactory()
    location = LocationFactory()
    r = client.post(
        f"/leads/{lead.pk}/convert/",
        {
            "customer_mode": "existing",
            "customer": location.customer.pk,
            "location": location.pk,
            "new_type": "residential",
            "business_unit": job_type.business_units.first().pk,
            "job_type": job_type.pk,
            "priority": "normal",
        },
    )
    assert r.status_code == 302, r.content.decode()
    job = Job.objects.get()
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_job == job
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.follow_up_resolution == "booked"
    # Nobody answered these calls: booked later, they stay abandoned (and recovered through the lead).
    assert first.classification == second.classification == "abandoned" and first.job is None
    assert "Nothing to follow up" in client.get("/calls/queue/").content.decode()
    panel = client.get(f"/calls/{first.pk}/").content.decode()
    assert f"job {job.number}" in panel and f'action="/calls/{first.pk}/book/"' not in panel


def test_it_books_an_unbooked_row_without_a_lead_on_the_call_panel():
    call = play_call(agent=make_employee(Role.CSR), seconds=120)
    queue = csr_client().get("/calls/queue/").content.decode()
    assert f'href="/calls/{call.pk}/#book"' in queue


def test_it_converts_the_captured_lead_when_a_job_is_booked_during_the_call(csr_api):
    TrackingNumberFactory(number="+15125550100")
    reason = CallReasonFactory(is_lead=True)
    call = ring()
    assert csr_api.post(f"/calls/{call.pk}/accept", {}).status_code == 200
    r = csr_api.post(
        f"/calls/{call.pk}/close",
        {"call_reason_id": reason.pk, "lead": {"contact": {"name": "Pat", "phone": "5128675309"}}},
    )
    assert r.status_code == 200, r.content
    lead = Lead.objects.get()
    location, job_type = LocationFactory(customer__name="Pat Ortega"), JobTypeFactory()
    body = {
        "customer_id": location.customer_id,
        "location_id": location.pk,
        "business_unit_id": job_type.business_units.first().pk,
        "job_type_id": job_type.pk,
        "summary": "Replace the capacitor",
    }
    r = csr_api.post(f"/calls/{call.pk}/book", body)
    assert r.status_code == 200, r.content
    job = Job.objects.get()
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_job == job and lead.customer == location.customer
    assert job.summary == "Replace the capacitor" and job.campaign == lead.campaign
    call.refresh_from_db()
    assert call.job == job and call.classification == "booked"
    assert csr_api.post(f"/calls/{call.pk}/book", body).status_code == 409
    assert Job.objects.count() == 1


def test_it_refuses_to_book_an_abandoned_call_whose_lead_is_booked(csr_api):
    first, _, lead = abandoned_pair()
    location, job_type = LocationFactory(), JobTypeFactory()
    body = {
        "customer_id": location.customer_id,
        "location_id": location.pk,
        "business_unit_id": job_type.business_units.first().pk,
        "job_type_id": job_type.pk,
    }
    assert csr_api.post(f"/calls/{first.pk}/book", body).status_code == 200
    lead.refresh_from_db()
    assert lead.status == "converted" and Call.objects.get(pk=first.pk).classification == "abandoned"
    again = csr_api.post(f"/calls/{first.pk}/book", body)
    assert again.status_code == 409 and again.json()["code"] == "call_booked"
    assert Job.objects.count() == 1


def test_it_takes_a_lead_dismissed_on_the_follow_up_screen_off_the_tab(csr_api):
    first, _, lead = abandoned_pair()
    reason = DismissReasonFactory()
    assert csr_api.post(f"/leads/{lead.pk}/dismiss", {"reason_id": reason.pk}).status_code == 200
    assert not Call.objects.awaiting_follow_up().exists()
    first.refresh_from_db()
    assert first.follow_up_resolution == "dismissed" and str(lead.pk) in first.follow_up_note


def test_it_moves_a_merged_leads_calls_to_the_lead_that_stays(csr_api):
    first, _, lead = abandoned_pair()
    keep = LeadFactory(phone=lead.phone)
    assert csr_api.post(f"/leads/{keep.pk}/merge", {"other_lead_id": lead.pk}).status_code == 200
    assert set(Call.objects.values_list("lead_id", flat=True)) == {keep.pk}
    # The row stays on the tab and now acts on the open lead.
    assert list(Call.objects.awaiting_follow_up()) == [first]
    reason = DismissReasonFactory()
    assert csr_client().post(f"/calls/{first.pk}/dismiss/", {"reason_id": reason.pk}).status_code == 302
    keep.refresh_from_db()
    assert keep.status == "dismissed"


def test_it_counts_a_call_back_as_the_abandoned_leads_first_response():
    from accounts.actor import Actor
    from calls.services import call_back_attempt
    from reports.selectors import called_back_condition

    call = play_call(seconds=90)
    lead = call.lead
    assert lead.first_response_at is None
    csr = Actor(employee=make_employee(Role.CSR))
    call_back_attempt(actor=csr, call=call, outcome="no_answer")
    lead.refresh_from_db()
    assert lead.first_response_at is not None
    entry = lead.activities.get(kind="follow_up")
    assert entry.call_id == call.pk and entry.outcome == "no_answer"
    assert Call.objects.filter(pk=call.pk).filter(called_back_condition()).exists()
