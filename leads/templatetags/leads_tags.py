"""Template helpers for the leads partials other apps include."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import QuerySet

from accounts.actor import Actor
from core.phones import format_phone
from jobs.models import Job
from leads.models import Lead
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
