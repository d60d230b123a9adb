"""The public booking form offers only open arrival windows for the service the
visitor picks (no typed time), and POST /bookings takes ``requested_window: {start, end}``."""

from datetime import time

import pytest
from django.test import Client

from accounts.tests.factories import IntegrationFactory
from bookings.models import Booking
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory
from scheduling.models import WindowDay
from scheduling.tests.factories import ArrivalWindowFactory, at, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def form():
    return IntegrationFactory(slug="website", name="Website", booking_form_enabled=True)


@pytest.fixture
def ac():
    """AC repair, done by HVAC Service: Wednesdays 08–10 (one place) and 13–15 (two)."""
    unit = BusinessUnitFactory(name="HVAC Service")
    job_type = JobTypeFactory(name="AC repair", business_units=[unit])
    morning = ArrivalWindowFactory(business_unit=unit, weekday=2, capacity=1)
    afternoon = ArrivalWindowFactory(
        business_unit=unit, weekday=2, start_time=time(13), end_time=time(15), capacity=2
    )
    return {
        "unit": unit,
        "job_type": job_type,
        "morning": morning,
        "afternoon": afternoon,
        "day": next_weekday(2),
    }


def visitor(**overrides):
    data = {
        "token": "tok-1",
        "name": "Sam Lee",
        "phone": "512-555-0177",
        "street": "9 Pine Rd",
        "city": "Austin",
        "zip": "78703",
        "description": "Blows warm air",
    }
    data.update(overrides)
    return data


def key(window, day):
    return f"{window.pk}:{day.isoformat()}"


def test_it_offers_only_the_open_windows_of_the_service_picked(form, ac):
    WindowDay.objects.create(window=ac["morning"], date=ac["day"], booked=1)  # full
    html = Client().get("/book/website/windows/", {"job_type_id": ac["job_type"].pk}).content.decode()
    assert "When should we come?" in html
    assert f'value="{key(ac["afternoon"], ac["day"])}"' in html
    assert f'value="{key(ac["morning"], ac["day"])}"' not in html  # full: not offered at all
    assert 'type="text"' not in html and 'type="time"' not in html
    # No service picked: no times yet; the page itself has no typed date or time either.
    assert "Pick the service above" in Client().get("/book/website/windows/").content.decode()
    page = Client().get("/book/website/").content.decode()
    assert 'type="date"' not in page and 'type="time"' not in page and 'name="preferred_date"' not in page


def test_it_asks_who_should_come_when_several_units_offer_the_service(form):
    install = BusinessUnitFactory(name="HVAC Install")
    service = BusinessUnitFactory(name="HVAC Service")
    job_type = JobTypeFactory(name="Thermostat", business_units=[install, service])
    ArrivalWindowFactory(business_unit=install, weekday=3)
    window = ArrivalWindowFactory(business_unit=service, weekday=4)
    html = Client().get("/book/website/windows/", {"job_type_id": job_type.pk}).content.decode()
    assert "Who should come?" in html and "When should we come?" not in html
    html = (
        Client()
        .get("/book/website/windows/", {"job_type_id": job_type.pk, "business_unit_id": service.pk})
        .content.decode()
    )
    assert f'value="{window.pk}:' in html and html.count('name="window"') > 0
    r = Client().post("/book/website/", visitor(job_type_id=job_type.pk))
    assert r.status_code == 422 and "pick who should come" in r.content.decode()


def test_it_books_the_window_picked(form, ac):
    r = Client().post(
        "/book/website/", visitor(job_type_id=ac["job_type"].pk, window=key(ac["afternoon"], ac["day"]))
    )
    assert r.status_code == 200, r.content.decode()
    assert "arriving <strong>1 PM–3 PM</strong>" in r.content.decode()
    booking = Booking.objects.get()
    assert booking.requested_start == at(ac["day"], 13) and booking.requested_end == at(ac["day"], 15)
    assert booking.requested_window == "1 PM–3 PM" and booking.business_unit == ac["unit"]


def test_it_refuses_a_window_that_filled_while_the_visitor_typed_and_offers_the_next_open(form, ac):
    # The visitor loaded the form while the morning was open ...
    html = Client().get("/book/website/windows/", {"job_type_id": ac["job_type"].pk}).content.decode()
    assert f'value="{key(ac["morning"], ac["day"])}"' in html
    # ... and someone took its last place before they pressed the button.
    WindowDay.objects.create(window=ac["morning"], date=ac["day"], booked=1)
    typed = visitor(job_type_id=ac["job_type"].pk, window=key(ac["morning"], ac["day"]), email="sam@x.test")
    r = Client().post("/book/website/", typed)
    assert r.status_code == 409
    html = r.content.decode()
    assert "filled up while you were filling in the form" in html
    assert f'value="{key(ac["afternoon"], ac["day"])}"' in html  # the next open one is offered
    assert f'value="{key(ac["morning"], ac["day"])}"' not in html
    for value in ('value="Sam Lee"', 'value="9 Pine Rd"', 'value="sam@x.test"', "Blows warm air"):
        assert value in html
    assert not Booking.objects.exists()


def test_it_names_the_window_field_when_none_or_a_foreign_one_is_picked(form, ac):
    r = Client().post("/book/website/", visitor(job_type_id=ac["job_type"].pk))
    assert r.status_code == 422 and "pick a time for the visit" in r.content.decode()
    other = ArrivalWindowFactory(weekday=2)  # another unit's window
    for bad in (key(other, ac["day"]), "nonsense", f"{ac['morning'].pk}:2020-13-01"):
        r = Client().post("/book/website/", visitor(job_type_id=ac["job_type"].pk, window=bad))
        assert r.status_code == 422 and "pick one of the times offered" in r.content.decode()
    assert not Booking.objects.exists()


def test_it_takes_a_service_whose_unit_has_no_windows_without_a_time(form):
    job_type = JobTypeFactory(name="Roof check")
    html = Client().get("/book/website/windows/", {"job_type_id": job_type.pk}).content.decode()
    assert "we will call you to find one" in html
    assert Client().post("/book/website/", visitor(job_type_id=job_type.pk)).status_code == 200
    assert Booking.objects.get().requested_start is None


# --- the API ------------------------------------------------------------------------


def api_booking(ac, **window):
    return {
        "external_id": "partner-1",
        "contact": {"name": "Ari", "phone": "512-555-0100"},
        "job_type_id": ac["job_type"].pk,
        "requested_window": window,
    }


def test_it_accepts_a_requested_window_from_the_api(integration_api, ac):
    start, end = at(ac["day"], 13), at(ac["day"], 15)
    r = integration_api.post("/bookings", api_booking(ac, start=start.isoformat(), end=end.isoformat()))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["requested_window"] == "1 PM–3 PM" and body["business_unit_id"] == ac["unit"].pk
    assert body["requested_start"].startswith(f"{ac['day'].isoformat()}T13:00")
    assert body["requested_end"].startswith(f"{ac['day'].isoformat()}T15:00")
    # A re-send is the same booking, even once the window is full.
    WindowDay.objects.create(window=ac["afternoon"], date=ac["day"], booked=2)
    again = integration_api.post("/bookings", api_booking(ac, start=start.isoformat(), end=end.isoformat()))
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_it_refuses_a_full_or_unknown_requested_window_from_the_api(integration_api, ac):
    WindowDay.objects.create(window=ac["morning"], date=ac["day"], booked=1)
    r = integration_api.post("/bookings", api_booking(ac, start=at(ac["day"], 8).isoformat()))
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "window_full" and body["errors"][0]["field"] == "requested_window"
    assert body["window"]["window_id"] == ac["morning"].pk
    assert body["next_open"][0]["start"].startswith(f"{ac['day'].isoformat()}T13:00")
    r = integration_api.post("/bookings", api_booking(ac, start=at(ac["day"], 9).isoformat()))
    assert r.status_code == 422 and r.json()["code"] == "window_unknown"
    assert r.json()["errors"][0]["field"] == "requested_window.start"
    # A job type offered by two units needs the business unit named.
    ac["job_type"].business_units.add(BusinessUnitFactory())
    r = integration_api.post("/bookings", api_booking(ac, start=at(ac["day"], 13).isoformat()))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "business_unit_id"
    assert not Booking.objects.exists()


def test_it_still_takes_a_free_text_requested_window_from_the_api(integration_api, ac):
    body = {**api_booking(ac), "requested_window": "mornings please"}
    r = integration_api.post("/bookings", body)
    assert r.status_code == 201 and r.json()["requested_window"] == "mornings please"
    assert r.json()["requested_end"] is None
    r = integration_api.post("/bookings", {**body, "external_id": "p-2", "requested_window": "x" * 61})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "requested_window"
