"""What every screen shares: error pages in the site's look, field names in
words, one way to write a time, the favicon (issue 13, points 9 and 10)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import Role
from conftest import make_employee
from core.forms import field_label, worded
from core.templatetags.leadline import clock, day, duration_words, elapsed, when

pytestmark = pytest.mark.django_db


def _client(role: str = Role.CSR) -> Client:
    client = Client()
    client.force_login(make_employee(role).user)
    return client


def test_it_shows_a_styled_403_naming_why_with_the_navigation():
    response = _client(Role.CSR).get("/reports/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in html and "Reports are for managers and admins." in html
    assert 'aria-label="Main"' in html and "app.css" in html  # the site's look, its navigation


def test_it_shows_a_styled_404():
    response = _client().get("/leads/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Nothing here" in html and "Go to the dashboard" in html and "app.css" in html


def test_it_shows_a_styled_page_when_a_form_expired():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_employee(Role.CSR).user)
    response = client.post("/leads/new/", {"name": "Pat"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_it_renders_the_500_page_without_a_request():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "app.css" in html and "Log out" not in html


def test_it_leaves_messages_for_the_next_page_after_an_error_page():
    client = _client()
    session_messages = "Lead 1 captured."
    from django.contrib.messages.storage.cookie import CookieStorage

    # A message waiting in the cookie survives a 404 and shows on the next real page.
    storage = CookieStorage(type("R", (), {"COOKIES": {}})())
    storage.add(20, session_messages)
    encoded = storage._encode(storage._queued_messages)
    client.cookies["messages"] = encoded
    assert session_messages not in client.get("/leads/999999/").content.decode()
    assert session_messages in client.get("/leads/").content.decode()


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("reason_id", "Reason"),
        ("call_reason_id", "Reason"),
        ("contact.phone", "Phone"),
        ("locations[0].zip", "Location 1 ZIP"),
        ("phones[1]", "Phone 2"),
        ("job_type_id", "Job type"),
        ("follow_up_on", "Follow-up date"),
    ],
)
def test_it_names_fields_in_words(name, words):
    assert field_label(name) == words


def test_it_writes_a_refusal_as_a_sentence():
    assert worded("reason_id", "is required") == "Reason is required"
    assert worded("phone", "'12' is not a phone number") == "'12' is not a phone number"


@override_settings(TIME_ZONE="America/Chicago")
def test_it_writes_times_one_way():
    tz = ZoneInfo("America/Chicago")
    this_year = timezone.localdate().year
    moment = datetime(this_year, 3, 5, 14, 5, tzinfo=tz)
    assert when(moment) == "Mar 5, 2:05 PM"
    assert when(datetime(2001, 3, 5, 9, 41, tzinfo=tz)) == "Mar 5, 2001 9:41 AM"
    assert when(moment.astimezone(ZoneInfo("UTC"))) == "Mar 5, 2:05 PM"  # shown in the company's zone
    assert clock(moment) == "2:05 PM"
    assert day(date(2026, 3, 5)) == "Thu, Mar 5, 2026"
    assert when(None) == "" and clock(None) == ""


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "0 s"), (13, "13 s"), (65, "1 min 05 s"), (811, "13 min 31 s"), (3720, "1 h 02 min")],
)
def test_it_reads_a_duration_as_a_duration(seconds, words):
    assert duration_words(seconds) == words


def test_it_says_how_long_a_call_has_been_ringing():
    assert elapsed(timezone.now() - timedelta(seconds=13)) in ("13 s", "14 s")


def test_it_serves_a_favicon():
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("leadline/favicon.svg")
    assert 'rel="icon"' in Client().get("/login/").content.decode()
