"""Issue 13 item 7: the call panel keeps its data straight.

A call another CSR accepted is booked only after a take-over; a lead that
names someone else is booked for the chosen customer only after a confirm; a
reason that is not a lead is refused before the location question; dismissing
takes only dismiss reasons; an invoice goes below zero only by a credit line.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from accounts.actor import Actor
from accounts.models import Role
from bookings.services import booking_dismiss
from bookings.tests.factories import BookingFactory
from calls.models import Call
from calls.services import (
    LeadDetails,
    call_book_job,
    call_close,
    call_dismiss_follow_up,
    lead_names_someone_else,
)
from calls.tests.factories import play_call
from catalog.tests.factories import (
    CallReasonFactory,
    DismissReasonFactory,
    JobTypeFactory,
    TrackingNumberFactory,
)
from conftest import make_employee
from core.errors import DomainError
from core.models import AuditEntry
from customers.tests.factories import CustomerFactory, LocationFactory
from jobs.models import InvoiceLine, Job
from jobs.services import invoice_add_line
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.services import Contact, lead_dismiss
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def client_for(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def closed_call(agent, *, lead_name: str = "") -> Call:
    """A call ``agent`` answered and closed, with a captured lead named ``lead_name`` if given."""
    TrackingNumberFactory(number="+15125550100")
    call = play_call(agent=agent, seconds=120)
    reason = CallReasonFactory(is_lead=True)
    details = LeadDetails(contact=Contact(name=lead_name, phone="+15128675309")) if lead_name else None
    return call_close(
        actor=Actor(employee=agent),
        call=call,
        call_reason=reason,
        lead=details,
        confirm_without_location=True,
    ).call


def booking_body(location) -> dict:
    job_type = JobTypeFactory()
    return {
        "customer": location.customer,
        "location": location,
        "business_unit": job_type.business_units.first(),
        "job_type": job_type,
    }


# --- take-over before booking through another CSR's call ------------------------


def test_it_refuses_to_book_a_call_another_csr_accepted_and_closed_without_a_takeover():
    jasmine, miguel = make_employee(Role.CSR, name="Jasmine Carter"), make_employee(Role.CSR)
    call = closed_call(jasmine)
    body = booking_body(LocationFactory())
    with pytest.raises(DomainError) as refused:
        call_book_job(actor=Actor(employee=miguel), call=call, **body)
    assert refused.value.status == 409 and refused.value.code == "call_taken"
    assert "Jasmine Carter accepted and closed this call" in refused.value.detail
    assert not Job.objects.exists()
    call.refresh_from_db()
    assert call.accepted_by == jasmine and call.job is None

    job = call_book_job(actor=Actor(employee=miguel), call=call, takeover=True, **body)
    call.refresh_from_db()
    assert call.job == job and call.accepted_by == miguel and call.classification == "booked"
    audit = AuditEntry.objects.get(entity="call", entity_id=call.pk, action="taken_over")
    assert audit.changes["from"] == "Jasmine Carter"


def test_it_books_without_asking_for_the_csr_who_took_the_call_or_an_unanswered_one():
    jasmine = make_employee(Role.CSR)
    call = closed_call(jasmine)
    call_book_job(actor=Actor(employee=jasmine), call=call, **booking_body(LocationFactory()))
    abandoned = play_call(seconds=30, from_number="+15125550199")
    assert abandoned.accepted_by is None
    call_book_job(
        actor=Actor(employee=make_employee(Role.CSR)), call=abandoned, **booking_body(LocationFactory())
    )
    assert Job.objects.count() == 2


def test_it_answers_409_call_taken_in_the_api_and_books_with_takeover(api_as):
    jasmine = make_employee(Role.CSR)
    call = closed_call(jasmine)
    location, job_type = LocationFactory(), JobTypeFactory()
    body = {
        "customer_id": location.customer_id,
        "location_id": location.pk,
        "business_unit_id": job_type.business_units.first().pk,
        "job_type_id": job_type.pk,
    }
    api = api_as(Role.CSR)
    r = api.post(f"/calls/{call.pk}/book", body)
    assert r.status_code == 409 and r.json()["code"] == "call_taken"
    r = api.post(f"/calls/{call.pk}/book", {**body, "takeover": True})
    assert r.status_code == 200 and r.json()["call"]["classification"] == "booked"


def test_it_offers_take_over_on_the_page_and_keeps_what_was_typed():
    jasmine, miguel = make_employee(Role.CSR, name="Jasmine Carter"), make_employee(Role.CSR)
    call = closed_call(jasmine)
    location = LocationFactory(customer=CustomerFactory(name="Anh Smith"))
    location.customer.contacts.create(kind="phone", value="+15128675309")
    job_type = JobTypeFactory()
    post = {
        "location_id": location.pk,
        "business_unit_id": job_type.business_units.first().pk,
        "job_type_id": job_type.pk,
        "summary": "No cooling upstairs",
    }
    client = client_for(miguel)
    r = client.post(f"/calls/{call.pk}/book/", post)
    html = r.content.decode()
    assert r.status_code == 409
    assert "Jasmine Carter accepted and closed this call" in html
    assert 'name="takeover" value="1">Take over and book' in html
    assert 'value="No cooling upstairs"' in html
    assert not Job.objects.exists()
    r = client.post(f"/calls/{call.pk}/book/", {**post, "takeover": "1"})
    assert r.status_code == 302
    assert Job.objects.get().summary == "No cooling upstairs"


# --- the lead names someone else ---------------------------------------------------


def test_it_asks_before_booking_a_lead_that_names_someone_else():
    csr = make_employee(Role.CSR)
    call = closed_call(csr, lead_name="Bob Jones")
    anh = LocationFactory(customer=CustomerFactory(name="Anh Smith"))
    with pytest.raises(DomainError) as asked:
        call_book_job(actor=Actor(employee=csr), call=call, **booking_body(anh))
    assert asked.value.status == 409 and asked.value.code == "confirm_customer"
    assert "names Bob Jones, not Anh Smith" in asked.value.detail
    assert not Job.objects.exists() and Lead.objects.get().status == "open"

    job = call_book_job(actor=Actor(employee=csr), call=call, confirm_customer=True, **booking_body(anh))
    lead = Lead.objects.get()
    assert lead.status == "converted" and lead.converted_job == job and job.customer.name == "Anh Smith"


def test_it_books_without_asking_when_the_lead_names_the_customer():
    csr = make_employee(Role.CSR)
    call = closed_call(csr, lead_name="anh")
    anh = LocationFactory(customer=CustomerFactory(name="Anh Smith"))
    call_book_job(actor=Actor(employee=csr), call=call, **booking_body(anh))
    assert Lead.objects.get().status == "converted"


def test_it_tells_who_a_lead_names_when_it_is_not_the_customer():
    anh, bob = CustomerFactory(name="Anh Smith"), CustomerFactory(name="Bob Jones")
    assert lead_names_someone_else(LeadFactory(name="Smith, Anh"), anh) == ""
    assert lead_names_someone_else(LeadFactory(name=""), anh) == ""
    assert lead_names_someone_else(LeadFactory(name="Bob"), anh) == "Bob"
    assert lead_names_someone_else(LeadFactory(name="Anh", customer=bob), anh) == "Bob Jones"
    assert lead_names_someone_else(LeadFactory(name="Bob", customer=anh), anh) == ""


def test_it_asks_on_the_page_and_books_once_confirmed():
    csr = make_employee(Role.CSR)
    call = closed_call(csr, lead_name="Bob Jones")
    anh = LocationFactory(customer=CustomerFactory(name="Anh Smith"))
    anh.customer.contacts.create(kind="phone", value="+15128675309")  # the caller's number: Anh is offered
    job_type = JobTypeFactory()
    post = {
        "location_id": anh.pk,
        "business_unit_id": job_type.business_units.first().pk,
        "job_type_id": job_type.pk,
    }
    client = client_for(csr)
    r = client.post(f"/calls/{call.pk}/book/", post)
    assert r.status_code == 409
    assert 'name="confirm_customer" value="1">Book for this customer' in r.content.decode()
    assert client.post(f"/calls/{call.pk}/book/", {**post, "confirm_customer": "1"}).status_code == 302
    assert Job.objects.get().customer == anh.customer


# --- the reason before the location question --------------------------------------------


def test_it_refuses_a_reason_that_is_not_a_lead_before_asking_about_the_location():
    csr = make_employee(Role.CSR)
    TrackingNumberFactory(number="+15125550100")
    call = play_call(agent=csr, seconds=120)
    call.ended_at = None
    Call.objects.filter(pk=call.pk).update(ended_at=None, classification="in_progress")
    billing = CallReasonFactory(is_lead=False, name="Billing question")
    r = client_for(csr).post(
        f"/calls/{call.pk}/close/", {"call_reason_id": billing.pk, "action": "capture", "name": "Pat"}
    )
    html = r.content.decode()
    assert r.status_code == 422
    assert "not a lead reason" in html and "Proceed without a location record?" not in html
    assert 'value="Pat"' in html
    call.refresh_from_db()
    assert call.closed_at is None and not Lead.objects.exists()


def test_it_still_asks_about_the_location_with_a_lead_reason():
    csr = make_employee(Role.CSR)
    TrackingNumberFactory(number="+15125550100")
    call = play_call(agent=csr, seconds=120)
    repair = CallReasonFactory(is_lead=True)
    r = client_for(csr).post(
        f"/calls/{call.pk}/close/", {"call_reason_id": repair.pk, "action": "capture", "name": "Pat"}
    )
    assert r.status_code == 200 and "Proceed without a location record?" in r.content.decode()


# --- dismiss reasons ----------------------------------------------------------------


def test_it_offers_only_dismiss_reasons_in_every_dismiss_list():
    csr = make_employee(Role.CSR)
    DismissReasonFactory(name="Went with another company")
    CallReasonFactory(name="Billing question", is_lead=False)
    CallReasonFactory(name="Repair request", is_lead=True)
    DismissReasonFactory(name="Old dismiss reason", active=False)
    play_call(agent=csr, seconds=120)  # an unbooked call on the Leads tab
    client = client_for(csr)
    lead = LeadFactory()
    booking = BookingFactory()
    for url in ("/calls/queue/", f"/leads/{lead.pk}/", f"/bookings/{booking.pk}/", "/leads/"):
        html = client.get(url).content.decode()
        assert "Went with another company" in html, url
        assert "Billing question" not in html and "Repair request" not in html, url
        assert "Old dismiss reason" not in html, url


def test_it_refuses_a_reason_that_is_not_a_dismiss_reason_in_every_dismiss_service():
    csr = make_employee(Role.CSR)
    actor = Actor(employee=csr)
    call = play_call(agent=csr, seconds=120)
    billing = CallReasonFactory(name="Billing question", is_lead=False)
    repair = CallReasonFactory(name="Repair request", is_lead=True)
    for reason in (billing, repair):
        for dismiss in (
            lambda r: lead_dismiss(actor=actor, lead=LeadFactory(), reason=r),
            lambda r: booking_dismiss(actor=actor, booking=BookingFactory(), reason=r),
            lambda r: call_dismiss_follow_up(actor=actor, call=call, reason=r),
        ):
            with pytest.raises(DomainError) as refused:
                dismiss(reason)
            assert refused.value.code == "not_a_dismiss_reason"
            assert refused.value.errors[0].field == "reason_id"
    assert not Lead.objects.filter(status="dismissed").exists()
    call_dismiss_follow_up(actor=actor, call=call, reason=DismissReasonFactory())
    call.refresh_from_db()
    assert call.follow_up_resolution == "dismissed"


def test_it_keeps_a_lead_reason_from_being_a_dismiss_reason(admin_api):
    r = admin_api.post("/call-reasons", {"name": "Repair", "is_lead": True, "dismisses": True})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "dismisses"
    reason = admin_api.post("/call-reasons", {"name": "Price too high", "dismisses": True}).json()
    assert reason["dismisses"] is True
    assert [x["name"] for x in admin_api.get("/call-reasons?dismisses=true").json()["items"]] == [
        "Price too high"
    ]
    assert admin_api.patch(f"/call-reasons/{reason['id']}", {"is_lead": True}).status_code == 422


# --- an invoice below zero only by a credit line ---------------------------------------


def test_it_refuses_a_correction_that_takes_the_invoice_below_zero():
    office = Actor(employee=make_employee(Role.OFFICE))
    invoice = book_job().invoice
    invoice_add_line(
        actor=office, invoice=invoice, description="Tune-up", quantity=Decimal(1), unit_price=Decimal(89)
    )
    with pytest.raises(DomainError) as refused:
        invoice_add_line(
            actor=office,
            invoice=invoice,
            description="Discount",
            quantity=Decimal(1),
            unit_price=Decimal(-100),
        )
    assert refused.value.code == "total_below_zero" and refused.value.errors[0].field == "unit_price"
    assert "-11.00" in refused.value.detail
    invoice.refresh_from_db()
    assert invoice.total == Decimal("89.00") and invoice.lines.count() == 1
    # A correction down to exactly zero is fine.
    invoice_add_line(
        actor=office,
        invoice=invoice,
        description="Void tune-up",
        quantity=Decimal(1),
        unit_price=Decimal(-89),
    )
    invoice.refresh_from_db()
    assert invoice.total == Decimal("0.00")


def test_it_takes_the_invoice_below_zero_with_a_credit_line_that_says_so():
    office = Actor(employee=make_employee(Role.OFFICE))
    invoice = book_job().invoice
    line = invoice_add_line(
        actor=office,
        invoice=invoice,
        description="Refund of last visit's deposit",
        quantity=Decimal(1),
        unit_price=Decimal(-50),
        kind="credit",
    )
    invoice.refresh_from_db()
    assert invoice.total == Decimal("-50.00") and line.kind == InvoiceLine.Kind.CREDIT
    with pytest.raises(DomainError) as refused:
        invoice_add_line(
            actor=office,
            invoice=invoice,
            description="Credit that charges",
            quantity=Decimal(1),
            unit_price=Decimal(20),
            kind="credit",
        )
    assert refused.value.errors[0].field == "unit_price"


def test_it_marks_credit_lines_in_the_api_and_on_the_page(api_as):
    job = book_job()
    api = api_as(Role.OFFICE)
    r = api.post(f"/jobs/{job.pk}/invoice/lines", {"description": "Goodwill", "unit_price": "-25"})
    assert r.status_code == 422 and r.json()["code"] == "total_below_zero"
    r = api.post(
        f"/jobs/{job.pk}/invoice/lines", {"description": "Goodwill", "unit_price": "-25", "kind": "credit"}
    )
    assert r.status_code == 201 and r.json()["total"] == "-25.00"
    assert r.json()["lines"][0]["kind"] == "credit"
    office = make_employee(Role.OFFICE)
    html = client_for(office).get(f"/jobs/{job.pk}/").content.decode()
    assert '<span class="badge">Credit</span> Goodwill' in html
