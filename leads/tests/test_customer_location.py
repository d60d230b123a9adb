"""Converting a lead and accepting a booking pick or create the job's customer
and location by one rule (``customers.services.customer_location_for_job``):
the same bodies give the same answers and the same field names on both paths."""

import pytest

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory
from customers.models import Customer, Location
from customers.tests.factories import LocationFactory
from jobs.models import Job
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Pat Doe",
    "phone": "+15128675309",
    "email": "pat@example.com",
    "street": "1 Main St",
    "city": "Austin",
    "state": "TX",
    "zip": "78701",
}


@pytest.fixture(params=["lead", "booking"])
def path(request):
    """``(url, reload)`` of a lead to convert or a booking to accept, both with CONTACT."""
    if request.param == "lead":
        lead = LeadFactory(**CONTACT)
        return f"/leads/{lead.pk}/convert", lambda: Lead.objects.get(pk=lead.pk).status
    booking = BookingFactory(**CONTACT, customer_type="commercial")
    return f"/bookings/{booking.pk}/accept", lambda: Booking.objects.get(pk=booking.pk).status


def job_body(**extra):
    bu = BusinessUnitFactory()
    return {"business_unit_id": bu.pk, "job_type_id": JobTypeFactory(business_units=[bu]).pk, **extra}


def fields(r):
    return {e["field"] for e in r.json()["errors"]}


def assert_nothing_written(status):
    assert not Job.objects.exists() and not Customer.objects.exists() and status() in ("open", "new")


def test_it_creates_the_customer_and_location_from_the_contact(csr_api, path):
    url, status = path
    r = csr_api.post(url, job_body(customer={}, location={}))
    assert r.status_code == 201, r.content
    customer = Customer.objects.get()
    assert customer.name == "Pat Doe" and set(customer.phones + customer.emails) == {
        "+15128675309",
        "pat@example.com",
    }
    location = Location.objects.get()
    assert (location.customer, location.street, location.zip) == (customer, "1 Main St", "78701")
    assert r.json()["job"]["location_id"] == location.pk
    assert status() in ("converted", "accepted")


def test_it_fills_only_the_address_keys_not_sent_from_the_contact(csr_api, path):
    url, status = path
    r = csr_api.post(url, job_body(customer={}, location={"street": "9 Side St", "zip": ""}))
    # "zip" was sent blank, so it stays blank; city and state come from the contact.
    assert r.status_code == 422 and fields(r) == {"location.zip"}
    assert_nothing_written(status)
    r = csr_api.post(url, job_body(customer={}, location={"street": "9 Side St", "unit": "B"}))
    assert r.status_code == 201, r.content
    location = Location.objects.get()
    assert (location.street, location.unit, location.city) == ("9 Side St", "B", "Austin")
    assert location.zip == "78701"


def test_it_names_a_bad_new_customer_phone_under_customer(csr_api, path):
    url, status = path
    r = csr_api.post(url, job_body(customer={"phones": ["12"]}, location={}))
    assert r.status_code == 422 and fields(r) == {"customer.phones[0]"}
    assert_nothing_written(status)
    assert not Location.objects.exists()


def test_it_refuses_a_picked_and_a_new_customer_at_once(csr_api, path):
    url, status = path
    location = LocationFactory()
    r = csr_api.post(url, job_body(customer_id=location.customer_id, customer={}, location={}))
    assert r.status_code == 422 and "customer" in fields(r)
    r = csr_api.post(url, job_body(customer={}, location_id=location.pk))
    # Another customer's location cannot go with a customer that does not exist yet.
    assert r.status_code == 422 and fields(r) == {"location_id"}
    assert not Job.objects.exists() and Customer.objects.count() == 1 and status() in ("open", "new")


def test_it_refuses_another_customers_location(csr_api, path):
    url, status = path
    mine, theirs = LocationFactory(), LocationFactory()
    r = csr_api.post(url, job_body(customer_id=mine.customer_id, location_id=theirs.pk))
    assert r.status_code == 422 and fields(r) == {"location_id"}
    assert not Job.objects.exists() and status() in ("open", "new")


def test_it_books_onto_a_picked_location_and_its_customer(csr_api, path):
    url, status = path
    location = LocationFactory()
    r = csr_api.post(url, job_body(location_id=location.pk))
    assert r.status_code == 201, r.content
    assert status() in ("converted", "accepted")
    assert r.json()["job"]["customer_id"] == location.customer_id
    assert Customer.objects.count() == Location.objects.count() == 1


def test_it_asks_a_lead_to_choose_but_books_a_booking_for_who_asked(csr_api):
    """The one difference is the default: a lead converts onto what the CSR
    chooses, a booking is for the person and address that came with it."""
    lead = LeadFactory(**CONTACT)
    r = csr_api.post(f"/leads/{lead.pk}/convert", job_body())
    assert r.status_code == 422 and fields(r) == {"customer_id", "location_id"}
    booking = BookingFactory(**CONTACT, customer_type="commercial")
    r = csr_api.post(f"/bookings/{booking.pk}/accept", job_body())
    assert r.status_code == 201, r.content
    assert Customer.objects.get().type == "commercial"
