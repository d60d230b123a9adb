# factory_boy's metaclass __call__ is untyped, so mypy reads Factory() as the factory, not the model.
"""PATCH /jobs/{id} and the job's edit page: the rules of booking, office and up, audited."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.actor import Actor
from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory, TagFactory
from conftest import make_employee
from core.models import AuditEntry
from jobs.models import Job
from jobs.services import job_set_status
from jobs.tests.factories import book_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref():
    hvac = BusinessUnitFactory(name="HVAC Service")
    plumbing = BusinessUnitFactory(name="Plumbing")
    return {
        "hvac": hvac,
        "plumbing": plumbing,
        "ac": JobTypeFactory(name="AC Repair", business_units=[hvac], default_priority="high"),
        "heater": JobTypeFactory(name="Water Heater", business_units=[plumbing]),
        "tom": make_employee(Role.TECHNICIAN, name="Tom Tech"),
        "ray": make_employee(Role.TECHNICIAN, name="Ray Villarreal"),
    }


def test_the_office_reschedules_and_reassigns_a_job_and_it_is_audited(api_as, ref):
    job = book_job(business_unit=ref["hvac"], job_type=ref["ac"], technician=ref["tom"])
    office = api_as(Role.OFFICE, name="Linda Okafor")
    gate = TagFactory(name="Gate code")
    r = office.patch(
        f"/jobs/{job.pk}",
        {
            "start": "2030-03-04T09:30:00-06:00",
            "technician_id": ref["ray"].pk,
            "tags": [gate.pk],
            "summary": " x ",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["technician_id"] == ref["ray"].pk and body["tags"] == [gate.pk] and body["summary"] == "x"
    assert dt.datetime.fromisoformat(body["start"]) == dt.datetime(2030, 3, 4, 15, 30, tzinfo=dt.UTC)
    entry = AuditEntry.objects.get(entity="job", entity_id=job.pk, action="updated")
    assert entry.actor_label == "Linda Okafor"
    assert entry.changes["technician"] == ["Tom Tech", "Ray Villarreal"]
    assert entry.changes["tags"] == [[], ["Gate code"]]
    assert set(entry.changes) == {"start", "technician", "tags", "summary"}


def test_a_job_edit_keeps_the_booking_rules(api_as, ref):
    job = book_job(business_unit=ref["hvac"], job_type=ref["ac"])
    office = api_as(Role.OFFICE)
    r = office.patch(f"/jobs/{job.pk}", {"job_type_id": ref["heater"].pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "job_type_id"
    r = office.patch(f"/jobs/{job.pk}", {"technician_id": make_employee(Role.CSR).pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "technician_id"
    gone = make_employee(Role.TECHNICIAN, active=False)
    r = office.patch(f"/jobs/{job.pk}", {"technician_id": gone.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "technician_id"
    r = office.patch(f"/jobs/{job.pk}", {"business_unit_id": None})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "business_unit_id"
    # Both together are fine: the job moves to plumbing.
    r = office.patch(
        f"/jobs/{job.pk}", {"business_unit_id": ref["plumbing"].pk, "job_type_id": ref["heater"].pk}
    )
    assert r.status_code == 200
    job.refresh_from_db()
    assert job.job_type == ref["heater"]
    assert AuditEntry.objects.filter(entity="job", action="updated").count() == 1


def test_technicians_and_csrs_may_not_edit_jobs_and_closed_jobs_stay_closed(api_as, ref):
    tech = ref["tom"]
    job = book_job(business_unit=ref["hvac"], job_type=ref["ac"], technician=tech)
    from accounts.models import ApiKey
    from conftest import ApiClient

    _, raw = ApiKey.issue(employee=tech)
    assert ApiClient(raw, employee=tech).patch(f"/jobs/{job.pk}", {"summary": "mine"}).status_code == 403
    assert api_as(Role.CSR).patch(f"/jobs/{job.pk}", {"summary": "x"}).status_code == 403
    job_set_status(actor=Actor(employee=make_employee(Role.MANAGER)), job=job, status=Job.Status.CANCELED)
    r = api_as(Role.MANAGER).patch(f"/jobs/{job.pk}", {"summary": "late"})
    assert r.status_code == 409 and r.json()["code"] == "job_closed"
    job.refresh_from_db()
    assert job.summary == ""


def test_the_job_edit_page_keeps_what_was_typed_and_shows_the_change(client, ref):
    office = make_employee(Role.OFFICE, name="Linda Okafor")
    client.force_login(office.user)
    job = book_job(business_unit=ref["hvac"], job_type=ref["ac"], technician=ref["tom"])
    url = reverse("job_edit", args=[job.pk])
    assert client.get(url).status_code == 200
    form = {
        "business_unit_id": ref["hvac"].pk,
        "job_type_id": ref["heater"].pk,
        "priority": "urgent",
        "start_date": "2030-03-04",
        "start_time": "",
        "technician_id": ref["ray"].pk,
        "summary": "Bring the ladder",
    }
    r = client.post(url, form)
    assert r.status_code == 422
    html = r.content.decode()
    assert "Start time is needed with a start date." in html
    assert "Bring the ladder" in html
    r = client.post(url, {**form, "start_time": "09:30"})
    assert r.status_code == 422
    assert "does not belong to business unit" in r.content.decode()
    r = client.post(url, {**form, "start_time": "09:30", "job_type_id": ref["ac"].pk})
    assert r.status_code == 302
    detail = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "technician Tom Tech → Ray Villarreal" in detail
    assert "Linda Okafor" in detail


def test_the_job_edit_page_is_refused_to_a_technician_and_a_csr(client, ref):
    job = book_job(business_unit=ref["hvac"], job_type=ref["ac"], technician=ref["tom"])
    client.force_login(ref["tom"].user)
    assert client.get(reverse("job_edit", args=[job.pk])).status_code == 403
    client.force_login(make_employee(Role.CSR).user)
    assert client.post(reverse("job_edit", args=[job.pk]), {"summary": "x"}).status_code == 403
