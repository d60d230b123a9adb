from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Employee, Role
from conftest import make_employee
from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def signed_in(role: str = Role.CSR) -> tuple[Client, Employee]:
    employee = make_employee(role)
    client = Client()
    client.force_login(employee.user)
    return client, employee


def test_it_opens_a_notification_marking_it_read_and_going_to_its_page():
    client, me = signed_in()
    notify(employees=[me], kind="booking_new", text="New booking", url="/bookings/7/")
    note = Notification.objects.get()
    r = client.post(f"/notifications/{note.pk}/open/")
    assert r.status_code == 302 and r["Location"] == "/bookings/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_it_never_sends_anyone_off_the_site():
    client, me = signed_in()
    notify(employees=[me], kind="booking_new", text="x", url="https://evil.example/")
    notify(employees=[me], kind="booking_new", text="y", url="//evil.example/")
    for note in Notification.objects.all():
        assert client.post(f"/notifications/{note.pk}/open/")["Location"] == "/notifications/"
    first = Notification.objects.earliest("id")
    r = client.post(f"/notifications/{first.pk}/read/", {"next": "https://evil.example/"})
    assert r["Location"] == "/notifications/"


def test_it_will_not_open_or_show_someone_elses():
    client, _ = signed_in()
    other = make_employee(Role.CSR)
    notify(employees=[other], kind="booking_new", text="theirs private", url="/bookings/1/")
    note = Notification.objects.get()
    assert client.post(f"/notifications/{note.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    assert b"theirs private" not in client.get("/notifications/").content
    assert Notification.objects.get().read_at is None


def test_it_counts_unread_in_the_bell_fragment_and_lists_them():
    client, me = signed_in(Role.TECHNICIAN)
    notify(employees=[me], kind="lead_assigned", text="Lead for you", url="/leads/1/")
    notify(employees=[me], kind="lead_assigned", text="Another", url="/leads/2/")
    bell = client.get("/notifications/bell/")
    assert bell.status_code == 200 and b'data-sig="2"' in bell.content
    page = client.get("/notifications/?show=unread")
    assert b"Lead for you" in page.content and b"Mark all read" in page.content
    client.post("/notifications/read-all/")
    assert b'data-sig="0"' in client.get("/notifications/bell/").content


def test_it_costs_a_page_no_notification_query():
    client, me = signed_in()
    notify(employees=[me], kind="booking_new", text="New booking", url="/bookings/7/")
    with CaptureQueriesContext(connection) as queries:
        r = client.get("/calls/")
    assert r.status_code == 200 and b'hx-get="/notifications/bell/"' in r.content
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]


def test_it_needs_a_sign_in():
    r = Client().get("/notifications/")
    assert r.status_code == 302 and "/login/" in r["Location"]
