"""The Calls API (API.md "Calls")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from calls.models import Call
from calls.tests.factories import play_call, provider_actor, ring
from catalog.tests.factories import CallReasonFactory, JobTypeFactory, TrackingNumberFactory
from conftest import make_employee
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.models import Job
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

CALLER = "+15128675309"


def ringing(integration_api, call_id="p-1", **kw):
    body = {
        "provider_call_id": call_id,
        "event": "ringing",
        "at": timezone.now().isoformat(),
        "from_number": "(512) 867-5309",
        "to_number": "512-555-0100",
    }
    body.update(kw)
    return integration_api.post("/calls/events", body)


def test_it_records_an_event_for_an_unknown_call(integration_api):
    tracking = TrackingNumberFactory(number="+15125550100")
    r = ringing(integration_api)
    assert r.status_code == 200, r.json()
    call = r.json()["call"]
    assert call["from_number"] == CALLER and call["to_number"] == "+15125550100"
    assert call["campaign_id"] == tracking.campaign_id and call["classification"] == "in_progress"
    assert Call.objects.get().provider == integration_api.integration


def test_it_answers_a_repeated_event_with_the_same_call(integration_api):
    first = ringing(integration_api).json()["call"]
    again = ringing(integration_api, at=(timezone.now() + timedelta(seconds=9)).isoformat())
    assert again.status_code == 200 and again.json()["call"] == first
    assert Call.objects.count() == 1


def test_a_whole_call_reads_no_configuration_while_none_has_changed(
    integration_api, django_assert_max_num_queries
):
    tracking = TrackingNumberFactory(number="+15125550100")
    agent = make_employee(Role.CSR)

    def whole_call(call_id: str) -> dict:
        at = timezone.now()
        ringing(integration_api, call_id, at=at.isoformat())
        accepted = {"provider_call_id": call_id, "event": "accepted", "agent_id": agent.pk}
        integration_api.post("/calls/events", {**accepted, "at": (at + timedelta(seconds=5)).isoformat()})
        ended = {
            "provider_call_id": call_id,
            "event": "ended",
            "at": (at + timedelta(seconds=125)).isoformat(),
        }
        return integration_api.post("/calls/events", ended).json()["call"]

    whole_call("p-warm")
    # Ringing: key (with the configuration generation), caller's customers, INSERT. Accepted
    # and ended: key, a savepoint pair, the locked call, one UPDATE each. The tracking number
    # and the agent were read by the first call and have not changed (core.generation): 15.
    with django_assert_max_num_queries(13):
        call = whole_call("p-hot")
    assert call["campaign_id"] == tracking.campaign_id and call["accepted_by_id"] == agent.pk
    assert call["classification"] == "unbooked"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "hungup"}, "event"),
        ({"from_number": "not a phone"}, "from_number"),
        ({"to_number": "12"}, "to_number"),
        ({"provider_call_id": ""}, "provider_call_id"),
        ({"at": "yesterday"}, "at"),
        ({"at": "2026-03-02T09:00:00"}, "at"),
        ({"event": "accepted"}, "agent_id"),
        ({"event": "accepted", "agent_id": 999999}, "agent_id"),
        ({"event": "ended", "recording_url": "ftp://x"}, "recording_url"),
    ],
)
def test_it_names_the_bad_field_of_an_event(integration_api, change, field):
    r = ringing(integration_api, **change)
    assert r.status_code == 422, r.json()
    assert field in [e["field"] for e in r.json()["errors"]]
    assert not Call.objects.exists()


def test_it_refuses_events_from_an_employee_key(csr_api, anon_api):
    assert ringing(csr_api).status_code == 403
    assert ringing(anon_api).status_code == 401
    assert not Call.objects.exists()


def test_it_accepts_ended_with_a_recording(integration_api):
    agent = make_employee(Role.CSR)
    t0 = timezone.now() - timedelta(minutes=3)
    ringing(integration_api, at=t0.isoformat())
    integration_api.post(
        "/calls/events",
        {"provider_call_id": "p-1", "event": "accepted", "at": t0.isoformat(), "agent_id": agent.pk},
    )
    r = integration_api.post(
        "/calls/events",
        {
            "provider_call_id": "p-1",
            "event": "ended",
            "at": (t0 + timedelta(seconds=61)).isoformat(),
            "recording_url": "https://rec.example/p-1.mp3",
        },
    )
    call = r.json()["call"]
    assert call["classification"] == "unbooked" and call["duration_seconds"] == 61
    # The provider's URL is kept on the call; the API hands out Leadline's, which checks who asks.
    assert call["accepted_by_id"] == agent.pk and call["recording_url"] == f"/calls/{call['id']}/recording/"
    assert Call.objects.get(pk=call["id"]).recording_url == "https://rec.example/p-1.mp3"


def test_it_shows_a_call_with_who_may_be_calling(csr_api):
    phone = PhoneFactory(value=CALLER)
    location = LocationFactory(customer=phone.customer)
    job = book_job(location=location)
    lead = LeadFactory(phone=CALLER)
    call = ring()
    r = csr_api.get(f"/calls/{call.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == call.pk and body["lead_id"] is None
    matches = body["matches"]
    assert [c["id"] for c in matches["customers"]] == [phone.customer_id]
    assert matches["customers"][0]["location_ids"] == [location.pk]
    assert [x["id"] for x in matches["open_leads"]] == [lead.pk]
    assert [j["id"] for j in matches["recent_jobs"]] == [job.pk]


def test_it_lists_calls_with_filters(csr_api):
    agent = make_employee(Role.CSR)
    tracking = TrackingNumberFactory(number="+15125550177")
    booked_like = play_call(agent=agent, seconds=120, to_number=tracking.number)
    abandoned = play_call(seconds=30, from_number="+15125550199")
    short = play_call(agent=agent, seconds=10)

    def ids(**params):
        r = csr_api.get("/calls", params)
        assert r.status_code == 200, r.json()
        return [c["id"] for c in r.json()["items"]]

    assert ids() == [short.pk, abandoned.pk, booked_like.pk]
    assert ids(classification="abandoned") == [abandoned.pk]
    assert ids(campaign_id=tracking.campaign_id) == [booked_like.pk]
    assert ids(agent_id=agent.pk) == [short.pk, booked_like.pk]
    assert ids(min_duration=60) == [booked_like.pk]
    assert ids(number="512-555-0199") == [abandoned.pk]
    assert ids(since=(timezone.now() + timedelta(minutes=1)).isoformat()) == []
    page = csr_api.get("/calls", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = csr_api.get("/calls", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [c["id"] for c in rest["items"]] == [booked_like.pk]
    bad = csr_api.get("/calls", {"number": "abc"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "number"


def test_it_hides_calls_from_integrations_and_technicians(integration_api, api_as):
    call = ring()
    assert integration_api.get("/calls").status_code == 403
    assert api_as(Role.TECHNICIAN).get(f"/calls/{call.pk}").status_code == 403


def test_it_closes_with_a_lead_reason_and_captures_the_lead(csr_api):
    tracking = TrackingNumberFactory(number="+15125550100")
    call = ring()
    csr_api.post(f"/calls/{call.pk}/accept", {})
    reason = CallReasonFactory(is_lead=True)
    r = csr_api.post(
        f"/calls/{call.pk}/close",
        {"call_reason_id": reason.pk, "lead": {"contact": {"name": "Pat", "phone": CALLER}}},
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    lead = Lead.objects.get()
    assert body["lead"]["id"] == lead.pk and body["lead"]["marker"] == "Lead"
    assert body["call"]["lead_id"] == lead.pk and body["call"]["call_reason_id"] == reason.pk
    assert lead.call == call and lead.campaign == tracking.campaign and lead.call_reason == reason
    assert body["confirm_without_location"] is False
    assert any("location" in w for w in body["warnings"])
    again = csr_api.post(f"/calls/{call.pk}/close", {"call_reason_id": reason.pk})
    assert again.status_code == 409 and Lead.objects.count() == 1


def test_it_closes_with_a_reason_that_is_not_a_lead_as_not_lead(csr_api):
    call = play_call(agent=csr_api.employee, seconds=200)
    reason = CallReasonFactory(is_lead=False)
    refused = csr_api.post(
        f"/calls/{call.pk}/close",
        {
            "call_reason_id": reason.pk,
            "lead": {"contact": {"phone": CALLER}},
            "confirm_without_location": True,
        },
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "call_reason_id"
    assert not Lead.objects.exists()
    r = csr_api.post(
        f"/calls/{call.pk}/close", {"call_reason_id": reason.pk, "confirm_without_location": True}
    )
    assert r.status_code == 200
    assert r.json()["call"]["classification"] == "not_lead" and r.json()["lead"] is None
    call.refresh_from_db()
    assert call.follow_up_resolved_at is not None  # it left the Leads tab


def test_it_names_a_bad_lead_field_when_closing(csr_api):
    call = ring()
    reason = CallReasonFactory(is_lead=True)
    r = csr_api.post(
        f"/calls/{call.pk}/close", {"call_reason_id": reason.pk, "lead": {"contact": {"name": "x"}}}
    )
    assert r.status_code == 422
    # A call to an unknown number has no campaign, so the marketing lead needs one too.
    assert {e["field"] for e in r.json()["errors"]} == {
        "lead.contact.phone",
        "lead.contact.email",
        "lead.campaign_id",
    }
    call.refresh_from_db()
    assert call.closed_at is None and not Lead.objects.exists()


def test_it_lets_another_csr_take_over_only_when_confirmed(api_as):
    first, second = api_as(Role.CSR), api_as(Role.CSR)
    call = ring()
    assert first.post(f"/calls/{call.pk}/accept", {}).json()["accepted_by_id"] == first.employee.pk
    taken = second.post(f"/calls/{call.pk}/accept", {})
    assert taken.status_code == 409 and taken.json()["code"] == "call_taken"
    over = second.post(f"/calls/{call.pk}/accept", {"takeover": True})
    assert over.status_code == 200 and over.json()["accepted_by_id"] == second.employee.pk


def test_it_books_a_job_from_the_call(csr_api):
    tracking = TrackingNumberFactory(number="+15125550100")
    location = LocationFactory()
    job_type = JobTypeFactory()
    call = ring()
    r = csr_api.post(
        f"/calls/{call.pk}/book",
        {
            "customer_id": location.customer_id,
            "location_id": location.pk,
            "business_unit_id": job_type.business_units.first().pk,
            "job_type_id": job_type.pk,
        },
    )
    assert r.status_code == 200, r.json()
    job = Job.objects.get()
    assert r.json()["call"]["classification"] == "booked" and r.json()["job_id"] == job.pk
    assert job.campaign == tracking.campaign and job.invoice is not None


def test_it_lets_only_a_manager_excuse_a_call(api_as):
    call = play_call(agent=make_employee(Role.CSR), seconds=300)
    assert call.classification == "unbooked"
    assert api_as(Role.CSR).post(f"/calls/{call.pk}/excuse", {"note": "test call"}).status_code == 403
    manager = api_as(Role.MANAGER)
    assert manager.post(f"/calls/{call.pk}/excuse", {"note": " "}).json()["errors"][0]["field"] == "note"
    r = manager.post(f"/calls/{call.pk}/excuse", {"note": "Internal test call"})
    assert r.status_code == 200 and r.json()["classification"] == "excused"
    call.refresh_from_db()
    assert call.excused_by == manager.employee and call.follow_up_resolution == "excused"
    assert manager.post(f"/calls/{call.pk}/excuse", {"note": "again"}).status_code == 409


def test_it_documents_the_calls_operations(admin_api):
    spec = admin_api.get("/openapi.json").json()
    for path in ("/api/v1/calls/events", "/api/v1/calls", "/api/v1/calls/{call_id}/close"):
        assert path in spec["paths"]
    assert "422" in spec["paths"]["/api/v1/calls/events"]["post"]["responses"]


def test_it_uses_the_provider_actor_helper():
    assert provider_actor().integration is not None
