import threading

import pytest
from django.db import connections

from accounts.actor import Actor
from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory
from conftest import make_employee
from core.errors import DomainError
from customers.tests.factories import LocationFactory
from jobs.models import Invoice, Job
from leads.models import Lead
from leads.services import lead_convert
from leads.tests.factories import LeadFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
]


def test_it_converts_a_lead_once_when_two_csrs_race():
    bu = BusinessUnitFactory()
    job_type = JobTypeFactory(business_units=[bu])
    location = LocationFactory()
    lead = LeadFactory(customer=location.customer, location=location, business_unit=bu, job_type=job_type)
    actors = [Actor(employee=make_employee(Role.CSR)) for _ in range(2)]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def convert(actor: Actor) -> None:
        try:
            start.wait()
            outcomes.append(lead_convert(actor=actor, lead=lead))
        except DomainError as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=convert, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    jobs = [o for o in outcomes if isinstance(o, Job)]
    errors = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(jobs) == 1 and len(errors) == 1, outcomes
    assert errors[0].status == 409 and errors[0].code == "lead_not_open"
    assert Job.objects.count() == Invoice.objects.count() == 1
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.converted_job_id == jobs[0].pk


def test_it_runs_only_on_postgresql():
    """The conftest hook skips this module on any other database; run there, this fails."""
    from django.db import connection

    assert connection.vendor == "postgresql"
