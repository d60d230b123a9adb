"""Reads with a name: the Follow Up screen's filters, shared by the page, its
CSV export and ``GET /leads`` so the three always agree."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from django.db.models import Q, QuerySet
from django.utils import timezone
from ninja import Schema

from accounts.actor import Actor
from accounts.roles import Perm
from core.errors import forbidden
from core.pagination import Sorting, SortOption
from core.phones import try_normalize_phone
from core.schemas import PriorityName
from leads.models import Lead, sla_breached_q, sla_met_q

LeadType = Literal["marketing", "abandoned_call", "job_generated"]
LeadStatus = Literal["open", "converted", "dismissed"]
LeadChannel = Literal["call", "text", "online", "email", "chat", "partner", "phone", "job", "api", "manual"]

# Overdue first, then by follow-up date: ascending dates do both at once.
QUEUE_ORDER = ("follow_up_on", "id")
# The first-response clock: the leads still waiting for one, the soonest due (most late) first.
SLA_ORDER = ("first_response_due_at", "id")
# Follow Up's sortable columns; each has its index (leads migration 0008, on status first).
LEAD_SORTING = Sorting(
    options={
        "follow_up": SortOption(fields=("follow_up_on",)),
        "created": SortOption(fields=("created_at",), descending_first=True),
        "name": SortOption(fields=("name",)),
    },
    default="follow_up",
)


class LeadFilters(Schema):
    status: LeadStatus | Literal["any"] = "open"
    type: LeadType | None = None
    campaign_id: int | None = None
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    assignee_id: int | None = None
    without_customer: bool | None = None
    # False: nobody has answered the lead yet (no follow-up, no call-back logged).
    responded: bool | None = None
    # Whose was the lead's first response (the CSR scorecard's first responses).
    responded_by: int | None = None
    # The first-response SLA's outcome so far (sla_status "met" or "breached").
    sla: Literal["met", "breached"] | None = None
    # False leaves out leads merged into another (the reports count each person once).
    merged: bool | None = None
    follow_up_before: date | None = None
    follow_up_after: date | None = None
    created_after: date | None = None
    created_before: date | None = None
    q: str = ""
    # "sla": only leads still awaiting a first response under an SLA, by due time (the clock);
    # the others sort by a column ("-" first for descending), LEAD_SORTING.
    sort: Literal["follow_up", "-follow_up", "created", "-created", "name", "-name", "sla"] = "follow_up"


def leads_for(actor: Actor) -> QuerySet[Lead]:
    """The leads an actor may read: all for the office, their own for a technician."""
    actor.require_employee()
    if actor.can(Perm.WORK_LEADS):
        return Lead.objects.all()
    if actor.can(Perm.SET_LEADS_ON_OWN_JOBS) and actor.employee is not None:
        return Lead.objects.filter(lead_setting_employee=actor.employee)
    raise forbidden("Your role may not read leads.")


def _search(text: str) -> Q:
    """Name or street fragment, phone in any format, email or city.

    On PostgreSQL the fragments use trigram indexes (``leads`` migration 0005),
    so a three-letter fragment is an index lookup at a million leads; SQLite
    scans, which is fine at its scale.
    """
    cond = Q(name__icontains=text) | Q(street__icontains=text) | Q(city__iexact=text)
    if "@" in text:
        cond |= Q(email=text.lower())
    phone = try_normalize_phone(text) if any(ch.isdigit() for ch in text) else None
    if phone:
        cond |= Q(phone=phone)
    return cond


def _day_start(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day is not None else None


def leads_filtered(qs: QuerySet[Lead], filters: LeadFilters) -> QuerySet[Lead]:
    f = filters
    exact = {
        "status": None if f.status == "any" else f.status,
        "type": f.type,
        "campaign_id": f.campaign_id,
        "business_unit_id": f.business_unit_id,
        "job_type_id": f.job_type_id,
        "priority": f.priority,
        "assignee_id": f.assignee_id,
        "first_response_by_id": f.responded_by,
        "follow_up_on__lte": f.follow_up_before,
        "follow_up_on__gte": f.follow_up_after,
        # Whole local days as a range on the raw column, so its index is usable.
        "created_at__gte": _day_start(f.created_after),
        "created_at__lt": _day_start(f.created_before + timedelta(days=1) if f.created_before else None),
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v is not None})
    if f.without_customer is not None:
        qs = qs.filter(customer__isnull=f.without_customer)
    if f.merged is not None:
        qs = qs.filter(merged_into__isnull=not f.merged)
    if f.responded is not None:
        qs = qs.filter(first_response_at__isnull=not f.responded)
    if f.sla == "met":
        qs = qs.filter(sla_met_q())
    elif f.sla == "breached":
        qs = qs.filter(sla_breached_q(timezone.now()))
    if f.q.strip():
        qs = qs.filter(_search(f.q.strip()))
    return qs


def queue_rows(qs: QuerySet[Lead]) -> QuerySet[Lead]:
    """What a row of the queue shows, in a fixed number of queries."""
    # The customer's contacts: a job-generated lead shows its origin job's customer's phone.
    return qs.select_related(
        "campaign", "business_unit", "job_type", "assignee", "customer", "location", "lead_setting_employee"
    ).prefetch_related("tags", "customer__contacts")


def queue_order(qs: QuerySet[Lead], filters: LeadFilters) -> tuple[QuerySet[Lead], tuple[str, ...]]:
    """The queue in the order asked for: by follow-up date, or by the first-response
    clock (only leads still waiting for a first response have one)."""
    if filters.sort == "sla":
        awaiting = qs.filter(first_response_at__isnull=True, first_response_due_at__isnull=False)
        return awaiting, SLA_ORDER
    return qs, LEAD_SORTING.order(filters.sort)
