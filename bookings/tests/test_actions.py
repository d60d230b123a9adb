import pytest

from bookings.models import Booking, WebhookDelivery
from bookings.tests.factories import BookingFactory
from catalog.tests.factories import CampaignFactory, DismissReasonFactory, JobTypeFactory
from customers.models import Customer, Location
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.models import Job
from leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_type():
    return JobTypeFactory()


def accept_body(job_type, **extra):
    return {"business_unit_id": job_type.business_units.first().pk, "job_type_id": job_type.pk, **extra}


def test_it_accepts_a_booking_creating_customer_and_location(csr_api, job_type):
    booking = BookingFactory()
    r = csr_api.post(f"/bookings/{booking.pk}/accept", accept_body(job_type))
    assert r.status_code == 201, r.content
    job = Job.objects.get(pk=r.json()["job"]["id"])
    assert r.json()["job"]["invoice"]["total"] == "0.00"
    assert job.customer.name == booking.name
    assert job.customer.phones == [booking.phone]
    assert job.location.street == booking.street and job.location.zip == "78702"
    assert job.campaign == booking.campaign and job.summary == booking.summary
    booking.refresh_from_db()
    assert booking.status == "accepted" and booking.job == job
    assert booking.handled_by == csr_api.employee


def test_it_accepts_onto_a_matched_customers_location(csr_api, job_type):
    location = LocationFactory()
    PhoneFactory(customer=location.customer, value="+15126330999")
    booking = BookingFactory(phone="+15126330999")
    assert csr_api.get(f"/bookings/{booking.pk}").json()["marker"] is None
    r = csr_api.post(f"/bookings/{booking.pk}/accept", accept_body(job_type, location_id=location.pk))
    assert r.status_code == 201
    assert r.json()["job"]["customer_id"] == location.customer_id
    assert Customer.objects.count() == 1 and Location.objects.count() == 1


def test_it_names_what_accept_is_missing_and_writes_nothing(csr_api):
    booking = BookingFactory(name="", street="", zip="", business_unit=None, job_type=None)
    r = csr_api.post(f"/bookings/{booking.pk}/accept", {})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {
        "business_unit_id",
        "job_type_id",
        "customer.name",
        "location.street",
        "location.zip",
    }
    assert not Customer.objects.exists() and not Job.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == "new"


def test_it_refuses_a_location_of_another_customer(csr_api, job_type):
    booking = BookingFactory()
    customer = LocationFactory().customer
    other = LocationFactory()
    r = csr_api.post(
        f"/bookings/{booking.pk}/accept",
        accept_body(job_type, customer_id=customer.pk, location_id=other.pk),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "location_id"
    assert not Job.objects.exists()


def test_it_accepts_once(csr_api, job_type):
    booking = BookingFactory()
    assert csr_api.post(f"/bookings/{booking.pk}/accept", accept_body(job_type)).status_code == 201
    again = csr_api.post(f"/bookings/{booking.pk}/accept", accept_body(job_type))
    assert again.status_code == 409
    assert (
        csr_api.post(f"/bookings/{booking.pk}/dismiss", {"reason_id": DismissReasonFactory().pk}).status_code
        == 409
    )
    assert Job.objects.count() == 1


def test_it_converts_a_booking_into_a_lead(csr_api):
    booking = BookingFactory()
    r = csr_api.post(f"/bookings/{booking.pk}/convert", {})
    assert r.status_code == 201, r.content
    lead = Lead.objects.get(pk=r.json()["lead"]["id"])
    assert lead.booking == booking and lead.type == "marketing" and lead.marker == "Lead"
    assert lead.campaign == booking.campaign and lead.phone == booking.phone
    assert lead.created_by == csr_api.employee
    booking.refresh_from_db()
    assert booking.status == "converted"
    assert csr_api.get(f"/bookings/{booking.pk}").json()["lead_id"] == lead.pk
    assert csr_api.post(f"/bookings/{booking.pk}/convert", {}).status_code == 409
    assert Lead.objects.count() == 1


def test_it_asks_for_a_campaign_when_converting_a_booking_without_one(csr_api):
    booking = BookingFactory(campaign=None)
    r = csr_api.post(f"/bookings/{booking.pk}/convert", {})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "campaign_id"
    assert not Lead.objects.exists()
    campaign = CampaignFactory()
    r = csr_api.post(f"/bookings/{booking.pk}/convert", {"campaign_id": campaign.pk})
    assert r.status_code == 201
    assert Booking.objects.get(pk=booking.pk).campaign == campaign


def test_it_dismisses_with_a_reason(csr_api):
    booking = BookingFactory()
    reason = DismissReasonFactory(name="Spam")
    r = csr_api.post(f"/bookings/{booking.pk}/dismiss", {"reason_id": reason.pk, "note": " bot "})
    assert r.status_code == 200
    assert r.json()["status"] == "dismissed" and r.json()["dismiss_reason_id"] == reason.pk
    booking.refresh_from_db()
    assert booking.dismiss_note == "bot"


def test_it_refuses_dismissal_without_a_known_reason(csr_api):
    booking = BookingFactory()
    assert csr_api.post(f"/bookings/{booking.pk}/dismiss", {}).status_code == 422
    r = csr_api.post(f"/bookings/{booking.pk}/dismiss", {"reason_id": 987654})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason_id"
    inactive = DismissReasonFactory(active=False)
    assert csr_api.post(f"/bookings/{booking.pk}/dismiss", {"reason_id": inactive.pk}).status_code == 422
    assert Booking.objects.get(pk=booking.pk).status == "new"


def test_it_lets_only_lead_workers_act(api_as, job_type):
    booking = BookingFactory()
    tech = api_as("technician")
    assert tech.post(f"/bookings/{booking.pk}/accept", accept_body(job_type)).status_code == 403
    assert tech.post(f"/bookings/{booking.pk}/convert", {}).status_code == 403
    assert tech.get(f"/bookings/{booking.pk}").status_code == 403
    assert Booking.objects.get(pk=booking.pk).status == "new"


def test_it_queues_a_webhook_only_for_integrations_that_have_one(csr_api, job_type):
    quiet = BookingFactory()
    csr_api.post(f"/bookings/{quiet.pk}/accept", accept_body(job_type))
    assert not WebhookDelivery.objects.exists()
    loud = BookingFactory(
        integration__webhook_url="https://partner.example/hook", integration__webhook_secret="s"
    )
    reason = DismissReasonFactory()
    csr_api.post(f"/bookings/{loud.pk}/dismiss", {"reason_id": reason.pk})
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "booking.dismissed" and delivery.attempt == 1 and delivery.status == "pending"
    assert delivery.payload["booking"]["dismiss_reason"] == reason.name
