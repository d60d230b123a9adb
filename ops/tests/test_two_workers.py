"""Two workers on one PostgreSQL database: every task runs once (SKIP LOCKED claiming)."""

import collections
import http.server
import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from accounts.tests.factories import IntegrationFactory
from bookings.models import WebhookDelivery
from bookings.tasks import webhook_notify

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


class Sink(http.server.BaseHTTPRequestHandler):
    received: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.received[self.headers["X-Leadline-Delivery"]] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_it_runs_each_task_once_with_two_workers_at_once(tmp_path):
    Sink.received = collections.Counter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    integration = IntegrationFactory(webhook_url=f"http://127.0.0.1:{server.server_port}/hook")
    deliveries = [
        webhook_notify(integration=integration, event="booking.accepted", payload={"n": n}) for n in range(40)
    ]
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--interval=0",
                f"--worker-id=w{i}",
                "--no-reload",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=open(tmp_path / f"w{i}.log", "w"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
        )
        for i in (1, 2)
    ]
    try:
        for w in workers:
            assert w.wait(timeout=300) == 0
    finally:
        server.shutdown()
    ids = {str(d.event_id) for d in deliveries}
    assert set(Sink.received) == ids
    assert all(count == 1 for count in Sink.received.values()), Sink.received.most_common(3)
    assert WebhookDelivery.objects.filter(status="delivered").count() == 40
    results = list(DBTaskResult.objects.values_list("status", "worker_ids"))
    assert len(results) == 40 and {status for status, _ in results} == {"SUCCESSFUL"}
    assert all(len(worker_ids) == 1 for _, worker_ids in results)
    by_worker = collections.Counter(worker_ids[0] for _, worker_ids in results)
    print("tasks per worker:", dict(by_worker))
