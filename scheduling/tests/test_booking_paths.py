"""Every way a job is booked takes a place in its arrival window; a full window
is a 409 ``window_full`` naming the window and the next open ones."""

import pytest

from accounts.models import Role
from bookings.tests.factories import BookingFactory
from calls.tests.factories import ring
from catalog.tests.factories import JobTypeFactory
from conftest import make_employee
from core.models import AuditEntry
from customers.tests.factories import LocationFactory
from jobs.models import Job
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.tests.factories import LeadFactory
from scheduling.models import WindowDay, WindowPlace
from scheduling.tests.factories import ArrivalWindowFactory, at, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    job_type = JobTypeFactory()
    unit = job_type.business_units.get()
    window = ArrivalWindowFactory(business_unit=unit, weekday=2, capacity=1)  # Wednesdays 08–10
    ArrivalWindowFactory(business_unit=unit, weekday=2, start_time="13:00", end_time="15:00", capacity=1)
    day = next_weekday(2)
    return {"job_type": job_type, "unit": unit, "window": window, "day": day, "start": at(day, 9)}


def booked(s):
    row = WindowDay.objects.filter(window=s["window"], date=s["day"]).first()
    return row.booked if row else 0


def fill(s):
    book_job(job_type=s["job_type"], business_unit=s["unit"], start=s["start"])
    assert booked(s) == 1


def assert_full(r, s):
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["code"] == "window_full"
    assert body["window"]["window_id"] == s["window"].pk and body["window"]["date"] == s["day"].isoformat()
    assert body["window"]["open"] == 0
    # The afternoon window that day is the first open one offered.
    assert body["next_open"][0]["start"].startswith(f"{s['day'].isoformat()}T13:00")
    assert "is full" in body["detail"] and "Next open" in body["detail"]
    assert booked(s) == 1


def job_body(s, location, **extra):
    return {
        "customer_id": location.customer_id,
        "location_id": location.pk,
        "business_unit_id": s["unit"].pk,
        "job_type_id": s["job_type"].pk,
        "start": s["start"].isoformat(),
        **extra,
    }


def test_it_takes_a_place_on_post_jobs_a_place_and_refuses_a_full_window(csr_api, setup):
    s = setup
    r = csr_api.post("/jobs", job_body(s, LocationFactory()))
    assert r.status_code == 201, r.content
    assert booked(s) == 1
    assert WindowPlace.objects.get().job_id == r.json()["id"]
    assert_full(csr_api.post("/jobs", job_body(s, LocationFactory())), s)
    assert Job.objects.count() == 1
    # A start outside every window books freely.
    outside = job_body(s, LocationFactory(), start=at(s["day"], 11).isoformat())
    assert csr_api.post("/jobs", outside).status_code == 201
    assert WindowPlace.objects.count() == 1


def test_it_takes_a_place_on_lead_convert(csr_api, setup):
    s = setup
    location = LocationFactory()
    body = {
        "customer_id": location.customer_id,
        "location_id": location.pk,
        "business_unit_id": s["unit"].pk,
        "job_type_id": s["job_type"].pk,
        "start": s["start"].isoformat(),
    }
    lead = LeadFactory()
    assert csr_api.post(f"/leads/{lead.pk}/convert", body).status_code == 201
    assert booked(s) == 1
    second = LeadFactory()
    assert_full(csr_api.post(f"/leads/{second.pk}/convert", body), s)
    assert Lead.objects.get(pk=second.pk).status == "open"


def test_it_takes_a_place_on_booking_accept(csr_api, setup):
    s = setup
    body = {
        "business_unit_id": s["unit"].pk,
        "job_type_id": s["job_type"].pk,
        "start": s["start"].isoformat(),
    }
    assert csr_api.post(f"/bookings/{BookingFactory().pk}/accept", body).status_code == 201
    assert booked(s) == 1
    second = BookingFactory()
    assert_full(csr_api.post(f"/bookings/{second.pk}/accept", body), s)
    second.refresh_from_db()
    assert second.status == "new" and second.job is None


def test_it_takes_a_place_on_booking_from_a_call(csr_api, setup):
    s = setup
    fill(s)
    location = LocationFactory()
    call = ring()
    assert_full(csr_api.post(f"/calls/{call.pk}/book", job_body(s, location)), s)
    call.refresh_from_db()
    assert call.job_id is None
    later = job_body(s, location, start=at(s["day"], 14).isoformat())
    assert csr_api.post(f"/calls/{call.pk}/book", later).status_code == 200
    assert WindowPlace.objects.count() == 2


def test_it_takes_a_place_on_the_flyouts_book(api_as, setup):
    s = setup
    fill(s)
    tech = make_employee(Role.TECHNICIAN)
    origin = book_job(technician=tech)
    csr = api_as(Role.CSR)
    body = {
        "business_unit_id": s["unit"].pk,
        "job_type_id": s["job_type"].pk,
        "start_date": s["day"].isoformat(),
        "start_time": "09:00",
        "book": True,
    }
    assert_full(csr.post(f"/jobs/{origin.pk}/leads", body), s)
    assert not Lead.objects.filter(origin_job=origin).exists()  # nothing half-made
    r = csr.post(f"/jobs/{origin.pk}/leads", {**body, "start_time": "13:30"})
    assert r.status_code == 201, r.content
    assert WindowPlace.objects.filter(job_id=r.json()["job"]["id"]).exists()


def test_it_lets_only_an_admin_overbook_and_audits_it(api_as, setup):
    s = setup
    fill(s)
    csr, office, admin = api_as(Role.CSR), api_as(Role.OFFICE), api_as(Role.ADMIN)
    r = csr.post("/jobs", job_body(s, LocationFactory(), overbook=True))
    assert r.status_code == 403
    assert office.post("/jobs", job_body(s, LocationFactory(), overbook=True)).status_code == 403
    r = admin.post("/jobs", job_body(s, LocationFactory(), overbook=True))
    assert r.status_code == 201, r.content
    assert booked(s) == 2
    assert WindowPlace.objects.get(job_id=r.json()["id"]).overbooked
    entry = AuditEntry.for_entity("job", r.json()["id"]).get(action="overbooked")
    assert (
        entry.employee == admin.employee and entry.changes["capacity"] == 1 and entry.changes["booked"] == 2
    )
    # Availability shows it full, never negative.
    item = csr.get(
        "/availability",
        {"business_unit_id": s["unit"].pk, "from": s["day"].isoformat(), "to": s["day"].isoformat()},
    ).json()["items"][0]
    assert (item["booked"], item["open"]) == (2, 0)


def test_it_frees_the_place_on_cancel_and_retakes_it_on_restore(api_as, setup):
    s = setup
    office = api_as(Role.OFFICE)
    job = book_job(job_type=s["job_type"], business_unit=s["unit"], start=s["start"])
    assert office.post(f"/jobs/{job.pk}/status", {"status": "canceled"}).status_code == 200
    assert booked(s) == 0 and not WindowPlace.objects.exists()
    other = book_job(job_type=s["job_type"], business_unit=s["unit"], start=s["start"])
    # The window filled again meanwhile: bringing the cancelled job back is refused.
    assert_full(office.post(f"/jobs/{job.pk}/status", {"status": "scheduled"}), s)
    assert Job.objects.get(pk=job.pk).status == "canceled"
    office.post(f"/jobs/{other.pk}/status", {"status": "canceled"})
    assert office.post(f"/jobs/{job.pk}/status", {"status": "scheduled"}).status_code == 200
    assert booked(s) == 1 and WindowPlace.objects.get().job_id == job.pk


def test_it_refuses_bookings_on_a_closure_day_unless_an_admin_overbooks(api_as, setup):
    from hours.models import BusinessHours

    s = setup
    BusinessHours.objects.create(pk=1, timezone="America/Chicago", days={}, closures=[s["day"].isoformat()])
    r = api_as(Role.CSR).post("/jobs", job_body(s, LocationFactory()))
    assert r.status_code == 409 and r.json()["code"] == "window_full" and "closed" in r.json()["detail"]
    assert api_as(Role.ADMIN).post("/jobs", job_body(s, LocationFactory(), overbook=True)).status_code == 201


def test_it_moves_the_place_on_reschedule(api_as, setup):
    s = setup
    office = api_as(Role.OFFICE)
    job = book_job(job_type=s["job_type"], business_unit=s["unit"], start=s["start"])
    afternoon = at(s["day"], 14)
    r = office.patch(f"/jobs/{job.pk}", {"start": afternoon.isoformat()})
    assert r.status_code == 200, r.content
    assert booked(s) == 0
    assert WindowPlace.objects.get(job_id=job.pk).day.window.start_time.hour == 13
    # The morning is free again; a second job takes it, and moving the first back is refused.
    book_job(job_type=s["job_type"], business_unit=s["unit"], start=s["start"])
    assert_full(office.patch(f"/jobs/{job.pk}", {"start": s["start"].isoformat()}), s)
    assert Job.objects.get(pk=job.pk).start == afternoon
    # Other edits leave the place alone.
    assert office.patch(f"/jobs/{job.pk}", {"summary": "Bring the ladder"}).status_code == 200
    assert WindowPlace.objects.get(job_id=job.pk).day.window.start_time.hour == 13
