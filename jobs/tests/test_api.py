from decimal import Decimal

import pytest

from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory
from conftest import make_employee
from core.models import AuditEntry
from customers.tests.factories import LocationFactory
from jobs.models import Invoice, Job
from jobs.tests.factories import book_job

pytestmark = pytest.mark.django_db


def job_body(location, job_type, **extra):
    return {
        "customer_id": location.customer_id,
        "location_id": location.pk,
        "business_unit_id": job_type.business_units.first().pk,
        "job_type_id": job_type.pk,
        **extra,
    }


def test_it_books_a_job_with_a_zero_invoice(csr_api):
    location = LocationFactory()
    job_type = JobTypeFactory(default_priority="high")
    r = csr_api.post("/jobs", job_body(location, job_type, summary="Free estimate"))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["priority"] == "high"
    assert body["status"] == "scheduled"
    assert body["invoice"]["total"] == "0.00"
    assert body["invoice"]["number"] == body["number"]
    job = Job.objects.get()
    assert Invoice.objects.get().job == job
    entry = AuditEntry.for_entity("job", job.pk).get()
    assert entry.employee == csr_api.employee and entry.action == "booked"


def test_it_refuses_a_job_type_outside_the_business_unit(csr_api):
    location = LocationFactory()
    job_type = JobTypeFactory()
    other = BusinessUnitFactory()
    r = csr_api.post("/jobs", job_body(location, job_type, business_unit_id=other.pk))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "job_type_id"
    assert not Job.objects.exists() and not Invoice.objects.exists()


def test_it_refuses_a_location_of_another_customer(csr_api):
    location = LocationFactory()
    other = LocationFactory()
    r = csr_api.post("/jobs", job_body(location, JobTypeFactory(), location_id=other.pk))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "location_id"


def test_it_names_a_missing_location(csr_api):
    location = LocationFactory()
    body = job_body(location, JobTypeFactory())
    del body["location_id"]
    r = csr_api.post("/jobs", body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "location_id"


def test_it_refuses_an_inactive_job_type(csr_api):
    r = csr_api.post("/jobs", job_body(LocationFactory(), JobTypeFactory(active=False)))
    assert r.status_code == 422
    assert r.json()["code"] == "inactive_reference"


def test_it_refuses_a_technician_who_is_not_one(csr_api):
    csr = make_employee(Role.CSR)
    r = csr_api.post("/jobs", job_body(LocationFactory(), JobTypeFactory(), technician_id=csr.pk))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "technician_id"


def test_it_keeps_recall_jobs_at_zero(api_as):
    office = api_as(Role.OFFICE)
    original = book_job()
    r = office.post(
        "/jobs",
        job_body(
            original.location,
            original.job_type,
            business_unit_id=original.business_unit_id,
            recall_for_id=original.pk,
        ),
    )
    assert r.status_code == 201, r.content
    recall_id = r.json()["id"]
    bad = office.post(f"/jobs/{recall_id}/invoice/lines", {"description": "Labor", "unit_price": "120.00"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "unit_price"
    ok = office.post(f"/jobs/{recall_id}/invoice/lines", {"description": "Recall visit", "unit_price": "0"})
    assert ok.status_code == 201
    assert ok.json()["total"] == "0.00"


def test_it_adds_invoice_lines_and_keeps_the_total(api_as):
    office = api_as(Role.OFFICE)
    job = book_job()
    office.post(
        f"/jobs/{job.pk}/invoice/lines", {"description": "Capacitor", "quantity": "2", "unit_price": "45.50"}
    )
    r = office.post(
        f"/jobs/{job.pk}/invoice/lines", {"description": "Discount", "quantity": "1", "unit_price": "-10"}
    )
    assert r.status_code == 201
    assert r.json()["total"] == "81.00"
    assert Invoice.objects.get().total == Decimal("81.00")
    assert AuditEntry.for_entity("invoice", job.invoice.pk).count() == 2


def test_it_refuses_lines_on_a_posted_invoice(api_as):
    office = api_as(Role.OFFICE)
    job = book_job()
    assert office.post(f"/jobs/{job.pk}/invoice/status", {"status": "posted"}).status_code == 200
    r = office.post(f"/jobs/{job.pk}/invoice/lines", {"description": "Late", "unit_price": "5"})
    assert r.status_code == 409


def test_it_refuses_invoice_lines_from_a_csr(csr_api):
    job = book_job()
    r = csr_api.post(f"/jobs/{job.pk}/invoice/lines", {"description": "x", "unit_price": "5"})
    assert r.status_code == 403


def test_it_hides_other_technicians_jobs(api_as):
    tech = api_as(Role.TECHNICIAN)
    mine = book_job(technician=tech.employee)
    theirs = book_job(technician=make_employee(Role.TECHNICIAN))
    assert tech.get(f"/jobs/{mine.pk}").status_code == 200
    assert tech.get(f"/jobs/{theirs.pk}").status_code == 404
    assert [j["id"] for j in tech.get("/jobs").json()["items"]] == [mine.pk]
    assert tech.post("/jobs", {}).status_code in (403, 422)


def test_it_moves_a_job_through_its_statuses(api_as):
    tech = api_as(Role.TECHNICIAN)
    job = book_job(technician=tech.employee)
    assert tech.post(f"/jobs/{job.pk}/status", {"status": "working"}).json()["status"] == "working"
    assert tech.post(f"/jobs/{job.pk}/status", {"status": "scheduled"}).status_code == 409
    assert tech.post(f"/jobs/{job.pk}/status", {"status": "completed"}).status_code == 200
    assert AuditEntry.for_entity("job", job.pk).filter(action="status").count() == 2


def test_it_never_edits_an_invoice_line(api_as):
    office = api_as(Role.OFFICE)
    job = book_job()
    office.post(f"/jobs/{job.pk}/invoice/lines", {"description": "Capacitor", "unit_price": "45"})
    line = job.invoice.lines.get()
    line.unit_price = Decimal("1")
    with pytest.raises(ValueError):
        line.save()


def test_it_keeps_invoice_and_status_rules_in_the_services():
    from accounts.actor import Actor
    from core.errors import DomainError
    from jobs.services import invoice_add_line, job_set_status

    tech = make_employee(Role.TECHNICIAN)
    job = book_job(technician=tech)
    with pytest.raises(DomainError) as exc:
        invoice_add_line(
            actor=Actor(employee=tech),
            invoice=job.invoice,
            description="x",
            quantity=Decimal(1),
            unit_price=Decimal(1),
        )
    assert exc.value.status == 403
    with pytest.raises(DomainError) as exc:
        job_set_status(actor=Actor(employee=make_employee(Role.TECHNICIAN)), job=job, status="working")
    assert exc.value.status == 403
    assert job_set_status(actor=Actor(employee=tech), job=job, status="working").status == "working"
