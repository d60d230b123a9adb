"""A second CSR books a call the first one closed: the panel asks for the
take-over, then whether to book the lead's caller as the customer offered."""

from __future__ import annotations

from accounts.actor import Actor
from accounts.models import Role
from calls.models import Call
from calls.services import LeadDetails, call_close
from calls.tests.factories import play_call
from catalog.tests.factories import CallReasonFactory, JobTypeFactory, TrackingNumberFactory
from conftest import make_employee
from customers.tests.factories import CustomerFactory, LocationFactory
from jobs.models import Job
from leads.models import Lead
from leads.services import Contact


def test_it_books_another_csrs_call_after_a_take_over_and_a_customer_check(page, login):
    jasmine = make_employee(Role.CSR, name="Jasmine Carter")
    miguel = make_employee(Role.CSR, name="Miguel Hernandez")
    TrackingNumberFactory(number="+15125550100")
    call = play_call(agent=jasmine, seconds=120)
    call_close(
        actor=Actor(employee=jasmine),
        call=call,
        call_reason=CallReasonFactory(is_lead=True, name="Repair request"),
        lead=LeadDetails(contact=Contact(name="Bob Jones", phone="+15128675309")),
        confirm_without_location=True,
    )
    anh = LocationFactory(customer=CustomerFactory(name="Anh Smith"), street="4501 Duval St")
    anh.customer.contacts.create(kind="phone", value="+15128675309")
    job_type = JobTypeFactory(name="AC repair")

    login(miguel.user.username)
    page.goto(f"/calls/{call.pk}/")
    page.get_by_role("heading", name="Book job").wait_for()
    page.get_by_label("Business unit").select_option(str(job_type.business_units.first().pk))
    page.get_by_label("Job type").select_option(str(job_type.pk))
    page.get_by_label("Job summary").fill("No cooling upstairs")
    page.get_by_role("button", name="Book job", exact=True).click()

    page.get_by_text("Jasmine Carter accepted and closed this call").wait_for()
    assert page.get_by_label("Job summary").input_value() == "No cooling upstairs"
    assert not Job.objects.exists()
    page.get_by_role("button", name="Take over and book").click()

    page.get_by_text("names Bob Jones, not Anh Smith").wait_for()
    assert not Job.objects.exists()
    assert Call.objects.get(pk=call.pk).accepted_by == jasmine  # nothing kept from an unfinished booking
    page.get_by_role("button", name="Book for this customer").click()

    page.get_by_text("booked; the call is booked").wait_for()
    job = Job.objects.get()
    assert job.customer == anh.customer and job.summary == "No cooling upstairs"
    call.refresh_from_db()
    assert call.job == job and call.accepted_by == miguel
    assert Lead.objects.get().converted_job == job
