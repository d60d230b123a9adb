"""Recurring background tasks on django-tasks, which has no schedule of its own.

A recurring task keeps itself going: each run enqueues the next one ``every``
seconds later (also when it failed, from a ``finally``), unless a run is already
waiting — so two chains started by accident fold back into one, and there is
never more than one run waiting. What starts a chain is up to its app (usually
``migrate``, through a ``post_migrate`` hook: ``make run`` and ``make serve``
migrate before they start the worker). A chain whose worker was killed mid-run
(its row stays "running") is started again the same way. ``every <= 0``
switches the schedule off.

Finished runs' result rows are deleted by a later run after ``keep``: at one a
minute they would otherwise pile up in the task table.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

KEEP_FINISHED = timedelta(hours=1)


def waiting(task: Any) -> bool:
    """Whether a run of ``task`` is enqueued and not yet claimed by a worker."""
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists()


def ensure_scheduled(task: Any, *, every: int, delay: int = 0) -> bool:
    """Enqueue a run of ``task`` ``delay`` seconds from now unless one is waiting;
    returns whether one was enqueued. Off when ``every`` is 0 or less."""
    if every <= 0 or waiting(task):
        return False
    task_def = task.using(run_after=timezone.now() + timedelta(seconds=delay)) if delay > 0 else task
    task_def.enqueue()
    return True


def prune_finished(task: Any, *, keep: timedelta = KEEP_FINISHED) -> int:
    """Delete ``task``'s successful runs that finished more than ``keep`` ago."""
    deleted, _ = DBTaskResult.objects.filter(
        task_path=task.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=timezone.now() - keep,
    ).delete()
    return deleted
