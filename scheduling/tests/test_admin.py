import pytest

from accounts.models import Role
from catalog.tests.test_admin import client_as
from core.models import AuditEntry
from scheduling.models import ArrivalWindow
from scheduling.tests.factories import ArrivalWindowFactory

pytestmark = pytest.mark.django_db


def post(unit, **extra):
    return {
        "business_unit": unit.pk,
        "weekday": 1,
        "start_time": "08:00",
        "end_time": "10:00",
        "capacity": 2,
        "active": "on",
        **extra,
    }


def test_it_adds_windows_in_settings_through_the_service_and_shows_overlaps_beside_the_field():
    existing = ArrivalWindowFactory(weekday=1)
    admin = client_as(Role.ADMIN)
    r = admin.post("/settings/scheduling/arrivalwindow/add/", post(existing.business_unit))
    assert r.status_code == 200
    assert "Overlaps" in str(r.context["adminform"].form.errors["start_time"])
    assert ArrivalWindow.objects.count() == 1
    r = admin.post(
        "/settings/scheduling/arrivalwindow/add/",
        post(existing.business_unit, start_time="10:00", end_time="12:00"),
    )
    assert r.status_code == 302
    added = ArrivalWindow.objects.exclude(pk=existing.pk).get()
    assert AuditEntry.for_entity("arrival_window", added.pk).get().action == "created"
    assert client_as(Role.CSR).get("/settings/scheduling/arrivalwindow/").status_code in (302, 403)
