import re
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, CampaignFactory, JobTypeFactory
from conftest import make_employee
from core.testing.browser import wait_until
from customers.models import Customer
from jobs.models import Job
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.tests.factories import LeadFactory


def pick_business_unit(page, scope, label):
    """Choose a business unit and wait for htmx to narrow the job types, so the
    next choice is not undone by the swap."""
    with page.expect_response(lambda r: "/job-types/hx/" in r.url):
        scope.get_by_label("Business unit").select_option(label=label)
    wait_until(page, "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_it_captures_a_lead_without_a_location_after_asking(page, login):
    csr = make_employee(Role.CSR)
    campaign = CampaignFactory(name="Google Ads")
    login(csr.user.username)
    page.goto("/leads/new/")
    page.get_by_label("Name").fill("Pat Caller")
    page.get_by_label("Phone").fill("512 867 5309")
    page.get_by_label("Campaign").select_option(label=campaign.name)
    page.get_by_role("button", name="Save lead").click()
    page.get_by_role("heading", name="Proceed without a location record?").wait_for()
    assert not Lead.objects.exists()
    assert page.get_by_label("Name").input_value() == "Pat Caller"
    page.get_by_role("button", name="Proceed without a location").click()
    page.wait_for_url(re.compile(r"/leads/\d+/$"))
    lead = Lead.objects.get()
    assert lead.phone == "+15128675309" and lead.location is None
    assert page.locator(".marker-lead").first.text_content() == "Lead"


def test_it_converts_a_lead_with_a_new_customer_and_location(page, login):
    csr = make_employee(Role.CSR)
    bu = BusinessUnitFactory(name="HVAC Service")
    jt = JobTypeFactory(name="AC repair", business_units=[bu])
    lead = LeadFactory(name="Dana Lee", email="dana@example.com", city="Austin", street="")
    login(csr.user.username)
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Convert to job").click()
    page.get_by_label("New customer and location").check()
    page.get_by_label("Street").fill("12 Elm St")
    page.get_by_label("State").fill("TX")
    page.get_by_label("Zip").fill("78702")
    pick_business_unit(page, page, "HVAC Service")
    page.get_by_label("Job type").select_option(label="AC repair")
    page.get_by_role("button", name="Book job").click()
    job_url = re.compile(r"/jobs/\d+/$")
    page.wait_for_url(job_url)  # after converting, the CSR lands on the job
    assert "Booked job" in page.locator(".messages").inner_text()
    page.locator(".messages").get_by_role("link", name=f"lead {lead.pk}").click()
    page.wait_for_url(f"**/leads/{lead.pk}/")
    customer = Customer.objects.get()
    job = Job.objects.get()
    assert customer.name == "Dana Lee" and job.location.street == "12 Elm St" and job.job_type == jt
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_job == job and job.invoice is not None


def test_it_books_from_the_job_screens_create_lead_flyout(page, login):
    tech = make_employee(Role.TECHNICIAN, name="Tess Tech")
    installer = make_employee(Role.TECHNICIAN, name="Ivan Installer")
    bu = BusinessUnitFactory(name="HVAC Install")
    JobTypeFactory(name="Furnace install", business_units=[bu])
    origin = book_job(technician=tech)
    login(tech.user.username)
    page.goto(f"/jobs/{origin.pk}/")
    page.get_by_role("link", name="Lead", exact=True).click()
    flyout = page.get_by_role("dialog", name="Create lead")
    flyout.wait_for()
    pick_business_unit(page, flyout, "HVAC Install")
    flyout.get_by_label("Job type").select_option(label="Furnace install")  # narrowed by htmx
    day = timezone.localdate() + timedelta(days=3)
    flyout.get_by_label("Start date").fill(day.isoformat())
    flyout.get_by_label("Start time").fill("10:30")
    flyout.get_by_label("Technician").select_option(label="Ivan Installer")
    flyout.get_by_label("Summary").fill("Furnace is 25 years old")
    flyout.get_by_role("button", name="Book").click()
    # The new job is Ivan's, which Tess may not open: she stays on the job she is on.
    page.get_by_text("assigned to Ivan Installer").wait_for()
    assert page.url.endswith(f"/jobs/{origin.pk}/") and not flyout.is_visible()
    new_job = Job.objects.exclude(pk=origin.pk).get()
    assert new_job.lead_setting_employee == tech and new_job.technician == installer
    assert new_job.customer == origin.customer and new_job.location == origin.location
    lead = Lead.objects.get()
    assert lead.type == "job_generated" and lead.status == "converted" and lead.converted_job == new_job
    assert lead.lead_setting_employee == tech and lead.technician == installer


def test_it_traps_focus_in_the_create_lead_flyout_and_closes_it_on_escape(page, login):
    tech = make_employee(Role.TECHNICIAN, name="Tess Tech")
    BusinessUnitFactory(name="HVAC Install")
    origin = book_job(technician=tech)
    login(tech.user.username)
    page.goto(f"/jobs/{origin.pk}/")
    opener = page.get_by_role("link", name="Lead", exact=True)
    opener.focus()
    page.keyboard.press("Enter")
    flyout = page.get_by_role("dialog", name="Create lead")
    flyout.wait_for()
    # The flyout takes focus: the first field, not the page behind it.
    wait_until(page, "() => document.querySelector('[role=dialog]').contains(document.activeElement)")
    assert page.evaluate("document.activeElement.tagName") in ("SELECT", "INPUT")
    # Tab and Shift+Tab go round inside it, however many times.
    for _ in range(40):
        page.keyboard.press("Tab")
        assert page.evaluate("document.querySelector('[role=dialog]').contains(document.activeElement)")
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.querySelector('[role=dialog]').contains(document.activeElement)")
    page.keyboard.press("Escape")
    flyout.wait_for(state="detached")
    # Focus goes back to the Lead button that opened it.
    assert page.evaluate("document.activeElement.textContent.trim()") == "Lead"
