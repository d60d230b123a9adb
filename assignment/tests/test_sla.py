from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Role
from accounts.tests.factories import EmployeeFactory
from assignment import services
from assignment.models import SlaPolicy
from assignment.services import LeadFacts, first_response_due, sla_policy_for
from assignment.tests.helpers import admin, capture, policy
from calls.services import call_back_attempt
from calls.tests.factories import play_call
from catalog.tests.factories import DismissReasonFactory
from hours.services import BusinessHoursSpec, business_hours_set
from leads.models import Lead, sla_status
from leads.services import Contact, lead_dismiss, lead_follow_up, record_first_response
from leads.templatetags.leads_tags import sla_clock

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS = {d: [(time(8), time(18))] for d in range(5)} | {5: [], 6: []}


def spec(days=None, closures=()):
    return BusinessHoursSpec(tz=CHICAGO, days=days or WEEKDAYS, closures=frozenset(closures))


def local(*args):
    return datetime(*args, tzinfo=CHICAGO)


def in_hours(minutes):
    return SlaPolicy(name="p", minutes=minutes, business_hours_only=True)


def test_it_counts_wall_minutes_without_business_hours():
    p = SlaPolicy(name="p", minutes=30, business_hours_only=False)
    assert first_response_due(local(2026, 3, 6, 17, 50), p, spec()) == local(2026, 3, 6, 18, 20)


def test_it_carries_the_rest_over_closed_hours_and_weekends():
    # Friday 17:50: 10 minutes today, 20 on Monday from 08:00.
    due = first_response_due(local(2026, 3, 6, 17, 50), in_hours(30), spec())
    assert due == local(2026, 3, 9, 8, 20)
    # Captured at night: the count starts at the next opening.
    assert first_response_due(local(2026, 3, 9, 22, 0), in_hours(15), spec()) == local(2026, 3, 10, 8, 15)
    # Exactly at closing time.
    assert first_response_due(local(2026, 3, 10, 18, 0), in_hours(60), spec()) == local(2026, 3, 11, 9, 0)


def test_it_skips_closures():
    closed_monday = spec(closures=[datetime(2026, 3, 9).date()])
    due = first_response_due(local(2026, 3, 6, 17, 50), in_hours(30), closed_monday)
    assert due == local(2026, 3, 10, 8, 20)


def test_it_counts_real_minutes_across_dst_changes():
    always = spec(days={d: [(time(0), time.max)] for d in range(7)})
    # Spring forward (2026-03-08 02:00 CST → 03:00 CDT): 60 minutes from 01:30 is 03:30 on the wall.
    start = local(2026, 3, 8, 1, 30)
    due = first_response_due(start, in_hours(60), always)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=60)
    assert due.astimezone(CHICAGO).time() == time(3, 30)
    # Fall back (2026-11-01 02:00 CDT → 01:00 CST): 60 minutes from 01:30 CDT is 01:30 CST.
    start = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO, fold=0)
    due = first_response_due(start, in_hours(60), always)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=60)
    assert due.astimezone(CHICAGO).time() == time(1, 30) and due.astimezone(CHICAGO).utcoffset() == timedelta(
        hours=-6
    )
    # Open 00:00–04:00 on the short night: 01:00 CST plus two real hours is 04:00 CDT,
    # the end of the interval (which held only three real hours).
    sunday_open = spec(days={6: [(time(0), time(4))]})
    due = first_response_due(local(2026, 3, 8, 1, 0), in_hours(120), sunday_open)
    assert due == local(2026, 3, 8, 4, 0)


def test_it_picks_the_most_specific_policy_then_the_tightest():
    anything = SlaPolicy(pk=1, name="any", minutes=60)
    web = SlaPolicy(pk=2, name="web", minutes=30, channels=["online"])
    web_marketing = SlaPolicy(pk=3, name="web mk", minutes=45, channels=["online"], lead_types=["marketing"])
    fast = SlaPolicy(pk=4, name="fast", minutes=5, channels=["online"], active=False)
    policies = [anything, web, web_marketing, fast]
    assert sla_policy_for(LeadFacts(type="marketing", channel="online"), policies) == web_marketing
    assert sla_policy_for(LeadFacts(type="abandoned_call", channel="online"), policies) == web
    assert sla_policy_for(LeadFacts(type="marketing", channel="call"), policies) == anything
    assert sla_policy_for(LeadFacts(type="marketing", channel="call"), [web]) is None


def test_it_stamps_the_due_time_at_capture_in_business_hours(monkeypatch):
    business_hours_set(
        actor=admin(),
        timezone="America/Chicago",
        days={
            "mon": [["08:00", "18:00"]],
            "tue": [["08:00", "18:00"]],
            "wed": [["08:00", "18:00"]],
            "thu": [["08:00", "18:00"]],
            "fri": [["08:00", "18:00"]],
            "sat": [],
            "sun": [],
        },
        closures=[],
    )
    policy(minutes=30, business_hours_only=True, lead_types=["marketing"])
    friday = local(2026, 3, 6, 17, 50)
    monkeypatch.setattr(services.timezone, "now", lambda: friday)
    lead = capture()
    assert lead.first_response_due_at == local(2026, 3, 9, 8, 20)
    lead.refresh_from_db()
    assert lead.first_response_due_at == local(2026, 3, 9, 8, 20)
    abandoned = play_call(seconds=90).lead
    assert abandoned.first_response_due_at is None and abandoned.sla_status == "none"


def test_it_tells_the_sla_status():
    now = timezone.now()
    lead = Lead(status="open", created_at=now - timedelta(minutes=20))
    assert sla_status(lead, now) == "none"
    lead.first_response_due_at = now + timedelta(minutes=30)
    assert sla_status(lead, now) == "on_time"
    assert sla_status(lead, now + timedelta(minutes=20)) == "due_soon"
    assert sla_status(lead, now + timedelta(minutes=31)) == "breached"
    lead.first_response_at = now + timedelta(minutes=29)
    assert sla_status(lead, now + timedelta(days=1)) == "met"
    lead.first_response_at = now + timedelta(minutes=31)
    assert sla_status(lead, now) == "breached"
    closed = Lead(status="dismissed", first_response_due_at=now, dismissed_at=now - timedelta(minutes=1))
    assert sla_status(closed, now + timedelta(days=1)) == "met"


def test_it_stops_the_clock_at_the_first_follow_up_call_back_or_text():
    policy(minutes=60)
    csr = Actor(employee=EmployeeFactory(role=Role.CSR))
    lead = capture(actor=csr)
    assert lead.sla_status == "on_time"
    lead_follow_up(actor=csr, lead=lead, note="Left a voicemail")
    lead.refresh_from_db()
    assert lead.first_response_by == csr.employee and lead.sla_status == "met"
    # Only the first response counts.
    assert record_first_response(lead=lead, by=EmployeeFactory()) is False
    lead.refresh_from_db()
    assert lead.first_response_by == csr.employee
    texted = capture(actor=csr)
    when = timezone.now() + timedelta(minutes=20)
    assert record_first_response(lead=texted, at=when, by=csr.employee) is True
    texted.refresh_from_db()
    assert texted.first_response_at == when and texted.sla_status == "met"
    late = capture(actor=csr)
    record_first_response(lead=late, at=timezone.now() + timedelta(minutes=61), by=csr.employee)
    late.refresh_from_db()
    assert late.sla_status == "breached"
    # A call back on the Leads tab answers an abandoned-call lead.
    call = play_call(seconds=90)
    call_back_attempt(actor=csr, call=call, outcome="no_answer")
    call.lead.refresh_from_db()
    assert call.lead.first_response_by == csr.employee and call.lead.sla_status == "met"


def test_it_shows_a_clock_per_row():
    now = timezone.now()
    lead = Lead(status="open", created_at=now, first_response_due_at=now + timedelta(minutes=7, seconds=30))
    assert "due in 7 min" in sla_clock(lead, now)
    assert "sla-due_soon" in sla_clock(lead, now)
    assert "12 min late" in sla_clock(lead, now + timedelta(minutes=19, seconds=40))
    assert "1 h 5 min late" in sla_clock(lead, now + timedelta(minutes=72, seconds=40))
    lead.first_response_at = now + timedelta(minutes=5)
    assert "answered in 5 min" in sla_clock(lead, now)
    assert "—" in sla_clock(Lead(status="open"), now)


def _client(role=Role.CSR):
    employee = EmployeeFactory(role=role)
    c = Client()
    c.force_login(employee.user)
    return c


def test_it_sorts_follow_up_and_the_api_by_the_clock(csr_api):
    policy(minutes=60)
    later = capture(contact=Contact(name="Later Lou", phone="5128675301"))
    sooner = capture(contact=Contact(name="Sooner Sue", phone="5128675302"))
    Lead.objects.filter(pk=sooner.pk).update(first_response_due_at=timezone.now() - timedelta(minutes=12))
    answered = capture()
    record_first_response(lead=answered)
    page = _client().get("/leads/", {"sort": "sla"}).content.decode()
    assert page.index("Sooner Sue") < page.index("Later Lou")
    assert "12 min late" in page and 'aria-sort="ascending"' in page
    assert f"/leads/{answered.pk}/" not in page
    plain = _client().get("/leads/").content.decode()
    assert "First response" in plain and "due in" in plain
    body = csr_api.get("/leads", {"sort": "sla"}).json()
    assert [x["id"] for x in body["items"]] == [sooner.pk, later.pk]
    first = body["items"][0]
    assert first["sla_status"] == "breached" and first["first_response_due_at"]
    assert first["channel"] == "manual" and first["assigned_by"] == ""
    assert csr_api.get("/leads", {"sort": "nope"}).status_code == 422


def test_it_shows_the_clock_on_the_leads_tab():
    policy(minutes=30, lead_types=["abandoned_call"])
    call = play_call(seconds=90)
    assert call.lead.first_response_due_at is not None
    html = _client().get("/calls/queue/", {"sort": "sla"}).content.decode()
    assert "due in" in html and 'aria-sort="ascending"' in html
    lead_dismiss(actor=admin(), lead=call.lead, reason=DismissReasonFactory())
    assert "due in" not in _client().get("/calls/queue/").content.decode()
