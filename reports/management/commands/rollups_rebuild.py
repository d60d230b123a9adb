"""Rebuild the reports' daily rollups from the raw rows (``reports.rollups``).

    python manage.py rollups_rebuild            # resume an interrupted rebuild, or rebuild all
    python manage.py rollups_rebuild --restart  # start over even if one was interrupted

Idempotent (the same raw rows give the same rollup rows) and resumable (a month
of days per transaction; the state row records the next day to write). Reports
read the raw rows until the first rebuild completes. Safe while Leadline runs:
changes made meanwhile are marked by the triggers and picked up by the next
report.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports import rollups
from reports.tasks import ensure_refresh_scheduled


class Command(BaseCommand):
    help = "Rebuild the reports' daily rollups from the raw rows (idempotent, resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--restart", action="store_true", help="start over instead of resuming")
        parser.add_argument("--chunk-days", type=int, default=rollups.REBUILD_CHUNK_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        echo = self.stdout.write if options["verbosity"] > 1 else None
        days = rollups.rebuild(restart=options["restart"], chunk_days=options["chunk_days"], echo=echo)
        self.stdout.write(f"rollups rebuilt: {days} days in {time.perf_counter() - started:.1f} s")
        ensure_refresh_scheduled()  # from now on the worker keeps them current
