"""The CSR's booking forms show availability: picking a business unit lists its
next arrival windows, full ones greyed; picking one (by keyboard too) fills the start."""

import re
from datetime import datetime, time, timedelta

from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory
from conftest import make_employee
from customers.tests.factories import LocationFactory
from jobs.models import Job
from leads.tests.factories import LeadFactory
from scheduling.models import WindowDay, WindowPlace
from scheduling.tests.factories import CHICAGO, ArrivalWindowFactory, next_weekday


def _weekday_after_today() -> int:
    """Tomorrow's weekday in Chicago. The windows are weekly: on the same weekday as
    today, today's own windows would be the first open ones (until they pass),
    and the picker would rightly start there instead of at ``day``."""
    return (datetime.now(CHICAGO).date() + timedelta(days=1)).weekday()


def test_it_books_a_converted_lead_into_the_window_the_csr_picks_by_keyboard(page, login):
    page.set_default_timeout(30_000)  # the machine may be busy
    csr = make_employee(Role.CSR)
    unit = BusinessUnitFactory(name="HVAC Service")
    JobTypeFactory(name="AC repair", business_units=[unit])
    weekday = _weekday_after_today()
    day = next_weekday(weekday)
    full = ArrivalWindowFactory(business_unit=unit, weekday=weekday, capacity=1)  # 08–10, full
    afternoon = ArrivalWindowFactory(
        business_unit=unit, weekday=weekday, start_time=time(13), end_time=time(15), capacity=2
    )
    WindowDay.objects.create(window=full, date=day, booked=1)
    location = LocationFactory()
    lead = LeadFactory(name="Dana Lee", customer=location.customer, location=location)
    login(csr.user.username)
    page.goto(f"/leads/{lead.pk}/convert/")
    # Picking the unit refreshes both the windows and the job types: wait for both,
    # or a job type picked now is replaced by the list arriving after it.
    with (
        page.expect_response(lambda r: "/job-types/hx/" in r.url),
        page.expect_response(
            lambda r: "/scheduling/slots/" in r.url and re.search(r"business_unit=\d", r.url)
        ),
    ):
        page.get_by_label("Business unit").select_option(label="HVAC Service")
    group = page.get_by_role("group", name="Next arrival windows, HVAC Service")
    group.wait_for()
    label = f"{day:%a %b} {day.day}"
    full_radio = group.get_by_role("radio", name=re.compile(rf"{label}, 8 AM.*Full"))
    assert full_radio.is_disabled()
    open_radio = group.get_by_role("radio", name=re.compile(rf"{label}, 1 PM.*2 of 2 open"))
    assert open_radio.is_enabled()
    page.get_by_label("Job type").select_option(label="AC repair")
    # Keyboard: Tab into the group lands on the first open window; Space picks it.
    page.get_by_label("Technician").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.value")
    assert focused.startswith(day.isoformat())
    page.keyboard.press("Space")
    assert page.get_by_label("Start", exact=True).input_value() == f"{day.isoformat()}T{focused[11:]}"
    open_radio.check()
    assert page.get_by_label("Start", exact=True).input_value() == f"{day.isoformat()}T13:00"
    page.screenshot(path="/work/shots/scheduling/test-convert-picker.png", full_page=True)
    page.get_by_role("button", name="Book job").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    job = Job.objects.get()
    assert WindowPlace.objects.get(job_id=job.pk).day.window == afternoon


def test_it_fills_the_flyouts_date_and_time_from_a_window(page, login):
    page.set_default_timeout(30_000)
    tech = make_employee(Role.TECHNICIAN)
    unit = BusinessUnitFactory(name="HVAC Install")
    JobTypeFactory(name="Furnace install", business_units=[unit])
    weekday = _weekday_after_today()
    day = next_weekday(weekday)
    ArrivalWindowFactory(
        business_unit=unit, weekday=weekday, start_time=time(10), end_time=time(12), capacity=1
    )
    from jobs.tests.factories import book_job

    origin = book_job(technician=tech)
    login(tech.user.username)
    page.goto(f"/jobs/{origin.pk}/")
    page.get_by_role("link", name="Lead", exact=True).click()
    flyout = page.get_by_role("dialog", name="Create lead")
    flyout.wait_for()
    with page.expect_response(
        lambda r: "/scheduling/slots/" in r.url and re.search(r"business_unit=\d", r.url)
    ):
        flyout.get_by_label("Business unit").select_option(label="HVAC Install")
    flyout.get_by_role("radio", name=re.compile(rf"{day:%a %b} {day.day}, 10 AM")).check()
    assert flyout.get_by_label("Start date").input_value() == day.isoformat()
    assert flyout.get_by_label("Start time").input_value() == "10:00"
    assert day - timedelta(days=7) < day  # the window is within the next week
