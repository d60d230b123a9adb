"""Template helpers for the leads partials other apps include."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.actor import Actor
from core.phones import format_phone
from jobs.models import Job
from leads.models import Lead, sla_status
from leads.services import can_set_lead_on_job

register = template.Library()


@register.simple_tag
def lead_allowed_on(actor: Actor, job: Job) -> bool:
    """Whether the Job screen shows its "Lead" action to this person."""
    return can_set_lead_on_job(actor, job)


@register.simple_tag
def leads_of_customer(customer: Any) -> QuerySet[Lead]:
    """A customer's leads, open first, for the customer page (one query)."""
    return (
        Lead.objects.filter(customer=customer)
        .select_related("campaign", "job_type", "converted_job", "assignee")
        .order_by("-status", "follow_up_on", "-id")[:25]
    )


@register.filter
def phone(value: str) -> str:
    return format_phone(value)


def _span(minutes: float) -> str:
    minutes = int(abs(minutes) // 1)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.simple_tag
def sla_clock(lead: Lead, now: datetime | None = None) -> SafeString:
    """The first-response clock of a row: "due in 7 min", "12 min late",
    "answered in 5 min" / "answered 3 min late", or a dash without an SLA."""
    status = sla_status(lead, now)
    due = lead.first_response_due_at
    if status == "none" or due is None:
        return mark_safe('<span class="muted" title="No first-response SLA">—</span>')
    answered = lead.first_response_at
    if answered is not None:
        took = _span((answered - lead.created_at).total_seconds() / 60)
        if status == "met":
            return format_html('<span class="sla sla-met">answered in {}</span>', took)
        late = _span((answered - due).total_seconds() / 60)
        return format_html('<span class="sla sla-breached">answered {} late</span>', late)
    if status in ("met", "breached") and lead.status != Lead.Status.OPEN:
        return format_html(
            '<span class="sla sla-{}">closed, {}</span>', status, "in time" if status == "met" else "late"
        )
    left = (due - (now or timezone.now())).total_seconds() / 60
    title = f"First response due {timezone.localtime(due):%b %-d %H:%M}"
    if status == "breached":
        return format_html('<span class="sla sla-breached" title="{}">{} late</span>', title, _span(left))
    return format_html(
        '<span class="sla sla-{}" title="{}">due in {}</span>', status, title, _span(max(left, 0))
    )
