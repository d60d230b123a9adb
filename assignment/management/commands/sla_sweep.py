"""Run the escalation sweep once now (breached SLAs, Away CSRs' leads) and make
sure the worker's recurring sweep is scheduled."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from assignment.tasks import ensure_sweep_scheduled, sweep_now, sweep_seconds


class Command(BaseCommand):
    help = "Tell breached first-response SLAs and offer Away CSRs' waiting leads back to the rules, now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_now()
        told, moved = result["breaches_told"], result["reassigned"]
        self.stdout.write(f"{told} breached lead(s) told, {moved} lead(s) offered back to a rule")
        if ensure_sweep_scheduled(delay=sweep_seconds()):
            self.stdout.write(f"The worker's sweep is scheduled every {sweep_seconds()} s.")
