from datetime import timedelta
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.test import Client
from django.utils import timezone

from accounts.models import Employee, Integration, Role
from bookings.models import Booking
from calls.models import Call
from calls.services import LEAD_SECONDS, call_classify, calls_follow_up_queue
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag, TrackingNumber
from core.models import AuditEntry
from customers.models import ContactPoint, Customer, Location
from demo.activity import UNKNOWN_NUMBER
from demo.company import DEMO_PASSWORD, EMPLOYEES
from jobs.models import Invoice, InvoiceLine, Job
from leads.models import Lead, LeadActivity

pytestmark = pytest.mark.django_db

MODELS = [
    BusinessUnit,
    JobType,
    Campaign,
    TrackingNumber,
    CallReason,
    Tag,
    BookingGuide,
    Employee,
    Integration,
    Customer,
    ContactPoint,
    Location,
    Job,
    Invoice,
    InvoiceLine,
    Lead,
    LeadActivity,
    Call,
    Booking,
    AuditEntry,
]


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def test_it_loads_a_company_that_meets_the_minimums():
    load()
    assert BusinessUnit.objects.count() >= 3
    assert JobType.objects.count() >= 10
    assert not JobType.objects.annotate(n=Count("business_units")).filter(n=0).exists()
    campaigns_with_numbers = Campaign.objects.filter(tracking_numbers__active=True).distinct()
    assert campaigns_with_numbers.count() >= 6
    for number in TrackingNumber.objects.values_list("number", flat=True):
        assert number[:5] in ("+1512", "+1737")
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
    assert CallReason.objects.filter(is_lead=True).count() >= 2
    assert set(CallReason.objects.filter(is_lead=False).values_list("name", flat=True)) >= {
        "Wrong number",
        "Billing question",
        "Spam / robocall",
        "Vendor/sales call",
    }
    assert set(BookingGuide.objects.values_list("kind", flat=True)) == {
        "lead",
        "recall",
        "warranty",
        "general",
    }
    assert Employee.objects.filter(active=True, user__isnull=False).count() >= 12
    assert set(Employee.objects.values_list("role", flat=True)) == set(Role.values)
    assert Integration.objects.exists()

    assert Customer.objects.count() >= 300
    assert not Customer.objects.filter(contacts__isnull=True).exists()
    assert not Customer.objects.filter(locations__isnull=True).exists()
    assert Location.objects.exclude(state="TX").count() == 0

    # 90 days of jobs, each booked with its invoice (one load: it is the slow part of the suite).
    now = timezone.now()
    jobs = Job.objects.all()
    assert jobs.count() >= 300
    assert Invoice.objects.count() == jobs.count()
    assert not jobs.filter(invoice__isnull=True).exists()
    first = jobs.order_by("start").first()
    assert first is not None and first.start is not None
    assert first.start.date() <= (now - timedelta(days=89)).date()
    assert jobs.filter(start__gt=now).exists()
    # Dates and statuses agree: nothing in the future is done, nothing long past still waits.
    assert not jobs.filter(start__gt=now, status__in=["working", "completed"]).exists()
    assert not jobs.filter(start__lt=now - timedelta(days=1), status__in=["scheduled", "dispatched"]).exists()
    assert jobs.filter(status="completed").count() > jobs.count() // 2
    assert InvoiceLine.objects.exists()
    assert Invoice.objects.filter(status="paid", total__gt=0).exists()
    assert not Invoice.objects.filter(job__status="canceled").exclude(status="void").exists()
    recalls = jobs.filter(recall_for__isnull=False)
    warranties = jobs.filter(warranty_for__isnull=False)
    assert recalls.exists() and warranties.exists()
    no_charge = Invoice.objects.filter(Q(job__recall_for__isnull=False) | Q(job__warranty_for__isnull=False))
    assert no_charge.count() == recalls.count() + warranties.count()
    assert not no_charge.exclude(total=0).exists()
    assert jobs.filter(technician__isnull=False).count() > jobs.count() * 0.8
    assert jobs.filter(lead_setting_employee__isnull=False).exists()

    # The same load carries 90 days of office activity.
    assert_job_history_is_backdated(now)
    assert_leads(now)
    assert_calls(now)
    assert_bookings()


def assert_job_history_is_backdated(now):
    """Each job's audit trail is stamped when it happened, not on the day of the load."""
    booked = dict(AuditEntry.objects.filter(entity="job", action="booked").values_list("entity_id", "at"))
    jobs = dict(Job.objects.values_list("pk", "created_at"))
    assert booked == jobs
    assert min(booked.values()) < now - timedelta(days=85)
    assert not AuditEntry.objects.filter(at__gt=now).exists()
    assert AuditEntry.objects.filter(
        entity="invoice", action="status", at__lt=now - timedelta(days=60)
    ).exists()


def assert_leads(now):
    today = timezone.localdate()
    leads = Lead.objects.all()
    assert 600 <= leads.count() <= 1500
    minimums = {
        ("marketing", "converted"): 150,
        ("marketing", "dismissed"): 100,
        ("marketing", "open"): 40,
        ("abandoned_call", "converted"): 30,
        ("abandoned_call", "dismissed"): 30,
        ("abandoned_call", "open"): 5,
        ("job_generated", "converted"): 30,
        ("job_generated", "dismissed"): 10,
        ("job_generated", "open"): 5,
    }
    found = {(r["type"], r["status"]): r["n"] for r in leads.values("type", "status").annotate(n=Count("id"))}
    for key, minimum in minimums.items():
        assert found.get(key, 0) >= minimum, (key, found.get(key))
    # Spread over the 90 days, nothing in the future; older ones are mostly closed.
    assert leads.filter(created_at__lt=now - timedelta(days=80)).exists()
    assert not leads.filter(created_at__gt=now).exists()
    old = leads.filter(created_at__lt=now - timedelta(days=30))
    assert old.filter(status="open").count() < old.count() * 0.15

    # Contact details as they come: name and phone only, email only, existing customers.
    marketing = leads.filter(type="marketing")
    assert marketing.filter(customer=None, email="", city="").exclude(name="").exclude(phone="").count() >= 20
    assert marketing.filter(customer=None, phone="").exclude(email="").exists()
    assert marketing.filter(customer__isnull=False).count() >= 30
    # Every campaign but the one technician-generated leads are credited to brings marketing leads.
    assert (
        marketing.values("campaign").distinct().count()
        == Campaign.objects.filter(for_job_generated_leads=False).count()
    )

    # The Follow Up queue: overdue, due today and later; assigned to CSRs.
    open_leads = leads.filter(status="open")
    assert open_leads.filter(follow_up_on__lt=today).count() >= 5
    assert open_leads.filter(follow_up_on=today).count() >= 5
    assert open_leads.filter(follow_up_on__gt=today).count() >= 5
    assignees = set(leads.exclude(assignee=None).values_list("assignee__role", flat=True))
    assert assignees == {Role.CSR}

    # Timelines: follow-ups and notes (some pinned) written by CSRs, in the past.
    activities = LeadActivity.objects.all()
    assert activities.filter(kind="follow_up").count() >= leads.count()
    assert activities.filter(kind="note", pinned=True).count() >= 20
    assert set(activities.filter(kind__in=["follow_up", "note"]).values_list("by__role", flat=True)) == {
        Role.CSR
    }
    assert not activities.filter(at__gt=now).exists()

    # first_response_at is the first follow-up, or the conversion when nobody followed up first.
    for lead in leads.exclude(first_response_at=None).prefetch_related("activities"):
        follow_ups = [a.at for a in lead.activities.all() if a.kind == "follow_up"]
        expected = min(follow_ups) if follow_ups else lead.converted_at
        assert lead.first_response_at is not None and lead.first_response_at == expected, lead.pk
        assert lead.first_response_at >= lead.created_at
    assert not leads.filter(status="converted", first_response_at=None).exists()

    # Every converted lead booked its job, with its invoice, its campaign and its lead setter.
    converted = leads.filter(status="converted").select_related("converted_job__invoice")
    for lead in converted:
        job = lead.converted_job
        assert job is not None and job.invoice is not None, lead.pk
        assert job.campaign_id == lead.campaign_id, lead.pk
        assert job.lead_setting_employee_id == lead.lead_setting_employee_id, lead.pk
        assert job.created_at == lead.converted_at, lead.pk
    assert not leads.filter(status="dismissed", dismiss_reason=None, merged_into=None).exists()

    # Abandoned-call leads come from abandoned calls over 60 s.
    for lead in leads.filter(type="abandoned_call").select_related("call"):
        call = lead.call
        assert call is not None and call.classification == "abandoned", lead.pk
        assert call.duration_seconds is not None and call.duration_seconds > LEAD_SECONDS, lead.pk

    # Job-generated leads: set on jobs by technicians and an office employee or two.
    generated = leads.filter(type="job_generated")
    setters = generated.values("lead_setting_employee__role").annotate(n=Count("id"))
    by_role = {r["lead_setting_employee__role"]: r["n"] for r in setters}
    assert by_role.get(Role.TECHNICIAN, 0) >= 40
    assert by_role.get(Role.OFFICE, 0) >= 1
    assert generated.values("lead_setting_employee").distinct().count() >= 5
    assert not generated.filter(origin_job=None).exists()
    assert not generated.exclude(customer_id=F("origin_job__customer_id")).exists()


def assert_calls(now):
    calls = Call.objects.select_related("call_reason")
    assert 1500 <= calls.count() <= 5000
    found = dict(calls.values_list("classification").annotate(n=Count("id")))
    minimums = {"abandoned": 150, "booked": 300, "excused": 100, "not_lead": 200, "unbooked": 200}
    for classification, minimum in minimums.items():
        assert found.get(classification, 0) >= minimum, (classification, found.get(classification))
    # Nothing is hand-classified against the rules.
    for call in calls:
        assert call.classification == call_classify(call), call.pk
    assert not calls.filter(created_at__gt=now).exists()
    assert calls.filter(created_at__lt=now - timedelta(days=85)).exists()

    # Every tracking number rings, and some calls come to a number that is not one.
    dialled = set(calls.values_list("to_number", flat=True))
    assert set(TrackingNumber.objects.filter(active=True).values_list("number", flat=True)) <= dialled
    unknown = calls.filter(to_number=UNKNOWN_NUMBER)
    assert unknown.exists()
    assert not unknown.exclude(unknown_tracking_number=True, campaign=None).exists()

    # CSRs answer; nobody else.
    assert set(calls.exclude(accepted_by=None).values_list("accepted_by__role", flat=True)) == {Role.CSR}
    # A real office's rhythm: busy mornings, busy Mondays, quiet nights and Sundays.
    hours = [timezone.localtime(at) for at in calls.values_list("created_at", flat=True)]
    mornings = sum(1 for t in hours if 8 <= t.hour < 12)
    nights = sum(1 for t in hours if t.hour >= 21 or t.hour < 6)
    assert mornings > 10 * nights
    mondays = sum(1 for t in hours if t.weekday() == 0)
    sundays = sum(1 for t in hours if t.weekday() == 6)
    assert mondays > 3 * sundays

    # The Leads tab has work waiting: abandoned-call leads and unbooked calls.
    queue = calls_follow_up_queue()
    kinds = set(queue.values_list("classification", flat=True))
    assert kinds == {"abandoned", "unbooked"}
    assert 5 <= queue.count() <= 150


def assert_bookings():
    bookings = Booking.objects.all()
    found = dict(bookings.values_list("status").annotate(n=Count("id")))
    for status, minimum in {"new": 3, "accepted": 5, "converted": 5, "dismissed": 2}.items():
        assert found.get(status, 0) >= minimum, (status, found.get(status))
    assert set(bookings.values_list("channel", flat=True)) == {"online", "partner", "email"}
    assert not bookings.filter(status="accepted", job__invoice=None).exists()
    assert bookings.filter(status="converted", lead__type="marketing").count() == found["converted"]
    assert bookings.filter(channel="online").exclude(utm_source="").exists()
    assert bookings.filter(channel="online", utm_source="google").exclude(gclid="").exists()
    assert not bookings.filter(channel="partner").exclude(campaign__name="Angi Leads").exists()


def test_it_adds_nothing_the_second_time():
    # A smaller company walks the same code; the full one is loaded above.
    load(customers=40, days=10, days_ahead=3)
    before = counts()
    assert before["Job"] > 0
    assert before["Lead"] > 0 and before["Call"] > 0 and before["Booking"] > 0
    out = load(customers=40, days=10, days_ahead=3)
    assert counts() == before
    assert "already loaded" in out


def test_it_gives_every_business_unit_arrival_windows_and_the_coming_jobs_their_places():
    from hours.services import business_hours_get
    from scheduling.models import ArrivalWindow, WindowDay, WindowPlace
    from scheduling.services import window_at

    load(customers=40, days=3, days_ahead=4)
    assert set(ArrivalWindow.objects.values_list("business_unit__name", flat=True)) == set(
        BusinessUnit.objects.values_list("name", flat=True)
    )
    coming = Job.objects.filter(start__gte=timezone.now() + timedelta(days=1)).exclude(status="canceled")
    spec = business_hours_get()
    in_windows = {j.pk for j in coming if window_at(j.business_unit_id, j.start, spec) is not None}
    assert in_windows
    assert set(WindowPlace.objects.values_list("job_id", flat=True)) >= in_windows
    assert sum(WindowDay.objects.values_list("booked", flat=True)) == WindowPlace.objects.count()
    windows, places = ArrivalWindow.objects.count(), WindowPlace.objects.count()
    load(customers=40, days=3, days_ahead=4)
    assert (ArrivalWindow.objects.count(), WindowPlace.objects.count()) == (windows, places)


def test_it_gives_the_office_sla_policies_and_rules_and_every_lead_a_clock():
    from assignment.models import AssignmentRule, SlaPolicy
    from assignment.services import facts_of, first_response_due, sla_policy_for

    load(customers=40, days=10, days_ahead=3)
    assert SlaPolicy.objects.count() == 4 and AssignmentRule.objects.count() == 2
    assert Lead.objects.filter(status="open", first_response_at__isnull=True).exists()
    assert Lead.objects.filter(first_response_at__isnull=False).exists()
    assert not Lead.objects.filter(first_response_due_at__isnull=True).exists()
    policies = list(SlaPolicy.objects.all())
    for lead in Lead.objects.all():
        due = first_response_due(lead.created_at, sla_policy_for(facts_of(lead), policies))
        assert lead.first_response_due_at == due
    # A second load changes neither the policies nor the clocks.
    clocks = dict(Lead.objects.values_list("pk", "first_response_due_at"))
    load(customers=40, days=10, days_ahead=3)
    assert (SlaPolicy.objects.count(), AssignmentRule.objects.count()) == (4, 2)
    assert dict(Lead.objects.values_list("pk", "first_response_due_at")) == clocks


def test_it_lets_the_printed_demo_logins_sign_in():
    out = load(customers=10, days=2, days_ahead=1)
    active = [spec for spec in EMPLOYEES if spec.active]
    assert len(active) >= 12
    assert DEMO_PASSWORD in out
    for spec in active:
        assert spec.username in out
        user = authenticate(username=spec.username, password=DEMO_PASSWORD)
        assert user is not None, spec.username
        assert user.employee.role == spec.role
    assert authenticate(username="tyler.brooks", password=DEMO_PASSWORD) is None
    # The summary of what was loaded comes after the logins.
    summary = out.index("What is loaded:")
    assert summary > out.index(active[-1].username)
    for line in ("Leads", "Calls", "Leads tab", "Bookings", "Follow Up"):
        assert line in out[summary:]
    client = Client()
    r = client.post("/login/", {"username": "csr", "password": DEMO_PASSWORD})
    assert r.status_code == 302
    assert client.get("/").status_code == 200


def test_it_keeps_a_changed_demo_password():
    load(customers=10, days=2, days_ahead=1)
    user = Employee.objects.get(name="Jasmine Carter").user
    assert user is not None
    user.set_password("changed-by-her")
    user.save()
    load(customers=10, days=2, days_ahead=1)
    assert authenticate(username="csr", password="changed-by-her") is not None
