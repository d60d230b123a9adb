from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from catalog.tests.factories import (
    BusinessUnitFactory,
    CallReasonFactory,
    CampaignFactory,
    DismissReasonFactory,
    JobTypeFactory,
)
from conftest import make_employee
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.models import Job
from jobs.tests.factories import book_job
from leads.models import Lead, LeadActivity
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def client_for(role: str = Role.CSR):
    employee = make_employee(role)
    c = Client()
    c.force_login(employee.user)
    c.employee = employee
    return c


@pytest.fixture
def csr():
    return client_for()


def test_it_lists_open_leads_overdue_first(csr):
    today = timezone.localdate()
    LeadFactory(name="Later Larry", follow_up_on=today + timedelta(days=2))
    LeadFactory(name="Overdue Olga", follow_up_on=today - timedelta(days=1))
    LeadFactory(name="Gone Gina", status="dismissed", dismiss_reason=CallReasonFactory())
    html = csr.get("/leads/").content.decode()
    assert html.index("Overdue Olga") < html.index("Later Larry")
    assert "Gone Gina" not in html and "overdue" in html


def test_it_searches_the_queue_by_phone_in_any_format(csr):
    LeadFactory(name="Ann", phone="+15128675309")
    LeadFactory(name="Bob")
    html = csr.get("/leads/", {"q": "512.867.5309"}).content.decode()
    assert "Ann" in html and "Bob" not in html


def test_it_reports_a_bad_filter_instead_of_failing(csr):
    r = csr.get("/leads/", {"priority": "meh", "follow_up_after": "notadate"})
    assert r.status_code == 200 and "Ignored the priority filter" in r.content.decode()


def test_it_exports_the_filtered_queue_as_csv(csr):
    bu = BusinessUnitFactory()
    LeadFactory(name="In Unit", business_unit=bu)
    LeadFactory(name="Elsewhere")
    r = csr.get("/leads/export.csv", {"business_unit_id": bu.pk})
    body = b"".join(r.streaming_content).decode()
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert "In Unit" in body and "Elsewhere" not in body and body.startswith("id,type,status")


def test_it_bulk_assigns_and_dismisses(csr):
    a, b = LeadFactory(), LeadFactory()
    other = make_employee(Role.CSR)
    r = csr.post(
        "/leads/bulk/", {"ids": [a.pk, b.pk], "action": "assign", "assignee": other.pk, "next": "/leads/"}
    )
    assert r.status_code == 302
    assert set(Lead.objects.values_list("assignee", flat=True)) == {other.pk}
    csr.post("/leads/bulk/", {"ids": [a.pk], "action": "dismiss", "reason": ""})
    assert Lead.objects.get(pk=a.pk).status == "open"
    reason = DismissReasonFactory()
    csr.post("/leads/bulk/", {"ids": [a.pk, b.pk], "action": "dismiss", "reason": reason.pk})
    assert set(Lead.objects.values_list("status", flat=True)) == {"dismissed"}


def test_it_keeps_the_queue_from_other_roles():
    tech = client_for(Role.TECHNICIAN)
    assert tech.get("/leads/").status_code == 403
    assert tech.post("/leads/bulk/", {"ids": [LeadFactory().pk], "action": "assign"}).status_code == 403
    assert Client().get("/leads/").status_code == 302


def test_it_asks_before_capturing_without_a_location_and_keeps_what_was_typed(csr):
    campaign = CampaignFactory()
    data = {
        "type": "marketing",
        "campaign": campaign.pk,
        "name": "Pat",
        "phone": "512 867 5309",
        "priority": "normal",
    }
    r = csr.post("/leads/new/", data)
    html = r.content.decode()
    assert r.status_code == 200 and "Proceed without a location record?" in html
    assert 'value="Pat"' in html and not Lead.objects.exists()
    r = csr.post("/leads/new/", {**data, "confirm_without_location": "on"})
    lead = Lead.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/leads/{lead.pk}/"


def test_it_shows_capture_errors_beside_the_fields(csr):
    r = csr.post("/leads/new/", {"type": "marketing", "name": "Pat", "confirm_without_location": "on"})
    html = r.content.decode()
    assert "A phone or an email is required" in html and "A marketing lead needs its campaign" in html
    assert 'value="Pat"' in html and not Lead.objects.exists()


def test_it_captures_for_a_customer_with_their_location(csr):
    location = LocationFactory()
    PhoneFactory(customer=location.customer)
    r = csr.get(f"/leads/new/?customer={location.customer.pk}")
    assert location.customer.name in r.content.decode()
    r = csr.post(
        f"/leads/new/?customer={location.customer.pk}",
        {"type": "marketing", "campaign": CampaignFactory().pk, "location": location.pk},
    )
    assert r.status_code == 302
    lead = Lead.objects.get()
    assert lead.customer == location.customer and lead.location == location


def test_it_marks_a_lead_without_customer_on_its_page(csr):
    lead = LeadFactory()
    html = csr.get(f"/leads/{lead.pk}/").content.decode()
    assert '<div class="marker-lead"' in html
    lead.customer = LocationFactory().customer
    lead.save()
    assert '<div class="marker-lead"' not in csr.get(f"/leads/{lead.pk}/").content.decode()


def test_it_records_a_follow_up_and_rejects_a_past_date(csr):
    lead = LeadFactory()
    r = csr.post(f"/leads/{lead.pk}/follow-up/", {"note": "Called", "outcome": "spoke"})
    assert r.status_code == 302
    past = timezone.localdate() - timedelta(days=3)
    r = csr.post(f"/leads/{lead.pk}/follow-up/", {"note": "Again", "next_follow_up_on": past.isoformat()})
    assert r.status_code == 400 and "is in the past" in r.content.decode()
    assert LeadActivity.objects.filter(lead=lead).count() == 1


def test_it_dismisses_reopens_and_pins_from_the_page(csr):
    lead = LeadFactory()
    assert csr.post(f"/leads/{lead.pk}/dismiss/", {"note": "x"}).status_code == 400
    csr.post(f"/leads/{lead.pk}/dismiss/", {"reason": DismissReasonFactory().pk})
    assert Lead.objects.get(pk=lead.pk).status == "dismissed"
    csr.post(f"/leads/{lead.pk}/reopen/")
    assert Lead.objects.get(pk=lead.pk).status == "open"
    csr.post(f"/leads/{lead.pk}/note/", {"text": "Dog in yard"})
    note = LeadActivity.objects.get(kind="note")
    csr.post(f"/leads/{lead.pk}/notes/{note.pk}/pin/", {"pinned": "1"})
    assert LeadActivity.objects.get(pk=note.pk).pinned


def test_it_links_and_merges_from_the_page(csr):
    phone = PhoneFactory(value="+15125550199")
    location = LocationFactory(customer=phone.customer)
    lead = LeadFactory(phone="+15125550199")
    dup = LeadFactory(phone="+15125550199")
    html = csr.get(f"/leads/{lead.pk}/").content.decode()
    assert "Link to a customer" in html and "Merge into this lead" in html
    csr.post(f"/leads/{lead.pk}/merge/", {"other": dup.pk})
    csr.post(f"/leads/{lead.pk}/link/", {"customer": phone.customer.pk, "location": location.pk})
    lead.refresh_from_db()
    assert lead.customer == phone.customer and lead.location == location
    assert Lead.objects.get(pk=dup.pk).merged_into == lead


def test_it_converts_from_the_page_naming_what_is_missing(csr):
    bu = BusinessUnitFactory()
    jt = JobTypeFactory(business_units=[bu])
    lead = LeadFactory(name="Pat", street="", city="Austin")
    data = {
        "customer_mode": "new",
        "new_name": "Pat",
        "new_type": "residential",
        "city": "Austin",
        "business_unit": bu.pk,
        "job_type": jt.pk,
        "priority": "normal",
    }
    r = csr.post(f"/leads/{lead.pk}/convert/", data)
    html = r.content.decode()
    assert r.status_code == 200 and "is required for a service location" in html and not Job.objects.exists()
    r = csr.post(f"/leads/{lead.pk}/convert/", {**data, "street": "1 Elm", "state": "TX", "zip": "78701"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_job.location.street == "1 Elm"
    # After converting, the CSR lands on the new job, told which lead it came from (a link).
    assert r["Location"] == f"/jobs/{lead.converted_job_id}/"
    page = csr.get(r["Location"]).content.decode()
    assert (
        f'Booked job {lead.converted_job.number} from <a href="/leads/{lead.pk}/">lead {lead.pk}</a>.' in page
    )


def test_it_shows_the_job_flyout_only_to_whom_may_use_it():
    tech = client_for(Role.TECHNICIAN)
    mine, theirs = book_job(technician=tech.employee), book_job()
    assert tech.get(f"/leads/from-job/{mine.pk}/hx/").status_code == 200
    assert tech.get(f"/leads/from-job/{theirs.pk}/hx/").status_code == 404
    assert tech.post(f"/leads/from-job/{theirs.pk}/hx/", {"action": "save"}).status_code == 404
    assert not Lead.objects.exists()


def test_it_saves_a_job_lead_for_follow_up_from_the_flyout():
    tech = client_for(Role.TECHNICIAN)
    job = book_job(technician=tech.employee)
    r = tech.post(f"/leads/from-job/{job.pk}/hx/", {"action": "save", "summary": "Old water heater"})
    lead = Lead.objects.get()
    assert r.status_code == 204 and r["HX-Redirect"] == f"/leads/{lead.pk}/"
    assert lead.lead_setting_employee == tech.employee and lead.status == "open"
    assert tech.get(f"/leads/{lead.pk}/").status_code == 200


def test_it_lists_a_customers_leads_in_the_partial(csr):
    from django.template.loader import render_to_string

    location = LocationFactory()
    lead = LeadFactory(customer=location.customer, summary="Boiler")
    html = render_to_string(
        "leads/_customer_leads.html", {"customer": location.customer, "can": {"work_leads": True}}
    )
    assert f"/leads/{lead.pk}/" in html and "Boiler" in html


def test_it_shows_flyout_errors_where_htmx_swaps_them(csr):
    job = book_job()
    r = csr.post(f"/leads/from-job/{job.pk}/hx/", {"action": "book"})
    assert r.status_code == 200 and "is required to book the job" in r.content.decode()
    assert not Lead.objects.exists()


def test_it_leaves_a_technician_on_their_job_when_the_new_one_is_not_theirs():
    tech = client_for(Role.TECHNICIAN)
    other = make_employee(Role.TECHNICIAN)
    job = book_job(technician=tech.employee)
    jt = JobTypeFactory()
    body = {"business_unit": jt.business_units.first().pk, "job_type": jt.pk}
    r = tech.post(f"/leads/from-job/{job.pk}/hx/", {**body, "action": "book", "technician": other.pk})
    new_job = Job.objects.exclude(pk=job.pk).get()
    assert r.status_code == 204 and r["HX-Redirect"] == f"/jobs/{job.pk}/"
    assert tech.get(f"/jobs/{new_job.pk}/").status_code == 404
    assert f"Booked job {new_job.number}" in tech.get(r["HX-Redirect"]).content.decode()

    r = tech.post(f"/leads/from-job/{job.pk}/hx/", {**body, "action": "book", "technician": tech.employee.pk})
    mine = Job.objects.exclude(pk__in=[job.pk, new_job.pk]).get()
    assert r["HX-Redirect"] == f"/jobs/{mine.pk}/"

    r = tech.post(f"/leads/from-job/{job.pk}/hx/", {"action": "save", "lead_setting_employee": other.pk})
    assert r["HX-Redirect"] == f"/jobs/{job.pk}/"


def test_it_takes_the_office_to_the_booked_job():
    csr = client_for(Role.CSR)
    job, jt = book_job(), JobTypeFactory()
    r = csr.post(
        f"/leads/from-job/{job.pk}/hx/",
        {"action": "book", "business_unit": jt.business_units.first().pk, "job_type": jt.pk},
    )
    new_job = Job.objects.exclude(pk=job.pk).get()
    assert r.status_code == 204 and r["HX-Redirect"] == f"/jobs/{new_job.pk}/"


@pytest.mark.parametrize("evil", ["//evil.example/", "https://evil.example/x", "///evil.example"])
def test_bulk_never_redirects_off_site(csr, evil):
    lead = LeadFactory()
    r = csr.post("/leads/bulk/", {"ids": [lead.pk], "action": "assign", "assignee": "", "next": evil})
    assert r.status_code == 302
    assert r["Location"] == "/leads/"


def test_bulk_returns_to_a_page_on_this_site(csr):
    lead = LeadFactory()
    r = csr.post(
        "/leads/bulk/", {"ids": [lead.pk], "action": "assign", "assignee": "", "next": "/leads/?q=x"}
    )
    assert r["Location"] == "/leads/?q=x"


def test_the_export_writes_formulas_as_text(csr):
    LeadFactory(name='=HYPERLINK("http://x")', city="@SUM(1)", summary="+cmd", campaign__name="-2+3")
    body = b"".join(csr.get("/leads/export.csv").streaming_content).decode()
    assert "'=HYPERLINK" in body and "'@SUM(1)" in body and "'+cmd" in body and "'-2+3" in body


def test_it_keeps_the_picked_job_type_when_the_business_unit_changes_and_offers_it(csr):
    hvac, plumbing = BusinessUnitFactory(name="HVAC"), BusinessUnitFactory(name="Plumbing")
    repair = JobTypeFactory(name="AC repair", business_units=[hvac])
    JobTypeFactory(name="Tune-up", business_units=[hvac])
    url = reverse("lead_job_types_hx")
    html = csr.get(url, {"business_unit": hvac.pk, "job_type": repair.pk}).content.decode()
    assert f'<option value="{repair.pk}" selected>AC repair</option>' in html
    assert html.count("selected") == 1
    html = csr.get(url, {"business_unit": plumbing.pk, "job_type": repair.pk}).content.decode()
    assert "AC repair" not in html and "selected" not in html
