# factory_boy's metaclass __call__ is untyped, so mypy reads Factory() as the factory, not the model.
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, CampaignFactory, JobTypeFactory, TagFactory
from conftest import make_employee
from core.models import AuditEntry
from customers.tests.factories import LocationFactory
from jobs.models import Invoice, InvoiceLine, Job
from jobs.services import invoice_add_line, job_set_status
from jobs.tests.factories import book_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_as(client):
    def sign_in(role, **kwargs):
        employee = make_employee(role, **kwargs)
        client.force_login(employee.user)
        client.employee = employee
        return client

    return sign_in


@pytest.fixture
def reference():
    hvac = BusinessUnitFactory(name="HVAC Service")
    plumbing = BusinessUnitFactory(name="Plumbing")
    ac = JobTypeFactory(name="AC Repair", business_units=[hvac], default_priority="high")
    heater = JobTypeFactory(name="Water Heater", business_units=[plumbing])
    tech = make_employee(Role.TECHNICIAN, name="Tom Tech")
    return {"hvac": hvac, "plumbing": plumbing, "ac": ac, "heater": heater, "tech": tech}


# ---- book a job ------------------------------------------------------------


def test_it_offers_only_the_customers_locations_and_active_technicians(login_as, reference):
    client = login_as(Role.CSR)
    loc = LocationFactory(street="400 Elm Ave")
    LocationFactory(street="9 Elsewhere Rd")
    make_employee(Role.TECHNICIAN, name="Gone Tech", active=False)
    make_employee(Role.CSR, name="Casey CSR")
    r = client.get(reverse("job_new"), {"customer": loc.customer.pk, "location": loc.pk})
    assert r.status_code == 200
    html = r.content.decode()
    assert "400 Elm Ave" in html and "9 Elsewhere Rd" not in html
    assert "Tom Tech" in html and "Gone Tech" not in html and "Casey CSR" not in html
    assert r.context["form"].initial["location_id"] == loc.pk


def test_it_asks_for_the_customer_first(login_as):
    r = login_as(Role.CSR).get(reverse("job_new"))
    assert r.status_code == 200 and "Find the customer first" in r.content.decode()


@pytest.mark.parametrize("role", [Role.TECHNICIAN])
def test_it_refuses_booking_to_roles_without_book_jobs(login_as, reference, role):
    client = login_as(role)
    loc = LocationFactory()
    assert client.get(reverse("job_new"), {"customer": loc.customer.pk}).status_code == 403
    r = client.post(
        reverse("job_new"),
        {
            "customer_id": loc.customer.pk,
            "location_id": loc.pk,
            "business_unit_id": reference["hvac"].pk,
            "job_type_id": reference["ac"].pk,
        },
    )
    assert r.status_code == 403
    assert not Job.objects.exists()


def test_it_books_a_job_with_its_invoice_and_goes_to_the_job_page(login_as, reference):
    client = login_as(Role.CSR)
    loc = LocationFactory()
    campaign = CampaignFactory()
    tag = TagFactory()
    r = client.post(
        reverse("job_new"),
        {
            "customer_id": loc.customer.pk,
            "location_id": loc.pk,
            "business_unit_id": reference["hvac"].pk,
            "job_type_id": reference["ac"].pk,
            "priority": "",
            "start_date": "2030-03-04",
            "start_time": "09:30",
            "technician_id": reference["tech"].pk,
            "campaign_id": campaign.pk,
            "summary": "  AC blowing warm  ",
            "tags": [tag.pk],
        },
    )
    job = Job.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("job_detail", args=[job.pk])
    assert job.priority == "high"  # the job type's default
    assert job.start == dt.datetime(2030, 3, 4, 9, 30, tzinfo=ZoneInfo("America/Chicago"))
    assert job.technician == reference["tech"] and job.campaign == campaign
    assert job.summary == "AC blowing warm" and list(job.tags.all()) == [tag]
    assert job.created_by == client.employee
    assert job.invoice.total == Decimal("0.00")


def test_it_shows_a_job_type_outside_the_business_unit_beside_the_field_and_keeps_the_input(
    login_as, reference
):
    client = login_as(Role.CSR)
    loc = LocationFactory()
    r = client.post(
        reverse("job_new"),
        {
            "customer_id": loc.customer.pk,
            "location_id": loc.pk,
            "business_unit_id": reference["plumbing"].pk,
            "job_type_id": reference["ac"].pk,
            "summary": "Leaking under the sink",
            "start_date": "2030-03-04",
        },
    )
    assert r.status_code == 422
    errors = r.context["form"].errors
    assert errors["start_time"] == ["Start time is needed with a start date."]
    assert not Job.objects.exists()
    # With the dates fixed, the service's own rule is named beside the job type.
    r = client.post(
        reverse("job_new"),
        {
            "customer_id": loc.customer.pk,
            "location_id": loc.pk,
            "business_unit_id": reference["plumbing"].pk,
            "job_type_id": reference["ac"].pk,
            "summary": "Leaking under the sink",
        },
    )
    assert r.status_code == 422
    assert r.context["form"].errors["job_type_id"] == [
        "Job type 'AC Repair' does not belong to business unit 'Plumbing'"
    ]
    html = r.content.decode()
    assert "Leaking under the sink" in html
    assert f'<option value="{reference["plumbing"].pk}" selected>' in html
    assert not Job.objects.exists()


def test_it_refuses_another_customers_location_and_original_job(login_as, reference):
    client = login_as(Role.CSR)
    loc = LocationFactory()
    others = book_job(job_type=reference["ac"])
    r = client.post(
        reverse("job_new"),
        {
            "customer_id": loc.customer.pk,
            "location_id": others.location.pk,
            "business_unit_id": reference["hvac"].pk,
            "job_type_id": reference["ac"].pk,
        },
    )
    assert r.status_code == 422
    assert "is not one of customer" in r.context["form"].errors["location_id"][0]
    r = client.post(
        reverse("job_new"),
        {
            "customer_id": loc.customer.pk,
            "location_id": loc.pk,
            "business_unit_id": reference["hvac"].pk,
            "job_type_id": reference["ac"].pk,
            "recall_for_id": others.pk,
        },
    )
    assert r.context["form"].errors["recall_for_id"] == [f"Job {others.number} belongs to another customer"]
    assert Job.objects.count() == 1


def test_it_books_a_recall_of_the_customers_own_job(login_as, reference):
    client = login_as(Role.CSR)
    original = book_job(job_type=reference["ac"])
    r = client.post(
        reverse("job_new"),
        {
            "customer_id": original.customer.pk,
            "location_id": original.location.pk,
            "business_unit_id": reference["hvac"].pk,
            "job_type_id": reference["ac"].pk,
            "recall_for_id": original.pk,
        },
    )
    assert r.status_code == 302
    assert Job.objects.get(recall_for=original).kind_label == "Recall"


def test_it_filters_job_type_options_by_business_unit(login_as, reference):
    client = login_as(Role.CSR)
    r = client.get(
        reverse("job_type_options_hx"),
        {"business_unit_id": reference["hvac"].pk, "job_type_id": reference["ac"].pk},
    )
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert f'<option value="{reference["ac"].pk}" selected>AC Repair</option>' in html
    assert "Water Heater" not in html
    everything = client.get(reverse("job_type_options_hx")).content.decode()
    assert "AC Repair" in everything and "Water Heater" in everything


def test_it_refuses_job_type_options_to_a_technician(login_as):
    assert login_as(Role.TECHNICIAN).get(reverse("job_type_options_hx")).status_code == 403


# ---- job page --------------------------------------------------------------


def test_it_shows_a_free_estimate_job_with_its_zero_invoice_and_history(login_as, reference):
    client = login_as(Role.CSR)
    job = book_job(job_type=reference["ac"], technician=reference["tech"], summary="Free estimate")
    r = client.get(reverse("job_detail", args=[job.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert f"Job #{job.number}" in html and "Scheduled" in html and "Tom Tech" in html
    assert 'data-testid="invoice-total">$0.00<' in html
    assert [h["what"] for h in r.context["history"]] == ["Booked the job with its invoice"]
    assert r.context["nav"] == "jobs"
    # A CSR books jobs but does not run them or their invoices.
    assert r.context["status_buttons"] == [] and r.context["invoice_buttons"] == []
    assert r.context["line_form"] is None


def test_it_merges_job_and_invoice_history_newest_first(login_as, reference):
    client = login_as(Role.OFFICE)
    job = book_job(job_type=reference["ac"])
    actor = Actor(employee=client.employee)
    invoice_add_line(
        actor=actor,
        invoice=job.invoice,
        description="Capacitor",
        quantity=Decimal("2"),
        unit_price=Decimal("1200.50"),
    )
    job_set_status(actor=actor, job=job, status="dispatched")
    r = client.get(reverse("job_detail", args=[job.pk]))
    assert [h["what"] for h in r.context["history"]] == [
        "Job status scheduled → dispatched",
        "Added invoice line “Capacitor” ($2,401.00)",
        "Booked the job with its invoice",
    ]
    html = r.content.decode()
    assert "$1,200.50" in html and "$2,401.00" in html
    assert [s for s, _ in r.context["status_buttons"]] == ["scheduled", "working", "canceled"]
    assert [s for s, _ in r.context["invoice_buttons"]] == ["posted", "void"]


def test_it_lets_a_technician_see_only_their_own_jobs(client, reference):
    other_tech = make_employee(Role.TECHNICIAN)
    mine = book_job(job_type=reference["ac"], technician=reference["tech"])
    theirs = book_job(job_type=reference["ac"], technician=other_tech)
    client.force_login(reference["tech"].user)
    assert client.get(reverse("job_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("job_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("job_status", args=[theirs.pk]), {"status": "working"}).status_code == 404
    listed = client.get(reverse("job_list"))
    assert [j.pk for j in listed.context["jobs"]] == [mine.pk]


def test_it_lets_the_assigned_technician_change_the_status(client, reference):
    job = book_job(job_type=reference["ac"], technician=reference["tech"])
    client.force_login(reference["tech"].user)
    r = client.post(reverse("job_status", args=[job.pk]), {"status": "working"})
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == "working"
    entry = AuditEntry.for_entity("job", job.pk).first()
    assert entry is not None
    assert entry.action == "status" and entry.employee == reference["tech"]


def test_it_refuses_status_changes_to_a_csr_and_reports_a_refused_transition(login_as, reference):
    job = book_job(job_type=reference["ac"])
    csr = login_as(Role.CSR)
    assert csr.post(reverse("job_status", args=[job.pk]), {"status": "working"}).status_code == 403
    office = login_as(Role.OFFICE)
    r = office.post(reverse("job_status", args=[job.pk]), {"status": "completed"}, follow=True)
    assert "cannot become completed" in r.content.decode()
    job.refresh_from_db()
    assert job.status == "scheduled"


def test_it_adds_an_invoice_line_and_moves_the_invoice_on(login_as, reference):
    client = login_as(Role.OFFICE)
    job = book_job(job_type=reference["ac"])
    r = client.post(
        reverse("invoice_line_add", args=[job.pk]),
        {"description": "Capacitor", "quantity": "2", "unit_price": "1234.5"},
    )
    assert r.status_code == 302
    assert Invoice.objects.get().total == Decimal("2469.00")
    assert client.post(reverse("invoice_status", args=[job.pk]), {"status": "posted"}).status_code == 302
    assert Invoice.objects.get().status == "posted"
    page = client.get(reverse("job_detail", args=[job.pk]))
    assert page.context["line_form"] is None  # a posted invoice takes no more lines
    assert [s for s, _ in page.context["invoice_buttons"]] == ["paid"]
    r = client.post(reverse("invoice_status", args=[job.pk]), {"status": "void"}, follow=True)
    assert "cannot become void" in r.content.decode()
    assert Invoice.objects.get().status == "posted"


def test_it_keeps_a_bad_invoice_line_typed_with_the_error_beside_it(login_as, reference):
    client = login_as(Role.OFFICE)
    job = book_job(job_type=reference["ac"])
    r = client.post(
        reverse("invoice_line_add", args=[job.pk]),
        {"description": "Refrigerant", "quantity": "0", "unit_price": "80"},
    )
    assert r.status_code == 422
    assert r.context["line_form"].errors["quantity"] == ["Qty must not be zero"]
    assert 'value="Refrigerant"' in r.content.decode()
    assert not InvoiceLine.objects.exists()


def test_it_refuses_invoice_changes_to_a_csr(login_as, reference):
    job = book_job(job_type=reference["ac"])
    client = login_as(Role.CSR)
    r = client.post(reverse("invoice_line_add", args=[job.pk]), {"description": "X", "unit_price": "1"})
    assert r.status_code == 403
    assert client.post(reverse("invoice_status", args=[job.pk]), {"status": "posted"}).status_code == 403
    assert not InvoiceLine.objects.exists() and Invoice.objects.get().status == "pending"


# ---- jobs list -------------------------------------------------------------


def test_it_lists_jobs_newest_first_with_filters(login_as, reference):
    client = login_as(Role.CSR)
    tz = timezone.get_current_timezone()
    day = dt.date(2030, 3, 4)
    early = book_job(job_type=reference["ac"], start=dt.datetime(2030, 3, 4, 0, 30, tzinfo=tz))
    late = book_job(
        job_type=reference["ac"],
        start=dt.datetime(2030, 3, 4, 23, 30, tzinfo=tz),
        technician=reference["tech"],
    )
    book_job(job_type=reference["ac"], start=dt.datetime(2030, 3, 5, 0, 30, tzinfo=tz))
    canceled = book_job(job_type=reference["ac"])
    job_set_status(actor=Actor(superuser=True), job=canceled, status="canceled")

    everything = client.get(reverse("job_list"))
    assert [j.pk for j in everything.context["jobs"]] == sorted(
        (j.pk for j in Job.objects.all()), reverse=True
    )
    on_day = client.get(reverse("job_list"), {"date": day.isoformat()})
    assert [j.pk for j in on_day.context["jobs"]] == [late.pk, early.pk]
    by_tech = client.get(reverse("job_list"), {"technician": reference["tech"].pk})
    assert [j.pk for j in by_tech.context["jobs"]] == [late.pk]
    by_status = client.get(reverse("job_list"), {"status": "canceled"})
    assert [j.pk for j in by_status.context["jobs"]] == [canceled.pk]
    by_customer = client.get(reverse("job_list"), {"customer": early.customer.pk})
    assert [j.pk for j in by_customer.context["jobs"]] == [early.pk]


def test_it_pages_the_jobs_list(login_as, reference):
    client = login_as(Role.CSR)
    jobs = [book_job(job_type=reference["ac"]) for _ in range(55)]
    first = client.get(reverse("job_list"), {"status": "scheduled"})
    assert len(first.context["jobs"]) == 50 and "status=scheduled" in first.context["next_query"]
    second = client.get(reverse("job_list") + "?" + first.context["next_query"])
    assert [j.pk for j in second.context["jobs"]] == [j.pk for j in reversed(jobs[:5])]


def test_it_keeps_the_jobs_list_query_count_flat(login_as, reference, django_assert_max_num_queries):
    client = login_as(Role.CSR)
    for n in (2, 30):
        for _ in range(n):
            book_job(job_type=reference["ac"], technician=reference["tech"])
        # session, user, employee, jobs with their rows, technician filter options
        with django_assert_max_num_queries(5):
            r = client.get(reverse("job_list"))
        assert r.status_code == 200


# ---- home ------------------------------------------------------------------


def test_it_shows_todays_jobs_and_booking_counts_on_home(login_as, reference):
    client = login_as(Role.CSR)
    now = timezone.localtime()
    today = book_job(job_type=reference["ac"], start=now.replace(hour=10, minute=0))
    book_job(job_type=reference["ac"], start=now + dt.timedelta(days=2))
    r = client.get(reverse("today"))
    assert r.status_code == 200 and r.context["nav"] == "home"
    assert [j.pk for j in r.context["todays_jobs"]] == [today.pk]
    assert r.context["booked_today"] == 2 and r.context["booked_week"] == 2
    html = r.content.decode()
    assert reverse("customer_new") in html and reverse("job_new") in html


def test_it_shows_a_technician_only_their_own_day(client, reference):
    now = timezone.localtime()
    mine = book_job(
        job_type=reference["ac"], technician=reference["tech"], start=now.replace(hour=10, minute=0)
    )
    book_job(job_type=reference["ac"], start=now.replace(hour=11, minute=0))
    client.force_login(reference["tech"].user)
    r = client.get(reverse("today"))
    assert [j.pk for j in r.context["todays_jobs"]] == [mine.pk]
    assert r.context["booked_today"] == 1
    assert reverse("job_new") not in r.content.decode()


def test_the_jobs_list_tells_a_technician_no_other_customers_name(client, reference):
    mine = book_job(job_type=reference["ac"], technician=reference["tech"])
    theirs = book_job(job_type=reference["ac"], location=LocationFactory(customer__name="Secret Sam"))
    client.force_login(reference["tech"].user)
    r = client.get(reverse("job_list"), {"customer": theirs.customer_id})
    assert r.status_code == 200
    assert b"Secret Sam" not in r.content and list(r.context["jobs"]) == []
    own = client.get(reverse("job_list"), {"customer": mine.customer_id})
    assert own.context["customer"] == mine.customer
