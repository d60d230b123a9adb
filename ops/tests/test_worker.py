"""The worker: heartbeat, tasks of a dead worker requeued, outages waited out, a line per task."""

import logging
import re
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as django_tasks_db_worker
from django_tasks_db.models import DBTaskResult

from bookings.tasks import webhook_deliver
from ops import worker as worker_module
from ops.models import WorkerHeartbeat
from ops.worker import HeartbeatWorker, beat, requeue_orphans

pytestmark = pytest.mark.django_db


def _worker(**overrides):
    options = {
        "queue_names": ["default"],
        "interval": 0,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "worker-a",
        "excluded_queue_names": [],
    }
    options.update(overrides)
    return HeartbeatWorker(**options)


def test_it_beats_and_healthz_sees_the_worker():
    beat("worker-a", started_at=timezone.now(), tasks_run=0)
    beat("worker-a", started_at=timezone.now(), tasks_run=3)
    row = WorkerHeartbeat.objects.get()
    assert row.tasks_run == 3 and row.pid > 0
    assert Client().get("/healthz").json()["worker"] == "ok"


def test_it_hands_back_the_tasks_of_a_worker_that_stopped_beating(settings):
    settings.LEADLINE_WORKER_STALE_SECONDS = 60
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="dead", started_at=now, seen_at=now - timedelta(minutes=5))
    WorkerHeartbeat.objects.create(worker_id="alive", started_at=now, seen_at=now)
    orphan = webhook_deliver.enqueue(1)
    busy = webhook_deliver.enqueue(2)
    DBTaskResult.objects.filter(pk=orphan.id).update(status="RUNNING", worker_ids=["dead"])
    DBTaskResult.objects.filter(pk=busy.id).update(status="RUNNING", worker_ids=["alive"])
    assert requeue_orphans() == [str(DBTaskResult.objects.get(pk=orphan.id).pk)]
    assert DBTaskResult.objects.get(pk=orphan.id).status == "READY"
    assert DBTaskResult.objects.get(pk=busy.id).status == "RUNNING"
    assert requeue_orphans() == []


def test_it_runs_each_task_once_and_logs_it_under_the_task_id(caplog, monkeypatch):
    # The heartbeat thread is tested on its own (beat, requeue_orphans): the
    # test database is one connection's transaction.
    monkeypatch.setattr(HeartbeatWorker, "_beat_loop", lambda self: None)
    # The worker checks for obsolete connections between tasks, as Django does
    # between requests; inside the test's transaction PostgreSQL's connection is
    # "obsolete" (autocommit off) and would be closed under the test. Django's
    # test client disconnects the same check for the same reason.
    monkeypatch.setattr(django_tasks_db_worker, "close_old_connections", lambda: None)
    caplog.set_level(logging.INFO)
    enqueued = [webhook_deliver.enqueue(999001), webhook_deliver.enqueue(999002)]
    _worker().run()
    results = DBTaskResult.objects.filter(pk__in=[t.id for t in enqueued])
    assert sorted(r.status for r in results) == ["SUCCESSFUL", "SUCCESSFUL"]
    assert all(r.worker_ids == ["worker-a"] for r in results)
    lines = [r for r in caplog.records if r.name == "leadline.worker"]
    assert len(lines) == 2
    ids = {str(t.id).replace("-", "") for t in enqueued}
    assert {r.request_id for r in lines} == ids
    assert all(re.fullmatch(r"task webhook_deliver SUCCESSFUL \d+ms", r.getMessage()) for r in lines)
    queued = [r for r in caplog.records if r.name == "leadline.tasks"]
    assert {r.task_id for r in queued} == ids


def test_it_waits_out_a_database_outage(monkeypatch):
    calls = []

    def flaky_run(self):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(worker_module.Worker, "run", flaky_run)
    monkeypatch.setattr(worker_module, "OUTAGE_RETRY_SECONDS", 0)
    monkeypatch.setattr(HeartbeatWorker, "_beat_loop", lambda self: None)
    _worker().run()
    assert len(calls) == 3
