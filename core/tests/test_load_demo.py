from datetime import timedelta
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone

from accounts.models import Employee, Integration, Role
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag, TrackingNumber
from core.demo import DEMO_PASSWORD, EMPLOYEES
from customers.models import ContactPoint, Customer, Location
from jobs.models import Invoice, InvoiceLine, Job

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


def test_it_adds_nothing_the_second_time():
    # A smaller company walks the same code; the full one is loaded above.
    load(customers=40, days=10, days_ahead=3)
    before = counts()
    assert before["Job"] > 0
    out = load(customers=40, days=10, days_ahead=3)
    assert counts() == before
    assert "already loaded" in out


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
