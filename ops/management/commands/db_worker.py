"""``manage.py db_worker``: django_tasks_db's worker command, running
``ops.worker.HeartbeatWorker`` (heartbeat for /healthz, tasks of dead workers
requeued, database outages waited out, one log line per task). Same options
as the package's; safe to run on several machines at once."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as PackageWorkerCommand

from ops.worker import HeartbeatWorker


class Command(PackageWorkerCommand):
    help = "Run the background worker (webhooks, texts): safe to run more than once."

    def configure_logging(self, verbosity: int) -> None:
        # Levels and handlers come from settings.LOGGING (one line per task,
        # with its id); the package's own handler would print each line twice.
        return None

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reload"] and options["batch"]:
            options["reload"] = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = HeartbeatWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["reload"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
