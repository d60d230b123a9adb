"""The CSR scorecard against a hand-built office: each figure by its definition
(reports.selectors), each figure the row count of the list it links to, the API,
CSV, who may read it, and a statement count that does not grow with the rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from catalog.tests.factories import CallReasonFactory
from conftest import make_employee
from leads.models import Lead
from reports import rollups
from reports.models import RollupState
from reports.selectors import DateRange, csr_scorecard
from reports.tests.factories import at, linked_rows, make_call, make_lead

pytestmark = pytest.mark.django_db


def lead(when, **fields):
    row = make_lead(when)
    Lead.objects.filter(pk=row.pk).update(**fields)
    row.refresh_from_db()
    return row


@pytest.fixture
def office():
    """Three CSRs (one idle), a manager who took a call, an inactive CSR; calls and
    leads inside a 7-day range and just outside it."""
    today = timezone.localdate()
    day = today - timedelta(days=2)
    before = today - timedelta(days=8)
    ann = make_employee(Role.CSR, name="Ann Able")
    bob = make_employee(Role.CSR, name="Bob Baker")
    cy = make_employee(Role.CSR, name="Cy Idle")
    boss = make_employee(Role.MANAGER, name="Mo Manager")
    make_employee(Role.CSR, name="Gone Away", active=False)
    for cls in ("booked", "booked", "unbooked", "excused"):
        make_call(at(day, 10), classification=cls, accepted_by=ann)
    make_call(at(before, 10), classification="booked", accepted_by=ann)  # outside the range
    make_call(at(day, 11), classification="unbooked", accepted_by=bob)
    make_call(at(day, 12), classification="booked", accepted_by=boss)
    make_call(at(day, 13), classification="abandoned", duration=90)  # nobody took it

    t0 = at(day, 9)
    # Ann's leads: met (answered by Ann in 2 min), breached (answered late by Bob),
    # breached (never answered, long past due), running (due tomorrow), a merged duplicate.
    lead(t0, assignee=ann, first_response_due_at=t0 + timedelta(minutes=10),
         first_response_at=t0 + timedelta(seconds=120), first_response_by=ann)  # fmt: skip
    lead(t0, assignee=ann, first_response_due_at=t0 + timedelta(minutes=5),
         first_response_at=t0 + timedelta(seconds=600), first_response_by=bob)  # fmt: skip
    lead(t0, assignee=ann, first_response_due_at=t0 + timedelta(minutes=5))
    lead(t0, assignee=ann, first_response_due_at=timezone.now() + timedelta(days=1))
    keep = lead(t0, assignee=bob)
    lead(
        t0,
        assignee=ann,
        status=Lead.Status.DISMISSED,
        dismiss_reason=CallReasonFactory(),
        merged_into=keep,
        first_response_at=t0 + timedelta(seconds=5),
        first_response_by=ann,
    )
    # Bob's: answered by himself in a minute, no SLA; a lead dismissed unanswered before its due time (met).
    Lead.objects.filter(pk=keep.pk).update(
        first_response_at=t0 + timedelta(seconds=60), first_response_by=bob
    )
    closed = lead(t0, assignee=bob, first_response_due_at=timezone.now() + timedelta(days=1))
    Lead.objects.filter(pk=closed.pk).update(
        status=Lead.Status.DISMISSED,
        dismiss_reason=CallReasonFactory(),
        dismissed_at=t0 + timedelta(minutes=1),
    )
    lead(at(before, 9), assignee=ann, first_response_at=at(before, 9, 1), first_response_by=ann)  # outside
    return {
        "range": DateRange(today - timedelta(days=6), today),
        "ann": ann,
        "bob": bob,
        "cy": cy,
        "boss": boss,
    }


def test_it_computes_each_csrs_figures_by_their_definitions(office):
    report = csr_scorecard(date_range=office["range"])
    rows = {r.name: r.as_dict() for r in report.rows}
    assert list(rows) == [
        "Ann Able",
        "Bob Baker",
        "Cy Idle",
        "Mo Manager",
    ]  # active CSRs + anyone with figures
    assert rows["Ann Able"] == {
        "employee_id": office["ann"].pk,
        "name": "Ann Able",
        "calls_taken": 4,
        "lead_calls": 3,
        "booked": 2,
        "booking_rate": Decimal("0.6667"),
        "unbooked": 1,
        "leads_assigned": 4,
        "first_responses": 1,
        "median_speed_to_lead_seconds": 120,
        "sla_met_rate": Decimal("0.3333"),  # met 1 of 3 decided; the running one waits
    }
    bob = rows["Bob Baker"]
    assert (bob["calls_taken"], bob["lead_calls"], bob["booked"], bob["booking_rate"]) == (
        1,
        1,
        0,
        Decimal("0"),
    )
    assert (bob["leads_assigned"], bob["first_responses"]) == (2, 2)
    assert bob["median_speed_to_lead_seconds"] == 330  # median of 60 s and 600 s
    assert bob["sla_met_rate"] == Decimal("1.0000")  # closed unanswered before its due time
    assert rows["Cy Idle"]["calls_taken"] == 0 and rows["Cy Idle"]["booking_rate"] is None
    assert rows["Cy Idle"]["sla_met_rate"] is None and rows["Cy Idle"]["median_speed_to_lead_seconds"] is None
    assert (rows["Mo Manager"]["calls_taken"], rows["Mo Manager"]["booked"]) == (1, 1)
    totals = report.totals
    assert (totals.calls_taken, totals.lead_calls, totals.booked, totals.leads_assigned) == (6, 5, 3, 6)
    assert totals.booking_rate == Decimal("0.6000")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_it_links_each_figure_to_a_list_of_that_manylinked_rows(office, role):
    client = Client()
    client.force_login(make_employee(role).user)
    r = office["range"]
    page = client.get("/reports/csr-scorecard/", {"from": r.start.isoformat(), "to": r.end.isoformat()})
    assert page.status_code == 200
    checked = 0
    for row, links in page.context["rows"]:
        for figure in (
            "calls_taken",
            "lead_calls",
            "booked",
            "unbooked",
            "leads_assigned",
            "first_responses",
        ):
            assert linked_rows(client, links[figure]) == getattr(row, figure), (
                row.name,
                figure,
                links[figure],
            )
            checked += 1
        assert linked_rows(client, links["sla_met"]) == row.sla_met, row.name
        assert linked_rows(client, links["sla_breached"]) == row.sla_breached, row.name
        assert links["median_speed_to_lead_seconds"] == links["first_responses"]
    assert checked == 6 * 4
    html = page.content.decode()
    assert 'role="img"' in html and "Lead calls, booked calls and first responses" in html
    assert "66.7 %" in html and "2 min 00 s" in html and "2 late" in html


def test_it_serves_the_scorecard_as_json_and_csv_to_managers_only(office, api_as):
    r = office["range"]
    params = {"from": r.start.isoformat(), "to": r.end.isoformat()}
    manager = api_as(Role.MANAGER)
    body = manager.get("/reports/csr-scorecard", params).json()
    ann = next(row for row in body["rows"] if row["name"] == "Ann Able")
    assert ann["booking_rate"] == "0.6667" and ann["median_speed_to_lead_seconds"] == 120
    assert body["totals"]["calls_taken"] == 6 and body["totals"]["median_speed_to_lead_seconds"] is None
    assert (body["from"], body["days"]) == (r.start.isoformat(), 7)
    response = manager.get("/reports/csr-scorecard", {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (
        lines[0]["name"] == "Ann Able"
        and lines[0]["lead_calls"] == "3"
        and lines[0]["sla_met_rate"] == "0.3333"
    )
    assert lines[-1]["name"] == "Total" and lines[-1]["employee_id"] == ""
    for role in (Role.CSR, Role.OFFICE, Role.TECHNICIAN):
        assert api_as(role).get("/reports/csr-scorecard", params).status_code == 403
    bad = manager.get("/reports/csr-scorecard", {"from": "2026-13-01", "to": r.end.isoformat()})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
    client = Client()
    client.force_login(make_employee(Role.CSR).user)
    assert client.get("/reports/csr-scorecard/").status_code == 403


@pytest.mark.parametrize("raw", [True, False])
def test_it_reads_the_scorecard_in_a_fixed_number_of_statements(office, raw, django_assert_max_num_queries):
    # Raw rows: five grouped reads (PostgreSQL adds SAVEPOINT, SET LOCAL jit, RELEASE). Rollups:
    # the refresh's two checks, then in one transaction (SAVEPOINT … RELEASE here, inside the
    # test's; PostgreSQL adds SET LOCAL jit) the summed days, the check for changes since the
    # refresh, the overdue leads, the medians and the people.
    limit = (5 if raw else 9) + ((3 if raw else 1) if connection.vendor == "postgresql" else 0)
    # Built, as migrate leaves an empty database: a transactional test run before this
    # one in the same process empties every table, the rollups' state row too.
    RollupState.objects.update_or_create(pk=1, defaults={"built": True, "rebuild_next": None})
    rollups.refresh()  # the days the fixture changed: counted by the rollups' own tests
    with django_assert_max_num_queries(limit):
        small = csr_scorecard(date_range=office["range"], raw=raw)
    assert (small.as_of is None) == raw
    for _ in range(12):
        csr = make_employee(Role.CSR)
        make_call(at(timezone.localdate(), 10), classification="booked", accepted_by=csr)
        lead(
            at(timezone.localdate(), 9), assignee=csr, first_response_at=timezone.now(), first_response_by=csr
        )
    rollups.refresh()
    with django_assert_max_num_queries(limit):
        big = csr_scorecard(date_range=office["range"], raw=raw)
    assert len(big.rows) == len(small.rows) + 12
