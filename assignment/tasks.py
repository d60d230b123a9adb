"""Work the background worker (`python manage.py db_worker`) does for assignment."""

from __future__ import annotations

from django_tasks import task

from assignment.services import sla_breach_notify


@task()
def sla_breach_check(lead_id: int) -> str:
    """Enqueued at capture to run at the lead's first-response due time: how
    late a breach notice can be is the worker's polling interval."""
    return "told" if sla_breach_notify(lead_id) else "nothing to tell"
