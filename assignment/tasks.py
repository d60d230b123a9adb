"""The worker's escalation tasks: each lead's breach check at its due time
(enqueued at capture), and the sweep, a recurring task.

django-tasks has no periodic tasks, so the sweep keeps itself going: each run
enqueues the next one ``LEADLINE_SLA_SWEEP_SECONDS`` later (also when it
failed), unless a sweep is already waiting — so two chains started by accident
fold back into one, and there is never more than one sweep waiting.

What starts the chain: ``migrate`` (``make run`` and ``make serve`` migrate before
they start the worker; the post_migrate hook is in ``apps.py``), creating or
changing an SLA policy, and ``manage.py sla_sweep``. A chain whose worker was
killed mid-sweep (the row stays "running") is started again by any of those.
``LEADLINE_SLA_SWEEP_SECONDS=0`` switches the schedule off (the test settings do;
``manage.py sla_sweep`` still runs one sweep by hand).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from assignment.escalation import away_leads_reassign, sla_breaches_notify
from assignment.services import sla_breach_notify

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


# Finished sweeps' result rows are kept this long (for a look in the admin), then
# deleted by a later sweep: at one every 30 s they would otherwise pile up.
KEEP_FINISHED = timedelta(hours=1)


@task()
def sla_sweep() -> dict[str, Any]:
    try:
        return sweep_now()
    finally:
        ensure_sweep_scheduled(delay=sweep_seconds())
        DBTaskResult.objects.filter(
            task_path=sla_sweep.module_path,
            status=TaskResultStatus.SUCCESSFUL,
            finished_at__lt=timezone.now() - KEEP_FINISHED,
        ).delete()


def sweep_waiting() -> bool:
    return DBTaskResult.objects.filter(
        task_path=sla_sweep.module_path, status=TaskResultStatus.READY
    ).exists()


def ensure_sweep_scheduled(*, delay: int = 0) -> bool:
    """Enqueue a sweep ``delay`` seconds from now unless one is waiting; returns
    whether one was enqueued. Off when LEADLINE_SLA_SWEEP_SECONDS is 0."""
    if sweep_seconds() <= 0 or sweep_waiting():
        return False
    task_def = (
        sla_sweep.using(run_after=timezone.now() + timedelta(seconds=delay)) if delay > 0 else sla_sweep
    )
    task_def.enqueue()
    return True


@task()
def sla_breach_check(lead_id: int) -> str:
    """Enqueued at capture to run at the lead's first-response due time: how
    late a breach notice can be is the worker's polling interval. (The sweep
    above is the safety net: a lead whose check was lost is told by the next
    sweep; the shared claim and key make it once either way.)"""
    return "told" if sla_breach_notify(lead_id) else "nothing to tell"
