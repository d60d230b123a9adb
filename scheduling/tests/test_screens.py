"""The screens that show arrival windows: the dashboard's capacity board."""

from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client

from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory
from conftest import make_employee
from hours.models import BusinessHours
from scheduling.models import WindowDay
from scheduling.tests.factories import CHICAGO, ArrivalWindowFactory

pytestmark = pytest.mark.django_db


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(make_employee(role).user)
    return client


def today() -> date:
    return datetime.now(CHICAGO).date()


def units_with_windows(count: int, first: int = 0) -> list:
    units = []
    for i in range(first, first + count):
        unit = BusinessUnitFactory(name=f"Unit {i:02d}")
        for day in (today(), today() + timedelta(days=1)):
            for hour in (8, 12):
                ArrivalWindowFactory(
                    business_unit=unit,
                    weekday=day.weekday(),
                    start_time=time(hour),
                    end_time=time(hour + 2),
                    capacity=2,
                )
        units.append(unit)
    return units


def test_it_shows_today_and_tomorrows_windows_per_unit_booked_over_capacity():
    hvac = BusinessUnitFactory(name="HVAC Service")
    plumbing = BusinessUnitFactory(name="Plumbing")
    t = today()
    morning = ArrivalWindowFactory(business_unit=hvac, weekday=t.weekday(), capacity=2)
    ArrivalWindowFactory(
        business_unit=hvac, weekday=t.weekday(), start_time=time(13), end_time=time(15), capacity=3
    )
    ArrivalWindowFactory(business_unit=plumbing, weekday=(t + timedelta(days=1)).weekday(), capacity=1)
    WindowDay.objects.create(window=morning, date=t, booked=2)
    BusinessHours.objects.create(
        pk=1, timezone="America/Chicago", days={}, closures=[(t + timedelta(days=1)).isoformat()]
    )
    html = client_for(Role.CSR).get("/").content.decode()
    board = html[html.index('id="capacity"') :]
    board = board[: board.index("</section>")]
    hvac_row = board[board.index("HVAC Service") : board.index("Plumbing")]
    assert "2 / 5" in hvac_row  # today: 2 of 2 in the morning, 0 of 3 in the afternoon
    assert '8 AM–10 AM <strong>2/2</strong> <span class="sr-only">full</span>' in hvac_row
    assert "1 PM–3 PM <strong>0/3</strong>" in hvac_row
    assert "Closed" in hvac_row  # tomorrow is a closure day
    plumbing_row = board[board.index("Plumbing") :]
    assert "No windows" in plumbing_row and "Closed" in plumbing_row


def test_it_answers_the_dashboard_in_the_same_number_of_queries_for_any_number_of_windows(
    django_assert_num_queries,
):
    client = client_for(Role.MANAGER)
    units_with_windows(1)
    client.get("/")  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    units_with_windows(6, first=1)  # 6 more units, 24 more windows
    # The board is three of them: the business hours, the windows with their units, the counters.
    # (The chart's new leads per day are three more: the rollups' state, the hours changed, the rollups.)
    assert len(few.captured_queries) <= 18
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get("/").content.decode()
    assert html.count('<th scope="row">Unit ') == 7


# --- the booking forms' window picker ---------------------------------------------------


def test_it_offers_a_units_next_windows_with_full_ones_disabled_and_the_current_start_checked():
    unit = BusinessUnitFactory(name="Plumbing")
    day = today() + timedelta(days=1)
    morning = ArrivalWindowFactory(business_unit=unit, weekday=day.weekday(), capacity=1)
    ArrivalWindowFactory(
        business_unit=unit, weekday=day.weekday(), start_time=time(13), end_time=time(15), capacity=2
    )
    WindowDay.objects.create(window=morning, date=day, booked=1)
    client = client_for(Role.CSR)
    html = client.get(
        "/scheduling/slots/", {"business_unit": unit.pk, "start": f"{day.isoformat()}T13:00"}
    ).content.decode()
    assert "Next arrival windows, Plumbing" in html
    full = html[html.index(f'value="{day.isoformat()}T08:00"') :].split("</label>")[0]
    assert "disabled" in full and "Full (1 of 1 booked)" in full
    afternoon = html[html.index(f'value="{day.isoformat()}T13:00"') :].split("</label>")[0]
    assert "checked" in afternoon and "disabled" not in afternoon and "2 of 2 open" in afternoon
    assert f'data-slot-date="{day.isoformat()}" data-slot-time="13:00"' in afternoon
    # The split date + time fields of the flyout and New job say the same.
    html = client.get(
        "/scheduling/slots/",
        {"business_unit_id": unit.pk, "start_date": day.isoformat(), "start_time": "13:00"},
    ).content.decode()
    assert "checked" in html[html.index(f'value="{day.isoformat()}T13:00"') :].split("</label>")[0]


def test_it_says_so_when_no_unit_is_picked_or_the_unit_has_no_windows():
    client = client_for(Role.TECHNICIAN)  # a technician books from the Create Lead flyout
    assert "Pick a business unit" in client.get("/scheduling/slots/").content.decode()
    assert "Pick a business unit" in client.get("/scheduling/slots/", {"business_unit": "x"}).content.decode()
    unit = BusinessUnitFactory(name="Roofing")
    html = client.get("/scheduling/slots/", {"business_unit": unit.pk}).content.decode()
    assert "Roofing has no arrival windows" in html
    anonymous = Client().get("/scheduling/slots/", {"business_unit": unit.pk})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


@pytest.mark.parametrize(
    "path",
    ["lead_convert", "call_panel", "booking_detail", "job_new"],
)
def test_it_puts_the_window_picker_on_every_booking_form(path):
    from bookings.tests.factories import BookingFactory
    from calls.tests.factories import ring
    from customers.tests.factories import LocationFactory, PhoneFactory
    from leads.tests.factories import LeadFactory

    client = client_for(Role.CSR)
    if path == "lead_convert":
        url, bu = f"/leads/{LeadFactory().pk}/convert/", "id_business_unit"
    elif path == "booking_detail":
        url, bu = f"/bookings/{BookingFactory().pk}/", "a-bu"
    elif path == "job_new":
        url, bu = f"/jobs/new/?customer={LocationFactory().customer_id}", "id_business_unit_id"
    else:
        location = LocationFactory()
        PhoneFactory(customer=location.customer, value="+15128675309")
        call = ring()
        client.post(f"/calls/{call.pk}/accept/")
        url, bu = f"/calls/{call.pk}/", "b-bu"
    html = client.get(url).content.decode()
    assert "data-slot-fill" in html and f'hx-trigger="load, change from:#{bu}"' in html
