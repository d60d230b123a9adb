"""``manage.py load_demo``: the demo company, its people and 90 days of work."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.models import Employee
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag, TrackingNumber
from core.demo import COMPANY, DEMO_PASSWORD, load_demo
from customers.models import Customer, Location
from jobs.models import Invoice, InvoiceLine, Job


class Command(BaseCommand):
    help = f"Load the demo company ({COMPANY}). Running it again adds nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=320, help="How many customers (default 320).")
        parser.add_argument("--days", type=int, default=90, help="Days of past jobs (default 90).")
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
        counts = {
            "business units": BusinessUnit.objects.count(),
            "job types": JobType.objects.count(),
            "campaigns": Campaign.objects.count(),
            "tracking numbers": TrackingNumber.objects.count(),
            "call reasons": CallReason.objects.count(),
            "tags": Tag.objects.count(),
            "booking guides": BookingGuide.objects.count(),
            "employees": Employee.objects.count(),
            "customers": Customer.objects.count(),
            "locations": Location.objects.count(),
            "jobs": Job.objects.count(),
            "invoices": Invoice.objects.count(),
            "invoice lines": InvoiceLine.objects.count(),
        }
        self.stdout.write("  " + ", ".join(f"{n} {label}" for label, n in counts.items()))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec in result.logins:
            self.stdout.write(f"  {spec.username:<10} {spec.role:<11} {spec.name}")
