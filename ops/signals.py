from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.signals import got_request_exception
from django.dispatch import receiver
from django_tasks.signals import task_enqueued

from ops.outage import MARK, is_unavailable

logger = logging.getLogger("leadline.tasks")


@receiver(got_request_exception, dispatch_uid="ops.mark_database_unavailable")
def mark_database_unavailable(sender: Any, request: Any = None, **kwargs: Any) -> None:
    if request is not None and is_unavailable(sys.exc_info()[1]):
        setattr(request, MARK, True)


@receiver(task_enqueued, dispatch_uid="ops.log_task_enqueued")
def log_task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """The request's line that links it to the task's own lines (the task's id)."""
    task_id = str(task_result.id).replace("-", "")
    name = task_result.task.module_path.rsplit(".", 1)[-1]
    logger.info("task queued %s %s", name, task_id, extra={"task": name, "task_id": task_id})
