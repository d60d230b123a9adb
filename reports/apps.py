import contextlib
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def start_rollup_refresh(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Every ``migrate`` makes sure the worker's rollup refresh is scheduled (``reports.tasks``)."""
    from django.db import DatabaseError

    from reports.tasks import ensure_refresh_scheduled

    # DatabaseError: the task table is not there (a partial or backwards migrate).
    with contextlib.suppress(DatabaseError):
        ensure_refresh_scheduled()


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        post_migrate.connect(start_rollup_refresh, sender=self, dispatch_uid="reports_rollup_refresh")
