import contextlib
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def start_escalation_sweep(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Every ``migrate`` (``make run``, ``make serve``, an upgrade) makes sure the
    worker's escalation sweep is scheduled (``assignment.tasks``)."""
    from django.db import DatabaseError

    from assignment.tasks import ensure_sweep_scheduled

    # DatabaseError: the task table is not there (a partial or backwards migrate).
    with contextlib.suppress(DatabaseError):
        ensure_sweep_scheduled()


class AssignmentConfig(AppConfig):
    name = "assignment"
    verbose_name = "Assignment and first-response SLAs"

    def ready(self) -> None:
        # Every lead captured anywhere gets its owner and its clock here (leads.hooks).
        from assignment import services
        from assignment.models import AssignmentRule, SlaPolicy
        from core import generation
        from leads import hooks

        # Their tables keep the configuration generation (migration 0002; core.generation).
        generation.keep(AssignmentRule)
        generation.keep(SlaPolicy)

        hooks.on_plan(services.lead_plan)
        hooks.on_prepare(services.lead_prepare)
        hooks.on_captured(services.lead_captured)
        post_migrate.connect(start_escalation_sweep, sender=self, dispatch_uid="assignment_escalation_sweep")
