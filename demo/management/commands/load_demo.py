"""``manage.py load_demo``: the demo company, its people and 90 days of work:
jobs and invoices, calls, leads and bookings."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count
from django.utils import timezone

from accounts.models import Employee
from bookings.models import Booking
from calls.models import Call
from calls.services import calls_follow_up_queue
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag, TrackingNumber
from customers.models import Customer, Location
from demo.company import COMPANY, DEMO_PASSWORD, load_demo
from jobs.models import Invoice, InvoiceLine, Job
from leads.models import Lead


class Command(BaseCommand):
    help = f"Load the demo company ({COMPANY}). Running it again adds nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=320, help="How many customers (default 320).")
        parser.add_argument(
            "--days", type=int, default=90, help="Days of past jobs, calls, leads and bookings (default 90)."
        )
        parser.add_argument(
            "--days-ahead", type=int, default=14, help="Days of booked future jobs (default 14)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = load_demo(
            customers=options["customers"], days_back=options["days"], days_ahead=options["days_ahead"]
        )
        elapsed = time.monotonic() - started
        if result.loaded:
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo company {COMPANY} in {elapsed:.1f}s."))
        else:
            self.stdout.write(f"The demo company {COMPANY} is already loaded; nothing added.")
        reference = {
            "business units": BusinessUnit.objects.count(),
            "job types": JobType.objects.count(),
            "campaigns": Campaign.objects.count(),
            "tracking numbers": TrackingNumber.objects.count(),
            "call reasons": CallReason.objects.count(),
            "tags": Tag.objects.count(),
            "booking guides": BookingGuide.objects.count(),
            "employees": Employee.objects.count(),
        }
        self.stdout.write("  " + ", ".join(f"{n} {label}" for label, n in reference.items()))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec in result.logins:
            self.stdout.write(f"  {spec.username:<10} {spec.role:<11} {spec.name}")
        self.stdout.write("")
        self._summary()

    def _summary(self) -> None:
        """What there is to look at, per kind."""
        today = timezone.localdate()
        open_leads = Lead.objects.filter(status=Lead.Status.OPEN)
        rows = [
            ("Customers", f"{Customer.objects.count()} with {Location.objects.count()} locations"),
            (
                "Jobs",
                f"{Job.objects.count()} with {Invoice.objects.count()} invoices "
                f"({InvoiceLine.objects.count()} lines)",
            ),
            ("Leads", _by(Lead, "type")),
            ("  by status", _by(Lead, "status")),
            (
                "  Follow Up",
                f"{open_leads.filter(follow_up_on__lt=today).count()} overdue, "
                f"{open_leads.filter(follow_up_on=today).count()} due today, "
                f"{open_leads.filter(follow_up_on__gt=today).count()} later",
            ),
            ("Calls", _by(Call, "classification")),
            ("  Leads tab", f"{calls_follow_up_queue().count()} waiting"),
            ("Bookings", _by(Booking, "status")),
        ]
        self.stdout.write("What is loaded:")
        for label, text in rows:
            self.stdout.write(f"  {label:<12} {text}")


def _by(model: type[Lead] | type[Call] | type[Booking], field: str) -> str:
    rows = list(model.objects.values_list(field).annotate(n=Count("id")).order_by(field))
    parts = ", ".join(f"{n} {value.replace('_', ' ')}" for value, n in rows)
    return f"{sum(n for _, n in rows)}: {parts}" if rows else "0"
