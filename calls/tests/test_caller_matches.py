"""Who may be calling (``calls.services.caller_matches``): what the Calls screen and
GET /calls/{id} show when a number rings, and what it costs in statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.services import MATCH_LIMIT, caller_matches
from customers.models import ContactPoint
from customers.tests.factories import CustomerFactory, LocationFactory, PhoneFactory
from jobs.models import Job
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

CALLER = "+15128675309"

# Customers (with their locations and contacts: three), open leads, the customers' jobs.
STATEMENTS = 5


def shown(matches):
    """Everything the panel and the API read of the matches, touching every relation."""
    customers = [
        (
            c.pk,
            c.name,
            c.type,
            c.phones,
            c.emails,
            [(x.pk, x.one_line, x.customer.pk) for x in c.locations.all()],
        )
        for c in matches.customers
    ]
    leads = [
        (
            x.pk,
            x.type,
            x.get_type_display(),
            x.name,
            x.phone,
            x.customer_id,
            x.campaign_id,
            str(x.campaign),
            x.created_at,
        )
        for x in matches.open_leads
    ]
    jobs = [
        (
            j.pk,
            j.number,
            j.customer.name,
            j.location_id,
            j.location.one_line,
            str(j.job_type),
            j.get_status_display(),
        )
        for j in matches.recent_jobs
    ]
    return customers, leads, jobs


def test_it_finds_nothing_for_no_number(django_assert_num_queries):
    with django_assert_num_queries(0):
        matches = caller_matches(phone="")
    assert matches.customers == [] and matches.open_leads == [] and matches.recent_jobs == []


def test_it_finds_customers_leads_and_jobs_in_five_statements(django_assert_max_num_queries):
    first = PhoneFactory(value=CALLER, customer=CustomerFactory(name="Ann Apple"))
    second = PhoneFactory(value=CALLER, customer=CustomerFactory(name="Bob Brown"))
    email = ContactPoint.Kind.EMAIL
    ContactPoint.objects.create(customer=first.customer, kind=email, value="ann@example.com")
    home = LocationFactory(customer=first.customer)
    LocationFactory(customer=first.customer)
    rental = LocationFactory(customer=second.customer)
    jobs = [book_job(location=home), book_job(location=rental)]
    Job.objects.filter(pk=jobs[0].pk).update(created_at=timezone.now() - timedelta(hours=1))
    lead = LeadFactory(phone=CALLER, customer=first.customer)
    with django_assert_max_num_queries(STATEMENTS):
        matches = caller_matches(phone=CALLER)
        seen = shown(matches)
    customers, leads, recent = seen
    assert [c[0] for c in customers] == [first.customer_id, second.customer_id]
    assert customers[0][3] == [CALLER] and customers[0][4] == ["ann@example.com"]
    assert [loc[0] for loc in customers[0][5]] == sorted(loc.pk for loc in first.customer.locations.all())
    assert [x[0] for x in leads] == [lead.pk]
    assert [j[0] for j in recent] == [j.pk for j in reversed(jobs)]
    # The job's customer is the matched customer itself, not a second copy of it.
    assert matches.recent_jobs[0].customer is matches.customers[1]


def test_it_shows_what_the_full_rows_show():
    """Reading fewer columns changes nothing the screens show."""
    phone = PhoneFactory(value=CALLER)
    location = LocationFactory(customer=phone.customer)
    book_job(location=location)
    LeadFactory(phone=CALLER, customer=phone.customer)
    LeadFactory(phone=CALLER)
    matches = caller_matches(phone=CALLER)
    for lead in matches.open_leads:
        row = Lead.objects.select_related("campaign").get(pk=lead.pk)
        assert (lead.name, lead.phone, lead.type, lead.status, lead.campaign, lead.created_at) == (
            row.name, row.phone, row.type, row.status, row.campaign, row.created_at
        )  # fmt: skip
    for job in matches.recent_jobs:
        full = Job.objects.select_related("job_type", "location", "customer").get(pk=job.pk)
        assert (job.customer.name, job.location.one_line, job.job_type.name, job.status, job.created_at) == (
            full.customer.name, full.location.one_line, full.job_type.name, full.status, full.created_at
        )  # fmt: skip


def test_it_keeps_the_latest_open_leads_and_jobs_up_to_the_limit():
    phone = PhoneFactory(value=CALLER)
    location = LocationFactory(customer=phone.customer)
    now = timezone.now()
    jobs = [book_job(location=location) for _ in range(MATCH_LIMIT + 1)]
    for i, job in enumerate(jobs):
        Job.objects.filter(pk=job.pk).update(created_at=now - timedelta(days=i))
    leads = [LeadFactory(phone=CALLER) for _ in range(MATCH_LIMIT + 1)]
    for i, lead in enumerate(leads):
        Lead.objects.filter(pk=lead.pk).update(created_at=now - timedelta(days=i))
    LeadFactory(phone="+15125550199")
    matches = caller_matches(phone=CALLER)
    assert [j.pk for j in matches.recent_jobs] == [j.pk for j in jobs[:MATCH_LIMIT]]
    assert [x.pk for x in matches.open_leads] == [x.pk for x in leads[:MATCH_LIMIT]]


def test_it_reads_a_jobs_location_held_by_another_customer_at_once(django_assert_max_num_queries):
    """Should a job's location not be its customer's (jobs.services refuses to book
    one), the lookup reads it with one statement more, not one per job later."""
    phone = PhoneFactory(value=CALLER)
    elsewhere = LocationFactory()
    job = book_job(location=LocationFactory(customer=phone.customer))
    Job.objects.filter(pk=job.pk).update(location=elsewhere)
    with django_assert_max_num_queries(STATEMENTS + 1):
        matches = caller_matches(phone=CALLER)
        assert matches.recent_jobs[0].location.one_line == elsewhere.one_line
