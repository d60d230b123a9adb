"""The background worker: django_tasks_db's ``Worker`` plus what running
several of them needs.

- **Heartbeat**: a thread touches this worker's ``WorkerHeartbeat`` row every
  ``HEARTBEAT_SECONDS`` (also while a long task runs), so /healthz can tell a
  live worker from a stopped one.
- **Tasks of a dead worker**: each beat hands back to the queue the tasks
  still ``RUNNING`` under a worker whose heartbeat went stale (killed, its
  machine lost). A task may so run again after a crash, never twice in
  parallel; the tasks here are written for it (a webhook attempt posts only
  while its row is pending, and its receiver de-duplicates on
  ``X-Leadline-Delivery``).
- **Claiming** is the package's: ``SELECT … FOR UPDATE SKIP LOCKED`` on the
  oldest ready row, marked ``RUNNING`` in the same transaction, so two workers
  never take the same task (on SQLite an exclusive transaction does the same).
- **Database outage**: the package's loop dies on a connection error; this
  one logs it, waits and carries on, so a restarted database needs no
  restarted worker.
- **Logs**: one line per task with its id as the log's request id.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ops.health import HEARTBEAT_SECONDS, stale_after
from ops.logs import request_id_var
from ops.models import WorkerHeartbeat
from ops.outage import UNAVAILABLE_ERRORS

logger = logging.getLogger("leadline.worker")

OUTAGE_RETRY_SECONDS = 5
# Heartbeat rows of workers gone for this long are deleted.
FORGET_AFTER_SECONDS = 24 * 3600


def beat(worker_id: str, *, started_at: Any, tasks_run: int) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "seen_at": now,
            "tasks_run": tasks_run,
        },
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": now,
            "tasks_run": tasks_run,
        },
    )


def requeue_orphans() -> list[str]:
    """Tasks left ``RUNNING`` by workers whose heartbeat is stale go back to ``READY``."""
    now = timezone.now()
    dead = set(
        WorkerHeartbeat.objects.filter(seen_at__lt=now - stale_after()).values_list("worker_id", flat=True)
    )
    if not dead:
        return []
    requeued = []
    running = DBTaskResult.objects.filter(status="RUNNING").only("id", "worker_ids")
    for task in running:
        if task.worker_ids and task.worker_ids[-1] in dead:
            # Conditional on still RUNNING: two workers doing this at once requeue it once.
            with transaction.atomic():
                if DBTaskResult.objects.filter(pk=task.pk, status="RUNNING").update(status="READY"):
                    requeued.append(str(task.pk))
    for task_id in requeued:
        logger.warning("task %s handed back to the queue: its worker stopped beating", task_id)
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(seconds=FORGET_AFTER_SECONDS)).delete()
    return requeued


class HeartbeatWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._beats = threading.Thread(target=self._beat_loop, name="heartbeat", daemon=True)

    def _beat_loop(self) -> None:
        warned = False
        while not self._stop.is_set():
            try:
                beat(self.worker_id, started_at=self.started_at, tasks_run=self._run_tasks)
                requeue_orphans()
                warned = False
            except DatabaseError as exc:
                if not warned:
                    logger.warning("heartbeat: database unavailable (%s)", str(exc).strip()[:200])
                    warned = True
            finally:
                # Each beat on a fresh connection: this thread's connection is its own.
                connections.close_all()
            self._stop.wait(HEARTBEAT_SECONDS)

    def run(self) -> None:
        self._beats.start()
        try:
            while True:
                try:
                    super().run()
                    return
                except UNAVAILABLE_ERRORS as exc:
                    if not self.running:
                        return
                    logger.warning(
                        "database unavailable (%s); retrying in %s s",
                        str(exc).strip()[:200],
                        OUTAGE_RETRY_SECONDS,
                    )
                    close_old_connections()
                    for conn in connections.all(initialized_only=True):
                        conn.close_if_unusable_or_obsolete()
                    time.sleep(OUTAGE_RETRY_SECONDS)
        finally:
            self._stop.set()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        token = request_id_var.set(str(db_task_result.id).replace("-", ""))
        started = time.monotonic()
        try:
            super().run_task(db_task_result)
        finally:
            ms = (time.monotonic() - started) * 1000
            logger.info(
                "task %s %s %.0fms",
                db_task_result.task_path.rsplit(".", 1)[-1],
                db_task_result.status,
                ms,
                extra={"task": db_task_result.task_path, "status": db_task_result.status, "ms": round(ms, 1)},
            )
            request_id_var.reset(token)
