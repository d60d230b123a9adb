"""The public form and the Bookings screen driven in Chromium.

Set LEADLINE_SCREENSHOTS=<dir> to keep screenshots of each screen."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import IntegrationFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from catalog.tests.factories import CallReasonFactory, JobTypeFactory
from conftest import make_employee
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.models import Job
from scheduling.tests.factories import ArrivalWindowFactory

SHOTS = os.environ.get("LEADLINE_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def website():
    ac = JobTypeFactory(name="AC repair")
    JobTypeFactory(name="Furnace tune-up")
    # The AC unit comes in the afternoons, every day of the week.
    for weekday in range(7):
        ArrivalWindowFactory(
            business_unit=ac.business_units.get(), weekday=weekday, start_time="12:00", end_time="16:00"
        )
    return IntegrationFactory(slug="website", name="Website", booking_form_enabled=True)


def fill_form(page):
    with page.expect_response(lambda r: "/windows/" in r.url):
        page.get_by_label("Service wanted").select_option(label="AC repair")
    page.get_by_label("What is going on?").fill("Upstairs unit blows warm air")
    page.get_by_label("Your name").fill("Morgan Blake")
    page.get_by_label("Phone").fill("(512) 555-0188")
    page.get_by_label("Email").fill("morgan@example.com")
    page.get_by_label("Street address").fill("418 Cedar Ln")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State").fill("TX")
    page.get_by_label("ZIP").fill("78704")
    page.get_by_role("group", name="When should we come?").get_by_role("radio").last.check()


def test_it_books_through_the_public_form(page, website):
    page.set_default_timeout(30_000)  # the live server's first request builds the URLconf and the API
    page.goto("/book/website/?utm_source=google&utm_medium=cpc&utm_campaign=summer-ac&gclid=G-77")
    shot(page, "public-form-desktop")
    page.get_by_role("button", name="Request my visit").click()
    assert page.locator(".field-error").count() == 5
    assert not Booking.objects.exists()
    fill_form(page)
    page.get_by_role("button", name="Request my visit").click()
    page.get_by_role("heading", name="Thank you, Morgan Blake!").wait_for()
    shot(page, "public-form-confirmation")
    booking = Booking.objects.get()
    assert booking.job_type.name == "AC repair" and booking.phone == "+15125550188"
    assert (booking.utm_source, booking.utm_campaign, booking.gclid) == ("google", "summer-ac", "G-77")
    assert "/book/website/?utm_source=google" in booking.landing_page
    assert booking.requested_window == "12 PM–4 PM" and timezone.localtime(booking.requested_start).hour == 12


def test_it_fits_a_phone_screen(page, website):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/book/website/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "public-form-mobile")


def test_it_ignores_a_bot_that_fills_the_honeypot(page, website):
    page.goto("/book/website/")
    fill_form(page)
    assert not page.locator("#f-company-website").is_visible() or page.locator(".hp").bounding_box()["x"] < 0
    page.locator("#f-company-website").fill("http://cheap-seo.example", force=True)
    page.get_by_role("button", name="Request my visit").click()
    page.get_by_role("heading", name="Thank you, Morgan Blake!").wait_for()
    assert not Booking.objects.exists()


def test_it_works_the_queue_and_accepts_a_booking(page, login):
    csr = make_employee(Role.CSR, user__username="csr-bookings")
    job_type = JobTypeFactory(name="AC repair")
    location = LocationFactory(customer__name="Harper Family", street="77 Maple Ave")
    PhoneFactory(customer=location.customer, value="+15126337777")
    CallReasonFactory(name="Spam", is_lead=False)
    BookingFactory(
        name="Jordan Ellis",
        channel="email",
        summary="Thermostat blank after power cut",
        integration__name="Inbox",
    )
    known = BookingFactory(
        name="Harper",
        phone="+15126337777",
        summary="Annual AC check",
        job_type=job_type,
        business_unit=job_type.business_units.first(),
        integration__name="Angi",
        requested_window="8-12",
    )
    login(csr.user.username)
    page.goto("/bookings/")
    page.get_by_role("link", name="Bookings").first.wait_for()
    rows = page.locator("#queue-rows tr")
    assert rows.count() == 2
    assert "Harper" in rows.nth(0).inner_text() and "Lead" not in rows.nth(0).inner_text()
    assert "Jordan Ellis" in rows.nth(1).inner_text() and "LEAD" in rows.nth(1).inner_text().upper()
    shot(page, "bookings-queue")
    page.get_by_role("link", name="Harper", exact=True).click()
    page.get_by_role("heading", name="Accept — book a job").wait_for()
    assert page.get_by_label("77 Maple Ave").is_checked()
    shot(page, "booking-page")
    # Picking "new customer" swaps the location choices for the booking's address (htmx).
    page.get_by_label("New customer from this booking").check()
    page.get_by_label("77 Maple Ave").wait_for(state="detached")
    page.get_by_label(location.customer.name).check()
    page.get_by_label("77 Maple Ave").check()
    page.get_by_role("button", name="Accept and book job").click()
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get()
    assert job.location == location and job.customer == location.customer
    assert Booking.objects.get(pk=known.pk).status == "accepted"


def test_it_offers_open_windows_on_a_phone_screen_and_survives_one_filling(page, website):
    """At 390 px: the service picked shows its open windows (no typed time); a window
    that fills before the visitor sends is refused with the next open ones, and
    what was typed is kept."""
    from scheduling.models import ArrivalWindow, WindowDay

    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/book/website/")
    assert page.locator("input[type=date], input[type=time], input[name=preferred_date]").count() == 0
    fill_form(page)
    group = page.get_by_role("group", name="When should we come?")
    first = group.get_by_role("radio").first
    first.focus()
    page.keyboard.press("Space")
    assert first.is_checked()
    picked = first.get_attribute("value")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/work/shots/scheduling/test-public-form-390.png", full_page=True)
    window_id, day = picked.split(":")
    window = ArrivalWindow.objects.get(pk=window_id)
    WindowDay.objects.create(window=window, date=day, booked=window.capacity)  # someone was quicker
    page.get_by_role("button", name="Request my visit").click()
    page.get_by_text("filled up while you were filling in the form").wait_for()
    assert not Booking.objects.exists()
    assert page.get_by_label("Your name").input_value() == "Morgan Blake"
    assert page.locator(f'input[name=window][value="{picked}"]').count() == 0
    page.get_by_role("group", name="When should we come?").get_by_role("radio").first.check()
    page.get_by_role("button", name="Request my visit").click()
    page.get_by_role("heading", name="Thank you, Morgan Blake!").wait_for()
    booking = Booking.objects.get()
    # The next open window: the afternoon of the following day.
    assert booking.requested_end is not None
    assert timezone.localtime(booking.requested_start).date().isoformat() > day
