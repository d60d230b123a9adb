"""Escalation, run by the worker (``assignment.tasks.sla_sweep``):

1. **Breached first-response SLAs.** An open lead whose ``first_response_due_at``
   has passed with no first response is told to its assignee and to every
   manager, once: the notification's key (``sla_breached:<lead id>``) is unique
   per person (``notifications.notify``), and ``Lead.sla_breach_notified_at``
   keeps later sweeps from looking at the lead again. A lead answered or closed
   before its sweep is never told.
2. **Leads waiting with someone Away.** An open lead with no first response,
   assigned to an employee who has been Away (the Calls screen's switch) for
   ``LEADLINE_AWAY_REASSIGN_MINUTES`` and has had it that long, is offered back to
   the assignment rule that matches it: the rule picks someone else in its turn
   order among those Available (whatever the rule's ``available_only``: offering it
   to another Away CSR would not help). The audit entry says a rule assigned it
   (``assigned_by: "rule"``, the rule's id, ``reason: "away"``). With no rule
   matching, or nobody Available in it, the lead stays where it is.
   Leads already answered stay with their owner: they are that CSR's pipeline.

How late a notice can be: a breach is seen by the first sweep after the due
time, so at most ``LEADLINE_SLA_SWEEP_SECONDS`` plus the worker's poll interval
(1 s) plus the time of any task ahead of the sweep in the queue (measured:
``bench/sla_escalation.py``, the README's "Escalation").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.actor import SYSTEM
from accounts.models import Employee
from assignment.services import facts_of, matching_rule, notify_assigned, pick_assignee, sla_breach_notify
from core.models import AuditEntry
from leads.models import Lead, LeadActivity
from leads.services import lead_add_activity

# One sweep handles at most this many of each; the rest wait for the next sweep
# (a first run over a backlog must not hold the worker for minutes).
BATCH = 200


def away_reassign_after() -> timedelta | None:
    """LEADLINE_AWAY_REASSIGN_MINUTES; 0 switches the reassignment off."""
    minutes = int(getattr(settings, "LEADLINE_AWAY_REASSIGN_MINUTES", 30))
    return timedelta(minutes=minutes) if minutes > 0 else None


def sla_breaches_notify(*, now: datetime | None = None) -> int:
    """Tell the assignee and the managers about each newly breached lead, once.
    Returns how many leads were told about."""
    now = now or timezone.now()
    breached = Lead.objects.filter(
        status=Lead.Status.OPEN,
        first_response_at__isnull=True,
        first_response_due_at__lt=now,
        sla_breach_notified_at__isnull=True,
    ).order_by("first_response_due_at", "id")
    ids = list(breached.values_list("pk", flat=True)[:BATCH])
    # Each through the lead's own check: its claim makes a sweep beside this one,
    # or the lead's own task, skip a lead already told.
    return sum(sla_breach_notify(lead_id, now=now) for lead_id in ids)


@dataclass(frozen=True)
class Reassigned:
    lead_id: int
    from_id: int
    to_id: int
    rule_id: int


def away_leads_reassign(*, now: datetime | None = None) -> list[Reassigned]:
    """Offer the unanswered leads of employees Away past the setting back to their rule."""
    after = away_reassign_after()
    if after is None:
        return []
    now = now or timezone.now()
    cutoff = now - after
    waiting = list(
        Lead.objects.filter(
            status=Lead.Status.OPEN,
            first_response_at__isnull=True,
            assignee__available=False,
            assignee__available_changed_at__lte=cutoff,
        )
        .filter(Q(assigned_at__isnull=True) | Q(assigned_at__lte=cutoff))
        .select_related("location", "assignee")
        .order_by("id")[:BATCH]
    )
    moved: list[Reassigned] = []
    for lead in waiting:
        rule = matching_rule(facts_of(lead))
        if rule is None:
            continue
        with transaction.atomic():
            current = Lead.objects.select_for_update().filter(pk=lead.pk).first()
            if (
                current is None
                or current.assignee_id != lead.assignee_id
                or current.status != Lead.Status.OPEN
                or current.first_response_at is not None
            ):
                continue  # answered, closed or reassigned since it was read
            away = lead.assignee
            assert away is not None
            chosen = pick_assignee(rule, exclude=[away.pk], require_available=True)
            if chosen is None:
                continue
            Lead.objects.filter(pk=lead.pk).update(
                assignee_id=chosen, assigned_by=Lead.AssignedBy.RULE, assigned_at=now, updated_at=now
            )
            AuditEntry.record(
                actor=SYSTEM,
                entity="lead",
                entity_id=lead.pk,
                action="assigned",
                changes={
                    "assignee": [away.pk, chosen],
                    "assigned_by": [current.assigned_by, Lead.AssignedBy.RULE.value],
                    "rule": rule.pk,
                    "reason": "away",
                },
            )
            new = Employee.objects.get(pk=chosen)
            away_for = int((now - (away.available_changed_at or now)).total_seconds() // 60)
            lead_add_activity(
                actor=SYSTEM,
                lead=current,
                kind=LeadActivity.Kind.SYSTEM,
                text=(
                    f"Assigned to {new.name} by the rule “{rule.name}”: "
                    f"{away.name} has been Away for {away_for} min"
                ),
            )
            current.assignee_id = chosen
            notify_assigned(current)
            moved.append(Reassigned(lead_id=lead.pk, from_id=away.pk, to_id=chosen, rule_id=rule.pk))
    return moved
