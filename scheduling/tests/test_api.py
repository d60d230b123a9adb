from datetime import timedelta

import pytest

from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory
from core.models import AuditEntry
from hours.models import BusinessHours
from scheduling.models import ArrivalWindow, WindowDay
from scheduling.tests.factories import ArrivalWindowFactory, next_weekday

pytestmark = pytest.mark.django_db


def window_body(unit, **extra):
    return {
        "business_unit_id": unit.pk,
        "weekday": 1,
        "start_time": "08:00",
        "end_time": "10:00",
        "capacity": 3,
        **extra,
    }


def test_it_lets_an_admin_create_and_change_windows_and_audits_it(admin_api, csr_api):
    unit = BusinessUnitFactory()
    r = admin_api.post("/arrival-windows", window_body(unit))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body == {
        "id": body["id"],
        "business_unit_id": unit.pk,
        "weekday": 1,
        "start_time": "08:00",
        "end_time": "10:00",
        "capacity": 3,
        "active": True,
    }
    r = admin_api.patch(f"/arrival-windows/{body['id']}", {"capacity": 5, "end_time": "11:30"})
    assert r.status_code == 200, r.content
    assert (r.json()["capacity"], r.json()["end_time"]) == (5, "11:30")
    audit = AuditEntry.for_entity("arrival_window", body["id"]).order_by("id")
    assert [e.action for e in audit] == ["created", "updated"]
    assert audit[1].changes == {"capacity": [3, 5], "end_time": ["10:00", "11:30"]}
    # Any staff member reads them; only an admin writes.
    listed = csr_api.get("/arrival-windows", {"business_unit_id": unit.pk}).json()
    assert [w["id"] for w in listed["items"]] == [body["id"]] and listed["next_cursor"] is None
    assert csr_api.post("/arrival-windows", window_body(unit, weekday=2)).status_code == 403
    assert csr_api.patch(f"/arrival-windows/{body['id']}", {"capacity": 9}).status_code == 403
    assert ArrivalWindow.objects.get().capacity == 5


def test_it_refuses_bad_and_overlapping_windows_naming_the_field(admin_api, integration_api):
    unit = BusinessUnitFactory()
    ArrivalWindowFactory(business_unit=unit, weekday=1, start_time="08:00", end_time="10:00")
    r = admin_api.post("/arrival-windows", window_body(unit, start_time="09:00", end_time="12:00"))
    assert r.status_code == 422 and r.json()["code"] == "window_overlap"
    assert r.json()["errors"][0]["field"] == "start_time"
    r = admin_api.post("/arrival-windows", window_body(unit, weekday=2, start_time="12:00", end_time="11:00"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end_time"
    r = admin_api.post("/arrival-windows", window_body(unit, weekday=7))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "weekday"
    r = admin_api.post("/arrival-windows", window_body(unit, weekday=2, start_time="8am"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "start_time"
    r = admin_api.post("/arrival-windows", window_body(unit, business_unit_id=99999))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "business_unit_id"
    # Touching is not overlapping; an inactive window may overlap.
    assert (
        admin_api.post(
            "/arrival-windows", window_body(unit, start_time="10:00", end_time="12:00")
        ).status_code
        == 201
    )
    assert (
        admin_api.post("/arrival-windows", window_body(unit, start_time="09:00", active=False)).status_code
        == 201
    )
    assert admin_api.patch("/arrival-windows/999999", {"capacity": 1}).status_code == 404
    assert integration_api.get("/arrival-windows").status_code == 403
    assert ArrivalWindow.objects.count() == 3


def test_it_answers_availability_for_a_date_range(csr_api):
    job_type = JobTypeFactory()
    unit = job_type.business_units.get()
    morning = ArrivalWindowFactory(business_unit=unit, weekday=1, capacity=3)
    ArrivalWindowFactory(weekday=1)  # another unit's
    tuesday = next_weekday(1)
    WindowDay.objects.create(window=morning, date=tuesday, booked=2)
    BusinessHours.objects.create(
        pk=1, timezone="America/Chicago", days={}, closures=[(tuesday + timedelta(days=7)).isoformat()]
    )
    r = csr_api.get(
        "/availability",
        {
            "business_unit_id": unit.pk,
            "job_type_id": job_type.pk,
            "from": tuesday.isoformat(),
            "to": (tuesday + timedelta(days=14)).isoformat(),
        },
    )
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert [(i["date"], i["capacity"], i["booked"], i["open"]) for i in items] == [
        (tuesday.isoformat(), 3, 2, 1),
        ((tuesday + timedelta(days=14)).isoformat(), 3, 0, 3),  # the week after is a closure
    ]
    assert items[0]["start"].startswith(f"{tuesday.isoformat()}T08:00:00-0")
    assert items[0]["end"].startswith(f"{tuesday.isoformat()}T10:00:00-0")


def test_it_names_bad_availability_queries(csr_api, integration_api):
    job_type = JobTypeFactory()
    other = BusinessUnitFactory()
    r = csr_api.get("/availability", {"business_unit_id": other.pk, "job_type_id": job_type.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "job_type_id"
    r = csr_api.get("/availability", {"from": "2026-12-10", "to": "2026-12-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
    r = csr_api.get("/availability", {"from": "2026-01-01", "to": "2026-12-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
    r = csr_api.get("/availability", {"from": "tomorrow"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from"
    assert integration_api.get("/availability").status_code == 403


def test_it_documents_the_operations():
    from config.api import api

    paths = api.get_openapi_schema()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/arrival-windows"])
    assert "patch" in paths["/api/v1/arrival-windows/{window_id}"]
    assert 409 in paths["/api/v1/jobs"]["post"]["responses"]
    assert 422 in paths["/api/v1/availability"]["get"]["responses"]
