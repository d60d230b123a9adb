import json

import pytest

from hours.models import BusinessHours

pytestmark = pytest.mark.django_db

WEEK = {
    "mon": [["08:00", "18:00"]],
    "tue": [["08:00", "12:00"], ["13:00", "18:00"]],
    "wed": [["08:00", "18:00"]],
    "thu": [["08:00", "18:00"]],
    "fri": [["08:00", "17:00"]],
    "sat": [["09:00", "13:00"]],
    "sun": [],
}


def put(api, body):
    return api.client.put(
        "/api/v1/business-hours",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )


def test_it_shows_the_default_week_to_any_staff_member(api_as, settings):
    settings.TIME_ZONE = "America/Chicago"
    r = api_as("csr").get("/business-hours")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["timezone"] == "America/Chicago"
    assert body["days"]["mon"] == [["08:00", "18:00"]]
    assert body["days"]["sun"] == []
    assert body["closures"] == []


def test_it_replaces_the_hours_as_admin(admin_api, csr_api):
    r = put(
        admin_api, {"timezone": "America/New_York", "days": WEEK, "closures": ["2026-12-25", "2026-01-01"]}
    )
    assert r.status_code == 200, r.content
    assert r.json() == {
        "timezone": "America/New_York",
        "days": WEEK,
        "closures": ["2026-01-01", "2026-12-25"],
    }
    row = BusinessHours.objects.get()
    assert row.timezone == "America/New_York"
    assert row.days["tue"] == [["08:00", "12:00"], ["13:00", "18:00"]]
    assert csr_api.get("/business-hours").json()["closures"] == ["2026-01-01", "2026-12-25"]


def test_it_refuses_the_hours_from_a_manager_and_an_integration(api_as, integration_api):
    body = {"timezone": "UTC", "days": WEEK, "closures": []}
    assert put(api_as("manager"), body).status_code == 403
    assert put(integration_api, body).status_code == 403
    assert integration_api.get("/business-hours").status_code == 403
    assert not BusinessHours.objects.exists()


def test_it_names_the_bad_interval_and_date(admin_api):
    r = put(
        admin_api,
        {"timezone": "America/Nowhere", "days": {"mon": [["09:00", "08:00"]]}, "closures": ["12/25/2026"]},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid"
    assert {e["field"] for e in body["errors"]} == {"timezone", "days.mon.0", "closures.0"}
    assert not BusinessHours.objects.exists()


def test_it_answers_a_missing_field_with_its_name(admin_api):
    r = put(admin_api, {"days": WEEK})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["timezone"]


def test_it_answers_a_malformed_shape_with_a_4xx_naming_it(admin_api):
    r = put(admin_api, {"timezone": "UTC", "days": {"mon": "all day"}, "closures": [1]})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"days.mon", "closures.0"}
