"""The bell: a notification arrives while the page is open and the count changes
without a reload; the list marks read and links to the thing."""

from __future__ import annotations

from accounts.models import Role
from accounts.tests.factories import IntegrationFactory
from bookings.services import booking_receive
from conftest import make_employee
from core.testing.browser import wait_until
from leads.services import Contact
from notifications.models import Notification


def test_it_shows_a_new_booking_in_the_bell_without_a_reload(page, login, settings):
    settings.LEADLINE_NOTIFY_POLL_SECONDS = 1
    csr = make_employee(Role.CSR)
    login(csr.user.username)
    page.goto("/leads/")
    bell = page.get_by_role("link", name="Notifications")
    bell.wait_for()
    page.wait_for_timeout(300)  # the first (empty) count has loaded
    assert page.locator("#bell-count .nav-count").count() == 0
    page.evaluate("window.__samePage = true")

    received = booking_receive(
        integration=IntegrationFactory(),
        external_id="web-1",
        channel="online",
        contact=Contact(name="Ann Lee", phone="5125550142"),
    )
    page.locator("#bell-count .nav-count").filter(has_text="1").wait_for(timeout=10_000)
    assert page.evaluate("window.__samePage") is True  # no reload
    assert bell.inner_text().strip().startswith("Notifications")

    bell.click()
    page.get_by_role("heading", name="Notifications").wait_for()
    page.get_by_role("button", name="Unread: New online booking: Ann Lee").click()
    page.wait_for_url(f"**/bookings/{received.booking.pk}/")
    assert Notification.objects.get(employee=csr).read_at is not None
    wait_until(page, "document.querySelector('#bell-count [data-sig]') !== null")
    assert page.locator("#bell-count .nav-count").count() == 0


def test_it_marks_one_and_then_all_read(page, login):
    from notifications.services import notify

    csr = make_employee(Role.CSR)
    for text in ("first", "second", "third"):
        notify(employees=[csr], kind="text_received", text=text, url="/messages/")
    login(csr.user.username)
    page.goto("/notifications/")
    page.get_by_role("button", name="Mark read: second").click()
    page.get_by_role("heading", name="Notifications").wait_for()
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("text", flat=True)) == {
        "first",
        "third",
    }
    page.get_by_role("button", name="Mark all read").click()
    page.get_by_text("read", exact=True).first.wait_for()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
