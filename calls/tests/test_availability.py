"""The Calls screen's Available / Away switch: an Away CSR is not rung
(no bubbles) and rules for Available CSRs pass them over."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from calls.tests.factories import ring
from conftest import make_employee
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def login(employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def test_it_shows_the_switch_on_the_calls_screen_as_an_accessible_switch():
    csr = make_employee(Role.CSR)
    page = login(csr).get("/calls/").content.decode()
    assert 'role="switch"' in page and 'aria-checked="true"' in page
    assert 'hx-post="/calls/availability/"' in page and "Calls ring for you" in page


def test_it_switches_to_away_and_stops_ringing_for_that_csr():
    ring()
    csr, other = make_employee(Role.CSR), make_employee(Role.CSR)
    client = login(csr)
    r = client.post("/calls/availability/", {"available": "0"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    body = r.content.decode()
    assert 'aria-checked="false"' in body and "Away" in body
    assert 'hx-swap-oob="innerHTML"' in body and "Answer call from" not in body
    csr.refresh_from_db()
    assert csr.available is False and csr.available_changed_at is not None
    assert AuditEntry.objects.filter(entity="employee", entity_id=csr.pk, action="away").count() == 1
    # The bubble poll rings for the Available CSR only.
    assert "Answer call from" not in client.get("/calls/incoming/").content.decode()
    assert "Answer call from" in login(other).get("/calls/incoming/").content.decode()
    assert "Answer call from" not in client.get("/calls/").content.decode()


def test_it_switches_back_without_javascript_by_reloading_the_screen():
    ring()
    csr = make_employee(Role.CSR, available=False)
    client = login(csr)
    r = client.post("/calls/availability/", {"available": "1"})
    assert r.status_code == 302 and r["Location"] == "/calls/"
    csr.refresh_from_db()
    assert csr.available is True
    assert "Answer call from" in client.get("/calls/incoming/").content.decode()


def test_it_refuses_the_switch_to_a_technician_and_to_a_get():
    tech = make_employee(Role.TECHNICIAN)
    assert login(tech).post("/calls/availability/", {"available": "0"}).status_code == 403
    tech.refresh_from_db()
    assert tech.available is True
    assert login(make_employee(Role.CSR)).get("/calls/availability/").status_code == 405
