"""Helpers to build a hand-made dataset at chosen local times: ``created_at``
is ``auto_now_add``, so each row is created then moved to its moment."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from accounts.actor import Actor
from accounts.tests.factories import IntegrationFactory
from calls.models import Call
from jobs.models import Invoice, Job
from jobs.services import invoice_add_line
from jobs.tests.factories import book_job
from leads.models import Lead, LeadActivity
from leads.tests.factories import LeadFactory

_provider = None


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A local (settings.TIME_ZONE) moment."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _move(obj: Any, when: datetime, **extra: Any) -> Any:
    type(obj).objects.filter(pk=obj.pk).update(created_at=when, **extra)
    obj.refresh_from_db()
    return obj


def make_call(when: datetime, *, classification: str, duration: int = 120, **fields: Any) -> Call:
    fields.setdefault("from_number", "+15125550199")
    if classification != Call.Classification.ABANDONED:
        fields.setdefault("accepted_at", when)
    call = Call.objects.create(
        provider=IntegrationFactory(),
        provider_call_id=f"test-{Call.objects.count()}-{when.timestamp()}",
        classification=classification,
        duration_seconds=duration,
        **fields,
    )
    return _move(call, when)


def make_lead(when: datetime, **fields: Any) -> Lead:
    lead = LeadFactory(**fields)
    return _move(lead, when)


def make_job(when: datetime, *, amount: Decimal | None = None, void: bool = False, **fields: Any) -> Job:
    job = book_job(**fields)
    if amount is not None:
        invoice_add_line(
            actor=Actor(superuser=True),
            invoice=job.invoice,
            description="Work",
            quantity=Decimal(1),
            unit_price=amount,
        )
    if void:
        Invoice.objects.filter(job=job).update(status=Invoice.Status.VOID)
    return _move(job, when)


def convert(lead: Lead, job: Job) -> Lead:
    Lead.objects.filter(pk=lead.pk).update(
        status=Lead.Status.CONVERTED, converted_job=job, converted_at=job.created_at
    )
    lead.refresh_from_db()
    return lead


def log_call_back(lead: Lead, when: datetime) -> LeadActivity:
    """A CSR calls the lead back through the real follow-up service, at ``when``."""
    from unittest import mock

    from accounts.actor import Actor
    from accounts.models import Role
    from conftest import make_employee
    from leads.services import lead_follow_up

    with mock.patch("django.utils.timezone.now", return_value=when):
        return lead_follow_up(
            actor=Actor(employee=make_employee(Role.CSR)), lead=lead, outcome=LeadActivity.Outcome.NO_ANSWER
        )


def linked_rows(client: Any, url: str) -> int:
    """How many rows the list a report figure links to shows (one page, or it fails)."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    rows = context["rows"] if "rows" in context else context["items"]
    assert not (context.get("next_url") or context.get("next_cursor")), f"{url} has more than one page"
    return len(rows)
