"""The worker's escalation tasks: each lead's breach check at its due time
(enqueued at capture), and the sweep, a recurring task (``core.recurring``:
each run enqueues the next one ``LEADLINE_SLA_SWEEP_SECONDS`` later).

What starts the chain: ``migrate`` (the post_migrate hook is in ``apps.py``),
creating or changing an SLA policy, and ``manage.py sla_sweep``.
``LEADLINE_SLA_SWEEP_SECONDS=0`` switches the schedule off (the test settings do;
``manage.py sla_sweep`` still runs one sweep by hand).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django_tasks import task

from assignment.escalation import away_leads_reassign, sla_breaches_notify
from assignment.services import sla_breach_notify
from core import recurring

log = logging.getLogger("leadline.escalation")


def sweep_seconds() -> int:
    return int(getattr(settings, "LEADLINE_SLA_SWEEP_SECONDS", 30))


def sweep_now() -> dict[str, int]:
    """One sweep: tell the breaches, offer Away CSRs' waiting leads back to the rules."""
    told = sla_breaches_notify()
    moved = away_leads_reassign()
    if told or moved:
        log.info("escalation: %d breached lead(s) told, %d lead(s) offered back to a rule", told, len(moved))
    return {"breaches_told": told, "reassigned": len(moved)}


@task()
def sla_sweep() -> dict[str, Any]:
    try:
        return sweep_now()
    finally:
        ensure_sweep_scheduled(delay=sweep_seconds())
        recurring.prune_finished(sla_sweep)


def sweep_waiting() -> bool:
    return recurring.waiting(sla_sweep)


def ensure_sweep_scheduled(*, delay: int = 0) -> bool:
    """Enqueue a sweep ``delay`` seconds from now unless one is waiting; returns
    whether one was enqueued. Off when LEADLINE_SLA_SWEEP_SECONDS is 0."""
    return recurring.ensure_scheduled(sla_sweep, every=sweep_seconds(), delay=delay)


@task()
def sla_breach_check(lead_id: int) -> str:
    """Enqueued at capture to run at the lead's first-response due time: how
    late a breach notice can be is the worker's polling interval. (The sweep
    above is the safety net: a lead whose check was lost is told by the next
    sweep; the shared claim and key make it once either way.)"""
    return "told" if sla_breach_notify(lead_id) else "nothing to tell"
