# factory_boy's metaclass __call__ is untyped, so mypy reads Factory() as the factory, not the model.
import re

from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory
from conftest import make_employee
from core.testing.browser import wait_until
from customers.models import Customer
from jobs.models import Job


def test_it_lets_a_csr_create_a_customer_and_book_a_job_with_a_zero_invoice(page, login):
    hvac = BusinessUnitFactory(name="HVAC Service")
    plumbing = BusinessUnitFactory(name="Plumbing")
    JobTypeFactory(name="AC Estimate", business_units=[hvac])
    JobTypeFactory(name="Water Heater Install", business_units=[plumbing])
    make_employee(Role.TECHNICIAN, name="Tom Tech")
    csr = make_employee(Role.CSR, name="Casey Rivera")
    assert csr.user is not None
    login(csr.user.username)

    # The caller is not on file: the live search says so and offers to create them.
    page.goto("/customers/")
    page.get_by_label("Search customers").fill("512-555-0142")
    page.get_by_role("link", name="Create a new customer").click()
    assert page.get_by_label("Phone").input_value() == "512-555-0142"
    page.get_by_label("Name").fill("Maria Gonzalez")
    page.get_by_label("Street").fill("400 Elm Ave")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State").fill("TX")
    page.get_by_label("ZIP").fill("78701")
    page.get_by_role("button", name="Create customer").click()

    customer = Customer.objects.get(name="Maria Gonzalez")
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert page.get_by_role("heading", name="Maria Gonzalez").is_visible()
    assert page.get_by_text("(512) 555-0142").is_visible()
    page.get_by_role("link", name="Book job at 400 Elm Ave, Austin, TX 78701").click()

    assert page.get_by_label("Location").input_value() == str(customer.locations.get().pk)
    page.get_by_label("Business unit").select_option(label="HVAC Service")
    # The job types swap to the business unit's own.
    job_type = page.get_by_label("Job type")
    wait_until(page, "!document.querySelector('#id_job_type_id').textContent.includes('Water Heater')")
    job_type.select_option(label="AC Estimate")
    page.get_by_label("Start date").fill("2030-03-04")
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("Technician").select_option(label="Tom Tech")
    page.get_by_label("Summary").fill("Free estimate for a new AC unit")
    page.get_by_role("button", name="Book job").click()

    job = Job.objects.get()
    page.wait_for_url(f"**/jobs/{job.pk}/")
    assert page.get_by_role("heading", name=f"Job #{job.number}").is_visible()
    assert page.get_by_test_id("invoice-total").inner_text() == "$0.00"
    assert page.get_by_text("Mon, Mar 4, 2030 9:30 AM").is_visible()
    assert re.search(r"Booked the job with its invoice", page.content())
    assert job.invoice.total == 0
    assert job.technician is not None and job.technician.name == "Tom Tech"
