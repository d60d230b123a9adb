from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running background worker (``manage.py db_worker``),
    touched every few seconds: /healthz says the worker is fresh when one
    was seen lately, and tasks left running by a worker that stopped beating
    are handed back to the queue."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    tasks_run = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"
